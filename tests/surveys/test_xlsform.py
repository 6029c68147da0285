"""XLSForm in and out through pyxform (with ODK Validate), and responses from ODK or KoboToolbox."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from pyxform.xls2xform import convert
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.learn import services as learning
from lms.models import PooledResponse, Survey, SurveyResponse
from lms.surveys import building, xlsform
from lms.surveys.response_import import ResponseImportError, import_responses
from tests.helpers import BUNDLED_COURSE, csrf_token, release_any, sign_in


def workbook_bytes(survey_rows, choice_rows=(), settings=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey_rows:
        sheet.append(list(row))
    choices = book.create_sheet("choices")
    for row in choice_rows:
        choices.append(list(row))
    if settings:
        sheet = book.create_sheet("settings")
        for row in settings:
            sheet.append(list(row))
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


KOBO_FORM = workbook_bytes(
    [("type", "name", "label::English (en)", "label::Français", "required", "constraint"),
     ("start", "start", "", "", "", ""),
     ("begin_group", "about", "About you", "À propos de vous", "", ""),
     ("select_one yes_no", "member", "Are you a union member?", "Êtes-vous syndiqué·e ?", "yes", ""),
     ("integer", "age", "Your age", "Votre âge", "yes", ". >= 15 and . <= 90"),
     ("end_group", "", "", "", "", ""),
     ("select_multiple issues", "issues", "Issues at work", "Problèmes au travail", "", ""),
     ("text", "comment", "Anything else?", "Autre chose ?", "", "")],
    [("list_name", "name", "label::English (en)", "label::Français (fr)"),
     ("yes_no", "yes", "Yes", "Oui"), ("yes_no", "no", "No", "Non"),
     ("issues", "wages", "Wages", "Salaires"), ("issues", "safety", "Safety", "Sécurité")],
    [("form_id", "form_title", "default_language"), ("factory_voice", "Factory voice", "English (en)")])


@pytest.mark.java
def test_an_export_is_accepted_by_pyxform_and_odk_validate(app_ctx, make_survey):
    survey = make_survey()
    building.save_translation(survey, "fr", title="La voix", description="",
                              questions={"safe": ("Je me sens en sécurité.", "")},
                              choices={("voice", "often"): "Souvent"})
    db.session.commit()
    data = xlsform.export_xlsform(survey).getvalue()
    result = convert(xlsform=io.BytesIO(data), validate=True, warnings=[], file_type=".xlsx")  # runs ODK Validate
    assert "Je me sens en sécurité." in result.xform and "Souvent" in result.xform
    assert 'lang="French (fr)"' in result.xform
    survey_sheet = load_workbook(io.BytesIO(data))["survey"]
    assert [c.value for c in survey_sheet[1]][:4] == ["type", "name", "label::English (en)", "label::French (fr)"]


def test_a_survey_survives_the_round_trip_through_xlsform(app_ctx, make_survey):
    original = make_survey()
    building.save_translation(original, "fr", title="La voix", description="",
                              questions={"hours": ("Heures travaillées", "")}, choices={})
    data = xlsform.export_xlsform(original).getvalue()
    book = load_workbook(io.BytesIO(data))
    book["settings"]["A2"] = "workers-voice-copy"
    changed = io.BytesIO()
    book.save(changed)
    changed.seek(0)
    copy = xlsform.import_xlsform(changed, "copy.xlsx", creator=None)
    db.session.commit()

    def shape(survey):
        return [(q.code, q.kind, q.required, q.min_value, q.max_value, q.choice_codes,
                 sorted((t.language, t.label) for t in q.texts)) for q in survey.published_version.questions]

    assert shape(copy) == [
        (code, kind, required, low, high, choices, [t for t in texts if t[0] == "en" or t[1] == "Heures travaillées"])
        for code, kind, required, low, high, choices, texts in shape(original)]
    assert copy.source_language == "en"


def test_a_kobo_style_form_imports_from_the_command_line(app, app_ctx, tmp_path):
    path = tmp_path / "factory.xlsx"
    path.write_bytes(KOBO_FORM)
    result = app.test_cli_runner().invoke(args=["surveys", "import-xlsform", str(path), "--workplace"])
    assert result.exit_code == 0, result.output
    assert "4 questions" in result.output
    survey = db.session.scalar(select(Survey).where(Survey.code == "factory_voice"))
    questions = {q.code: q for q in survey.published_version.questions}
    assert questions["member"].kind == "yes_no" and questions["issues"].kind == "multiple"
    assert (questions["age"].min_value, questions["age"].max_value) == (15, 90)
    assert {t.language: t.label for t in questions["age"].texts} == {"en": "Your age", "fr": "Votre âge"}
    assert survey.subject == "workplace" and survey.privacy == "anonymous"


@pytest.mark.parametrize(("rows", "choices", "expected"), [
    ([("type", "name", "label"), ("select_one missing", "q1", "Question")], [("list_name", "name", "label")],
     "pyxform refuses the form"),
    ([("type", "name", "label"), ("text", "q1", "Question"), ("geopoint", "where", "Where?")], [],
     "sheet survey, row 3, column type"),
    ([("type", "name", "label::Elvish"), ("text", "q1", "Question")], [], "label::French (fr)"),
])
def test_a_bad_xlsform_is_refused_with_its_place_and_nothing_is_written(app, app_ctx, tmp_path, rows, choices,
                                                                         expected):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook_bytes(rows, choices))
    result = app.test_cli_runner().invoke(args=["surveys", "import-xlsform", str(path)])
    assert result.exit_code == 1
    assert expected in result.output and "Nothing was imported." in result.output
    assert db.session.scalar(select(sa.func.count()).select_from(Survey)) == 0


def test_an_xlsform_uploads_in_the_browser(client, create_user):
    create_user("trainer", role="trainer")
    sign_in(client, "trainer")
    response = client.post("/surveys/manage/import", data={
        "csrf_token": csrf_token(client, "/surveys/manage"), "file": (io.BytesIO(KOBO_FORM), "factory.xlsx")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "factory_voice" in response.get_data(as_text=True)
    response = client.post("/surveys/manage/import", data={
        "csrf_token": csrf_token(client, "/surveys/manage"), "file": (io.BytesIO(b"not a spreadsheet"), "x.xlsx")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "x.xlsx is not an XLSForm spreadsheet" in response.get_data(as_text=True)


GOOD_CSV = (
    "start,end,safe,union,voice,issues,issues/wages,issues/safety,hours,comment,_id,_uuid,_submission_time\n"
    "2026-03-01T10:00,2026-03-01T10:05,4,yes,often,wages safety,1,1,48,,1,a,2026-03-01T10:06:00\n"
    "2026-03-01T11:00,2026-03-01T11:05,2,no,never,,0,0,60,Too hot,2,b,2026-03-02T09:00:00\n")


def test_responses_from_kobotoolbox_wait_for_their_batch_and_keep_no_day_of_their_own(app, app_ctx, library,
                                                                                      make_survey, tmp_path):
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    path = tmp_path / "kobo.csv"
    path.write_text(GOOD_CSV)
    result = app.test_cli_runner().invoke(args=["surveys", "import-responses", survey.code, str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 responses" in result.output and "batches of at least 5" in result.output
    assert db.session.scalar(select(sa.func.count()).select_from(PooledResponse)) == 2
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 0
    release_any()
    responses = list(db.session.scalars(select(SurveyResponse)))
    assert [r.submitted_on for r in responses] == [clock.today()] * 2  # the day of release, not of collection
    assert all(r.source == "import" and r.user_id is None for r in responses)


def test_a_response_file_that_does_not_match_is_refused_whole(app_ctx, library, make_survey, tmp_path):
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    bad = GOOD_CSV + "x,y,7,maybe,often,,0,0,480,,3,c,\n"
    with pytest.raises(ResponseImportError) as error:
        import_responses(survey.waves[0], io.BytesIO(bad.encode()), "kobo.csv", keyless=True)
    text = str(error.value)
    assert "kobo.csv, row 4, column safe" in text and "“7” is not one of the choices" in text
    assert "row 4, column union" in text and "row 4, column hours" in text
    assert db.session.scalar(select(sa.func.count()).select_from(PooledResponse)) == 0
    with pytest.raises(ResponseImportError, match="column colour: no question of the survey has this name"):
        import_responses(survey.waves[0], io.BytesIO(b"safe,union,voice,hours,colour\n4,yes,often,3,red\n"),
                         "kobo.csv", keyless=True)


def test_responses_import_from_an_xlsx_export(app_ctx, library, make_survey):
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    data = workbook_bytes([("safe", "union", "voice", "hours"), (5, "yes", "often", 40), (1, "no", "never", 70.5)])
    assert import_responses(survey.waves[0], io.BytesIO(data), "export.xlsx", keyless=True).new == 2
    release_any()
    numbers = sorted(n for (n,) in db.session.execute(sa.text("SELECT number FROM survey_answers")) if n is not None)
    assert numbers == [1.0, 5.0, 40.0, 70.5]


def test_odk_central_exports_with_group_paths_import(app_ctx, library, make_survey):
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    csv = ("SubmissionDate,about-safe,about-union,voice,hours,meta-instanceID,KEY,SubmitterID,ReviewState\n"
           "2026-05-02T08:00:00.000Z,3,no,sometimes,45,uuid:1,uuid:1,7,\n")
    assert import_responses(survey.waves[0], io.BytesIO(csv.encode()), "central.csv", keyless=True).new == 1
    release_any()
    response = db.session.scalar(select(SurveyResponse))
    assert response.submitted_on == clock.today() and len(response.answers) == 4
