"""Answers collected offline import once: KoboToolbox ("XML values and headers", CSV with ``;`` and XLSX) and ODK
Central exports hold every submission to date, and importing one again adds nothing. Rows are checked through the
form's logic; labels exports and numbers with separators are refused."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy import select

from lms.extensions import db
from lms.learn import services as learning
from lms.models import (
    ImportedSubmission,
    PooledResponse,
    SurveyAnswer,
    SurveyGroup,
    SurveyGroupText,
    SurveyQuestion,
    SurveyQuestionText,
    SurveyResponse,
)
from lms.surveys import building
from lms.surveys.building import QuestionSpec
from lms.surveys.response_import import ResponseImportError, import_responses
from lms.surveys.xlsform import import_xlsform
from tests.helpers import BUNDLED_COURSE, csrf_token, release_any, sign_in
from tests.surveys.helpers import book

LABELS_LINE = ("holds labels, not the names of the questions and choices: export it again from KoboToolbox "
               "choosing “XML values and headers”.")


@pytest.fixture
def logic_survey(app_ctx, library):
    """A published survey with groups, skip logic, a multiple choice, a whole and a decimal number, a note and a
    calculation, asked of the bundled course (baseline wave)."""
    survey = building.create_survey(code="work-logic", title="Work", description="Why we ask.", language="en",
                                    privacy="anonymous", subject="participant", creator=None)
    version = survey.draft_version
    work = SurveyGroup(code="work", position=1, relevant="", texts=[SurveyGroupText(language="en", label="Your work")])
    union = SurveyGroup(code="union_grp", position=2, relevant="${employed} = 'yes'",
                        texts=[SurveyGroupText(language="en", label="The union")])
    version.groups.extend([work, union])
    specs = [
        (QuestionSpec(code="employed", kind="yes_no", label="Do you have paid work?"), work, ""),
        (QuestionSpec(code="hours", kind="number", label="Hours worked last week", min_value=0, max_value=100),
         work, "${employed} = 'yes'"),
        (QuestionSpec(code="pay", kind="number", label="Pay last week", required=False), work,
         "${employed} = 'yes'"),
        (QuestionSpec(code="issues", kind="multiple", label="Which issues matter most?", required=False,
                      choices=[("wages", "Wages"), ("safety", "Safety"), ("hours", "Working hours")]), None, ""),
        (QuestionSpec(code="voice", kind="single", label="How often are workers heard?",
                      choices=[("never", "Never"), ("sometimes", "Sometimes"), ("often", "Often")]), None, ""),
        (QuestionSpec(code="member", kind="yes_no", label="Are you a union member?"), union, ""),
    ]
    for spec, group, relevant in specs:
        question = building.add_question(survey, spec)
        question.group, question.relevant = group, relevant
        question.whole = spec.code == "pay"
    position = len(version.questions)
    version.questions.extend([
        SurveyQuestion(code="weekly_pay", kind="calculate", position=position + 1, required=False,
                       calculation="${pay} * 4"),
        SurveyQuestion(code="thanks", kind="note", position=position + 2, required=False,
                       texts=[SurveyQuestionText(language="en", label="Thank you!", checksum="x")]),
    ])
    db.session.flush()
    building.publish(survey)
    building.add_wave(survey, kind="baseline", course=learning.find_course(BUNDLED_COURSE))
    db.session.commit()
    return survey


KOBO_HEADER = ["start", "end", "work/employed", "work/hours", "work/pay", "issues", "issues/wages", "issues/safety",
               "issues/hours", "voice", "weekly_pay", "union_grp/member", "meta/instanceID", "_id", "_uuid",
               "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "__version__",
               "_tags", "_index"]
#: Three submissions: employed, not employed (hours, pay and member were not asked, so left empty), employed.
KOBO_ROWS = [
    ["2026-03-01T10:00:00.000+01:00", "2026-03-01T10:05:00.000+01:00", "yes", "40", "300", "wages safety", "1", "1",
     "0", "often", "1200", "yes", "uuid:0f1e2d3c-0000-4000-8000-000000000001", "101",
     "0f1e2d3c-0000-4000-8000-000000000001", "2026-03-01T09:06:00", "", "", "submitted_via_web", "", "vAbc", "",
     "1"],
    ["2026-03-01T11:00:00.000+01:00", "2026-03-01T11:05:00.000+01:00", "no", "", "", "", "0", "0", "0", "never", "",
     "", "uuid:0f1e2d3c-0000-4000-8000-000000000002", "102", "0f1e2d3c-0000-4000-8000-000000000002",
     "2026-03-01T10:06:00", "", "", "submitted_via_web", "", "vAbc", "", "2"],
    ["2026-03-02T09:00:00.000+01:00", "2026-03-02T09:09:00.000+01:00", "yes", "35.5", "250", "hours", "0", "0", "1",
     "sometimes", "1000", "no", "uuid:0f1e2d3c-0000-4000-8000-000000000003", "103",
     "0f1e2d3c-0000-4000-8000-000000000003", "2026-03-02T08:10:00", "", "", "submitted_via_web", "", "vAbc", "",
     "3"],
]


def kobo_csv(rows=KOBO_ROWS, header=KOBO_HEADER) -> io.BytesIO:
    """A KoboToolbox CSV export: ``;`` between cells, every cell quoted."""
    lines = [";".join(f'"{cell}"' for cell in line) for line in [header, *rows]]
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def kobo_xlsx(rows=KOBO_ROWS) -> io.BytesIO:
    """The same submissions as KoboToolbox's XLSX: the multiple choice in separate True/False columns only, real
    numbers and dates, and ``$edited``."""
    book = Workbook()
    drop = {"issues", "meta/instanceID"}
    keep = [n for n, name in enumerate(KOBO_HEADER) if name not in drop]
    book.active.append([KOBO_HEADER[n] for n in keep] + ["$edited"])
    for row in rows:
        cells = []
        for n in keep:
            value = row[n]
            if KOBO_HEADER[n].startswith("issues/"):
                value = value == "1"
            elif KOBO_HEADER[n] in ("work/hours", "work/pay", "weekly_pay", "_id") and value:
                value = float(value)
            cells.append(value if value != "" else None)
        book.active.append(cells + [True])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def central_csv(rows=KOBO_ROWS) -> io.BytesIO:
    """The same submissions as ODK Central's CSV: group paths with ``-``, ``KEY`` and ``meta-instanceID``."""
    header = ["SubmissionDate", "start", "end", "work-employed", "work-hours", "work-pay", "issues", "voice",
              "weekly_pay", "union_grp-member", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName",
              "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
              "FormVersion"]
    lines = [",".join(header)]
    for row in rows:
        lines.append(",".join([row[15] + ".000Z", row[0], row[1], row[2], row[3], row[4], row[5], row[9], row[10],
                               row[11], row[12], row[12], "7", "collector", "0", "0", "", "", "collect:xyz", "0",
                               "2026030101"]))
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def pooled() -> int:
    return db.session.scalar(select(sa.func.count()).select_from(PooledResponse))


def run(survey, data: io.BytesIO, filename: str):
    result = import_responses(survey.waves[0], data, filename)
    db.session.commit()
    return result


def test_a_kobo_csv_export_imported_again_adds_nothing_and_says_so(logic_survey):
    first = run(logic_survey, kobo_csv(), "kobo.csv")
    assert (first.new, first.known, first.changed) == (3, 0, [])
    assert first.summary() == "3 new responses are imported."
    second = run(logic_survey, kobo_csv(), "kobo.csv")
    assert (second.new, second.known, second.changed) == (0, 3, [])
    assert second.summary() == "0 new responses are imported. 3 were already here."
    assert pooled() == 3
    release_any()
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 3
    assert run(logic_survey, kobo_csv(), "kobo.csv").known == 3  # published, still known
    release_any()
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 3
    # What was stored: the not-employed worker's empty answers were fine, the calculation and note not stored.
    codes = dict(db.session.execute(select(SurveyQuestion.id, SurveyQuestion.code)).all())
    stored = sorted((codes[a.question_id], a.value) for a in db.session.scalars(select(SurveyAnswer)))
    assert ("hours", "35.5") in stored and ("issues", "wages safety") in stored and ("pay", "300") in stored
    assert {code for code, _value in stored} == {"employed", "hours", "pay", "issues", "voice", "member"}
    assert [value for code, value in stored if code == "employed"] == ["no", "yes", "yes"]
    assert first.passed_over == ["weekly_pay"] and any("weekly_pay" in note for note in first.notes())


@pytest.mark.parametrize("later", [kobo_xlsx, central_csv])
def test_the_same_submissions_exported_as_xlsx_or_from_odk_central_are_already_here(logic_survey, later):
    assert run(logic_survey, later(), "export.xlsx" if later is kobo_xlsx else "central.csv").new == 3
    again = run(logic_survey, kobo_csv(), "kobo.csv")
    assert (again.new, again.known, again.changed) == (0, 3, [])
    assert pooled() == 3


def test_an_export_with_more_submissions_imports_only_the_new_ones(logic_survey):
    run(logic_survey, kobo_csv(KOBO_ROWS[:2]), "kobo.csv")
    result = run(logic_survey, kobo_xlsx(), "kobo.xlsx")
    assert (result.new, result.known) == (1, 2)
    assert pooled() == 3


def test_a_changed_submission_is_reported_with_its_row_and_not_doubled(logic_survey):
    run(logic_survey, kobo_csv(), "kobo.csv")
    changed = [list(row) for row in KOBO_ROWS]
    changed[0][3] = "41"  # corrected in KoboToolbox after the first import
    fourth = list(KOBO_ROWS[1])
    fourth[12], fourth[14] = "uuid:0f1e2d3c-0000-4000-8000-000000000004", "0f1e2d3c-0000-4000-8000-000000000004"
    result = run(logic_survey, kobo_csv([*changed, fourth]), "kobo.csv")
    assert (result.new, result.known) == (1, 2)
    assert result.changed == ["kobo.csv, row 2: the submission 0f1e2d3c-0000-4000-8000-000000000001 was imported "
                              "before with other answers; it is not imported again."]
    assert any("the answers imported first stay and count" in note for note in result.notes())
    assert pooled() == 4


def test_an_edited_kobo_submission_with_a_new_uuid_is_known_by_its_deprecated_id(logic_survey):
    run(logic_survey, kobo_csv(), "kobo.csv")
    header = [*KOBO_HEADER, "meta/deprecatedID"]
    rows = [[*row, ""] for row in KOBO_ROWS]
    rows[2][3] = "36"
    rows[2][12], rows[2][14] = "uuid:0f1e2d3c-0000-4000-8000-0000000000e3", "0f1e2d3c-0000-4000-8000-0000000000e3"
    rows[2][-1] = "uuid:0f1e2d3c-0000-4000-8000-000000000003"
    result = run(logic_survey, kobo_csv(rows, header), "kobo.csv")
    assert (result.new, result.known, len(result.changed)) == (0, 2, 1)
    assert pooled() == 3


def test_a_labels_export_is_refused_with_one_line(logic_survey):
    labels = ["start", "end", "Your work/Do you have paid work?", "Your work/Hours worked last week",
              "Your work/Pay last week", "Which issues matter most?", "How often are workers heard?",
              "The union/Are you a union member?", "_uuid"]
    data = io.BytesIO(("\n".join([";".join(labels), "a;b;Yes;40;300;Wages;Often;Yes;u1"]) + "\n").encode())
    with pytest.raises(ResponseImportError) as error:
        run(logic_survey, data, "labels.csv")
    assert error.value.problems == ["labels.csv " + LABELS_LINE]
    values = [list(row) for row in KOBO_ROWS]
    values[0][9] = "Often"  # names as headers, but a choice's label as its value
    with pytest.raises(ResponseImportError) as error:
        run(logic_survey, kobo_csv(values), "kobo.csv")
    assert error.value.problems == ["kobo.csv " + LABELS_LINE]
    assert pooled() == 0


@pytest.mark.parametrize("pay", ["1,000", "1 000", "1.000,5", "1'000"])
def test_a_number_with_separators_is_refused_with_its_row_and_column(logic_survey, pay):
    rows = [list(row) for row in KOBO_ROWS]
    rows[2][4] = pay
    with pytest.raises(ResponseImportError) as error:
        run(logic_survey, kobo_csv(rows), "kobo.csv")
    assert error.value.problems == [f"kobo.csv, row 4, column work/pay: “{pay}” may hold a thousands separator or "
                                    "a decimal comma and is not read: write numbers with digits and at most one "
                                    "decimal point (1000, 2.5)."]
    assert pooled() == 0 and db.session.scalar(select(sa.func.count()).select_from(ImportedSubmission)) == 0


def test_a_decimal_comma_is_read_only_where_it_cannot_group_thousands(logic_survey):
    rows = [list(row) for row in KOBO_ROWS]
    rows[2][3] = "3,500"  # 3.5 or 3500?
    with pytest.raises(ResponseImportError, match="row 4, column work/hours: “3,500” may hold a thousands"):
        run(logic_survey, kobo_csv(rows), "kobo.csv")
    rows[2][3] = "35,5"
    assert run(logic_survey, kobo_csv(rows), "kobo.csv").new == 3
    release_any()
    assert 35.5 in set(db.session.scalars(select(SurveyAnswer.number)))


def test_an_answer_to_a_question_that_was_not_asked_is_a_problem(logic_survey):
    rows = [list(row) for row in KOBO_ROWS]
    rows[1][3] = "20"  # hours, but the worker has no paid work
    rows[1][11] = "yes"  # and the union group was not asked either
    with pytest.raises(ResponseImportError) as error:
        run(logic_survey, kobo_csv(rows), "kobo.csv")
    assert [re.sub(r":.*", "", p) for p in error.value.problems] == [
        "kobo.csv, row 3, column work/hours", "kobo.csv, row 3, column union_grp/member"]
    assert "not asked" in error.value.problems[0]


def test_a_required_answer_missing_where_the_question_was_asked_is_a_problem(logic_survey):
    rows = [list(row) for row in KOBO_ROWS]
    rows[0][3] = ""
    with pytest.raises(ResponseImportError, match="row 2, column work/hours: An answer is required"):
        run(logic_survey, kobo_csv(rows), "kobo.csv")


def test_keys_empty_or_twice_in_one_file_are_problems_with_their_rows(logic_survey):
    rows = [list(row) for row in KOBO_ROWS]
    rows[1][14] = ""
    rows[2][14] = rows[0][14]
    with pytest.raises(ResponseImportError) as error:
        run(logic_survey, kobo_csv(rows), "kobo.csv")
    assert error.value.problems == [
        "kobo.csv, row 3, column _uuid: the submission's key is empty.",
        "kobo.csv, row 4, column _uuid: the same submission as row 2; remove one of them."]
    assert pooled() == 0


def test_a_file_without_keys_is_imported_only_when_the_importer_says_its_rows_are_new(logic_survey):
    """Outside testers: a file without an id column was added twice (5 + 5); knowing its rows by their answers
    instead told an importer how many anonymous answers gave exactly these ("2 were already here")."""
    keep = [n for n, name in enumerate(KOBO_HEADER) if name not in ("_uuid", "meta/instanceID")]
    header = [KOBO_HEADER[n] for n in keep]
    rows = [[row[n] for n in keep] for row in KOBO_ROWS]
    with pytest.raises(ResponseImportError, match="has no column naming its submissions"):
        run(logic_survey, kobo_csv(rows, header), "paper.csv")
    assert pooled() == 0
    result = import_responses(logic_survey.waves[0], kobo_csv(rows, header), "paper.csv", keyless=True)
    db.session.commit()
    assert result.new == 3 and result.known == 0 and not result.keyed
    assert any("importing it again would add them again" in note for note in result.notes())
    assert db.session.scalar(select(sa.func.count()).select_from(ImportedSubmission)) == 0  # nothing to match


def test_ona_s_n_a_for_a_question_not_asked_reads_as_empty(logic_survey):
    """Outside tester: Ona writes "n/a" in the cells of questions that were not asked; they were refused."""
    rows = [row[:] for row in KOBO_ROWS]
    for column in ("work/hours", "work/pay", "issues/wages", "issues/safety", "issues/hours", "union_grp/member"):
        rows[1][KOBO_HEADER.index(column)] = "n/a"
    asked = rows[0][:]
    asked[KOBO_HEADER.index("work/hours")] = "n/a"  # asked and required: an answer is missing
    with pytest.raises(ResponseImportError, match="row 2, column work/hours"):
        run(logic_survey, kobo_csv([asked]), "ona.csv")
    assert run(logic_survey, kobo_csv(rows), "ona.csv").new == 3


def test_a_form_s_metadata_under_its_own_names_are_passed_over(app_ctx, library):
    """Outside tester: ona's tutorial names its start and deviceid questions start_time and imei; their export
    columns were refused as "no question of the survey has this name"."""
    survey = import_xlsform(book({"survey": [("type", "name", "label"), ("start", "start_time"),
                                             ("deviceid", "imei"), ("integer", "age", "Your age")]}),
                            "tutorial.xlsx", creator=None)
    building.add_wave(survey, kind="baseline", course=learning.find_course(BUNDLED_COURSE))
    db.session.commit()
    export = io.BytesIO(b"start_time,imei,age,_uuid\n2026-03-01T10:00:00,3567890,34,aa-1\n")
    assert run(survey, export, "tutorial.csv").new == 1


def test_the_table_of_imported_submissions_holds_no_link_to_a_response(logic_survey):
    run(logic_survey, kobo_csv(), "kobo.csv")
    table = sa.inspect(db.engine)
    assert {c["name"] for c in table.get_columns("survey_imported_submissions")} == {
        "id", "wave_id", "key_hash", "content_hash"}
    assert [fk["referred_table"] for fk in table.get_foreign_keys("survey_imported_submissions")] == ["survey_waves"]
    rows = db.session.execute(select(ImportedSubmission.key_hash, ImportedSubmission.content_hash)).all()
    assert len(rows) == 3
    for key_hash, content_hash in rows:
        assert re.fullmatch("[0-9a-f]{64}", key_hash) and re.fullmatch("[0-9a-f]{64}", content_hash)
    dump = " ".join(str(cell) for row in db.session.execute(sa.text("SELECT * FROM survey_imported_submissions"))
                    for cell in row)
    assert "0f1e2d3c" not in dump and "wages" not in dump
    response_ids = {str(r) for r in db.session.scalars(select(PooledResponse.id))}
    assert not response_ids & set(dump.split())
    if db.engine.dialect.name == "sqlite":
        with pytest.raises(sa.exc.OperationalError):
            db.session.execute(sa.text("SELECT rowid FROM survey_imported_submissions"))


def test_imported_twice_in_the_browser_the_second_upload_says_already_here(client, logic_survey, create_user):
    create_user("admin", role="admin")
    sign_in(client, "admin")
    token = csrf_token(client, "/surveys/manage/work-logic")
    for expected in ("3 new responses are imported.", "0 new responses are imported. 3 were already here."):
        response = client.post("/surveys/manage/work-logic/responses", content_type="multipart/form-data",
                               follow_redirects=True, data={"csrf_token": token, "wave": str(logic_survey.waves[0].id),
                                                            "file": (kobo_csv(), "kobo.csv")})
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 200 and expected in page
    assert pooled() == 3


def test_answers_imported_into_a_course_s_wave_count_for_the_country_chosen_within_the_importer_s_scope(
        client, logic_survey, create_user):
    """Outside tester: answers imported into a course's wave had no country, so no country's coordinator ever saw
    them."""
    author = create_user("coord", role="coordinator", country="PE", coordinated_countries=["PE"])
    logic_survey.created_by_id = author.id
    db.session.commit()
    sign_in(client, "coord")
    manage = "/surveys/manage/work-logic"
    form = html.unescape(client.get(manage).get_data(as_text=True))
    assert '<option selected value="PE">Peru</option>' in form and 'value="BJ"' not in form  # the reader's scope
    token = csrf_token(client, manage)
    data = {"csrf_token": token, "wave": str(logic_survey.waves[0].id)}
    refused = client.post(f"{manage}/responses", content_type="multipart/form-data", follow_redirects=True,
                          data={**data, "country": "BJ", "file": (kobo_csv(), "kobo.csv")})
    assert "Please choose a country from the list." in html.unescape(refused.get_data(as_text=True))
    assert pooled() == 0
    client.post(f"{manage}/responses", content_type="multipart/form-data",
                data={**data, "country": "PE", "file": (kobo_csv(), "kobo.csv")})
    assert db.session.scalars(select(PooledResponse.country)).all() == ["PE"] * 3


EXPORTS = Path(__file__).parent / "exports"
TRANSPORT = "none ambulance bicycle boat_canoe bus donkey_mule_cart keke_pepe lorry motorbike taxi other".split()


@pytest.fixture
def transport_survey(app_ctx, library):
    """The questions of the "transportation" form that real exports in tests/surveys/exports answer."""
    survey = building.create_survey(code="transport", title="Transport", description="Why we ask.", language="en",
                                    privacy="anonymous", subject="participant", creator=None)
    building.add_question(survey, QuestionSpec(
        code="available_transportation_types_to_referral_facility", kind="multiple", required=False,
        label="What are the available transportation types to the referral facility?",
        choices=[(code, code.replace("_", "/")) for code in TRANSPORT]))
    building.add_question(survey, QuestionSpec(code="available_transportation_types_to_referral_facility_other",
                                               kind="text", label="Specify other.", required=False))
    building.publish(survey)
    building.add_wave(survey, kind="baseline", course=learning.find_course(BUNDLED_COURSE))
    db.session.commit()
    return survey


def test_a_real_kobo_xlsx_export_imports_once(transport_survey):
    from openpyxl import load_workbook

    original = (EXPORTS / "kobocat_transportation_export.xlsx").read_bytes()
    with pytest.raises(ResponseImportError) as error:  # its repeat's columns: no question of the survey
        run(transport_survey, io.BytesIO(original), "transportation.xlsx")
    assert all("loop_over_transport_types_frequency" in problem for problem in error.value.problems)
    sheet = load_workbook(io.BytesIO(original)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    keep = [n for n, name in enumerate(rows[0]) if "loop_over" not in name]
    book = Workbook()
    for row in rows:
        book.active.append([row[n] for n in keep])
    data = io.BytesIO()
    book.save(data)
    first = run(transport_survey, io.BytesIO(data.getvalue()), "transportation.xlsx")
    assert (first.new, first.known, first.keyed) == (4, 0, True)
    second = run(transport_survey, io.BytesIO(data.getvalue()), "transportation.xlsx")
    assert (second.new, second.known, second.changed) == (0, 4, [])
    assert pooled() == 4


def test_a_real_labels_export_is_refused_with_one_line(transport_survey):
    data = (EXPORTS / "ona_transportation_labels_only.csv").read_bytes()
    with pytest.raises(ResponseImportError) as error:
        run(transport_survey, io.BytesIO(data), "labels.csv")
    assert error.value.problems == ["labels.csv " + LABELS_LINE]


def test_the_logic_of_a_whole_file_has_one_time_not_one_per_row(logic_survey, data_app, monkeypatch):
    """Outside tester: 60 rows of 2 seconds each held a worker past its timeout; the file has one time for all."""
    monkeypatch.setitem(data_app.config, "SURVEY_IMPORT_LOGIC_SECONDS", -1)
    with pytest.raises(ResponseImportError, match="row 2: the survey's form takes too long to check this file"):
        run(logic_survey, kobo_csv(), "kobo.csv")
    db.session.rollback()
    assert pooled() == 0
