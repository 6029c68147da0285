"""A question's code keeps one kind for the life of a survey, and no indicator ever reads free text.

Indicators find their answers by question code in every version of a survey. If a code could change kind, a
share on a chosen word would count the free-text answers containing it: a search of what people wrote.
"""
from __future__ import annotations

import html
import io

import sqlalchemy as sa
from sqlalchemy import func, select

from lms.clock import utcnow
from lms.extensions import db
from lms.learn import services as learning
from lms.models import (
    Survey,
    SurveyChoice,
    SurveyChoiceText,
    SurveyIndicator,
    SurveyQuestion,
    SurveyQuestionText,
    SurveyVersion,
)
from lms.surveys import answering, building, results, xlsform
from lms.surveys.answering import Answer
from lms.surveys.building import QuestionSpec
from tests.helpers import BUNDLED_COURSE, csrf_token, post_form, prefixed, release_any, row_counts, sign_in
from tests.surveys.helpers import factory_form

WRITTEN = ["Rosa organises the night shift", "nothing to add", "Rosa said so", "breaks are short",
           "the canteen", "more pay"]


def answered_survey(create_user, make_survey, library):
    """A published survey with a free-text question ``comment``, answered by six people on one wave."""
    author = create_user("author", role="trainer")
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(code="voice", creator=author, course=course, waves=["baseline"], privacy="anonymous",
                         indicators=False)
    wave, version = survey.waves[0], survey.published_version
    for text in WRITTEN:
        answering.submit_response(wave=wave, version=version, answers={
            "safe": Answer("4", 4.0), "union": Answer("yes"), "voice": Answer("often"), "hours": Answer("40", 40.0),
            "comment": Answer(text)})
    release_any()
    db.session.commit()
    return survey


def test_a_draft_question_turned_into_a_choice_cannot_search_free_text(client, create_user, make_survey, library):
    survey = answered_survey(create_user, make_survey, library)
    sign_in(client, "author")
    page = "/surveys/manage/voice"
    before = row_counts()
    # The attack: the free-text question becomes a choice question whose choice is the word searched for...
    response = post_form(client, f"{page}/questions/comment", prefixed("question", {
        "label": "Anything else?", "code": "comment", "kind": "single", "choices": "Rosa Rosa\nother Other"}),
        page=f"{page}/questions/comment")
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400, "a free-text question's code became a choice question's"
    assert "The code comment belongs to a question of type “Free text”" in text and "“Single choice”" in text
    assert row_counts() == before  # not even a draft was started
    # ... or is deleted from a draft and added again under the same code, as a choice.
    post_form(client, f"{page}/questions/comment/delete", {}, page=page)
    response = post_form(client, f"{page}/questions", prefixed("question", {
        "label": "Anything else?", "code": "comment", "kind": "multiple", "choices": "Rosa Rosa\nother Other"}),
        page=page)
    assert response.status_code == 400 and "“Multiple choice”" in html.unescape(response.get_data(as_text=True))
    # ... and a share indicator on it is refused, in the published version and in the draft.
    response = post_form(client, f"{page}/indicators", prefixed("indicator", {
        "title": "Who wrote Rosa", "code": "rosa", "question": "safe", "kind": "share", "choice_codes": "Rosa",
        "direction": "up"}), page=page)
    assert response.status_code == 400
    survey = db.session.scalar(select(Survey).where(Survey.code == "voice"))
    version = building.current_version(survey)
    version_questions = {q.code: q.kind for q in version.questions}
    assert "comment" not in version_questions  # deleted from the draft, never re-added as a choice
    for kind in ("share", "mean"):
        try:
            building.add_indicator(survey, code="rosa", question_code="hours" if kind == "share" else "voice",
                                   kind=kind, choice_codes=["40"], direction="up", title="x", language="en")
        except building.SurveyError:
            db.session.rollback()
        else:
            raise AssertionError(f"a {kind} was allowed on a question it cannot measure")
    assert db.session.scalar(select(func.count()).select_from(SurveyIndicator)) == 0
    assert db.session.scalar(select(func.count()).select_from(SurveyQuestion)
                             .where(SurveyQuestion.code == "comment", SurveyQuestion.kind != "text")) == 0


def test_results_never_read_free_text_even_from_data_made_before_the_rule(app_ctx, create_user, make_survey,
                                                                         library):
    """The second line: a version made before the rule, with the code turned into a choice, and a share on the
    word searched for. Results read answers only of questions whose kind the indicator fits."""
    survey = answered_survey(create_user, make_survey, library)
    later = SurveyVersion(number=2, published_at=utcnow())
    question = SurveyQuestion(code="comment", position=1, kind="single", texts=[SurveyQuestionText(
        language="en", label="Anything else?", checksum="x")])
    question.choices = [SurveyChoice(code=code, position=n, texts=[SurveyChoiceText(language="en", label=code)])
                        for n, code in enumerate(("Rosa", "other"))]
    later.questions.append(question)
    survey.versions.append(later)
    survey.indicators.append(SurveyIndicator(code="rosa", question_code="comment", kind="share",
                                             choice_codes=["Rosa"], direction="up"))
    survey.indicators.append(SurveyIndicator(code="length", question_code="comment", kind="mean", choice_codes=[],
                                             direction="up"))
    db.session.commit()
    figures = {r.indicator.code: r.series[0][0].estimate for r in results.indicator_results(survey, survey.waves)}
    assert figures["rosa"].n == 0, "a share counted free-text answers containing the word"
    assert figures["length"].n == 0


def test_editing_a_choice_question_of_a_draft_keeps_its_choices(client, create_user):
    create_user("author", role="trainer")
    sign_in(client, "author")
    page = "/surveys/manage/voice"
    post_form(client, "/surveys/manage/new", {"title": "Voice", "code": "voice", "language": "en",
                                         "privacy": "anonymous", "subject": "participant"}, page="/surveys/manage/new")
    assert post_form(client, f"{page}/questions", prefixed("question", {
        "label": "How often are you heard?", "code": "heard", "kind": "single", "required": "y",
        "choices": "never Never\nsometimes Sometimes\noften Often"}), page=page).status_code == 302
    survey = db.session.scalar(select(Survey))
    kept = {c.code: c.id for c in survey.draft_version.questions[0].choices}
    assert client.get(f"{page}/questions/heard").status_code == 200
    response = post_form(client, f"{page}/questions/heard", prefixed("question", {
        "label": "How often are you listened to?", "code": "heard", "kind": "single", "required": "y",
        "choices": "often Very often\nnever Never\nrarely Rarely"}), page=f"{page}/questions/heard")
    assert response.status_code == 302, response.status_code
    db.session.expire_all()
    choices = db.session.scalars(select(SurveyChoice).order_by(SurveyChoice.position)).all()
    assert [(c.code, c.position) for c in choices] == [("often", 1), ("never", 2), ("rarely", 3)]
    assert {c.code: c.id for c in choices if c.code in kept} == {"often": kept["often"], "never": kept["never"]}
    assert {c.code: c.texts[0].label for c in choices} == {"often": "Very often", "never": "Never",
                                                           "rarely": "Rarely"}


def form(rows, choices=(), form_id="factory_voice") -> io.BytesIO:
    return factory_form(rows, choices, form_id)


FIRST = [("select_one yes_no", "member", "Are you a union member?"), ("integer", "age", "Your age"),
         ("text", "comment", "Anything else?")]
YES_NO = [("yes_no", "yes", "Yes"), ("yes_no", "no", "No")]


def test_an_xlsform_new_version_keeps_every_codes_kind_and_reports_every_problem(app, app_ctx, tmp_path):
    survey = xlsform.import_xlsform(form(FIRST, YES_NO), "first.xlsx", creator=None)
    db.session.commit()
    changed = [("select_one yes_no", "member", "Are you a union member?"),
               ("text", "age", "Your age, in words"),
               ("select_one words", "comment", "Anything else?"),
               ("geopoint", "where", "Where is your workplace?")]
    words = [*YES_NO, ("words", "Rosa", "Rosa"), ("words", "other", "Other")]
    before = row_counts()
    try:
        xlsform.import_xlsform(form(changed, words), "second.xlsx", creator=None)
    except xlsform.XLSFormError as error:
        problems = error.problems
    else:
        raise AssertionError("a new version changed the kind of a code")
    db.session.rollback()
    assert row_counts() == before
    survey = db.session.scalar(select(Survey))
    assert len(problems) == 3, problems
    assert problems[0].startswith("second.xlsx, sheet survey, row 3, column type: The code age belongs to a "
                                  "question of type “Number”"), problems[0]
    assert problems[1].startswith("second.xlsx, sheet survey, row 4, column type: The code comment belongs to a "
                                  "question of type “Free text”"), problems[1]
    assert problems[2] == ("second.xlsx, sheet survey, row 5, column type: the question type “geopoint” is not "
                           "supported.")
    # The command line says the same, and writes nothing.
    path = tmp_path / "second.xlsx"
    path.write_bytes(form(changed, words).getvalue())
    result = app.test_cli_runner().invoke(args=["surveys", "import-xlsform", str(path)])
    assert result.exit_code == 1 and "row 4, column type" in result.output and "Nothing was imported" in result.output
    # A new version that keeps the kinds is the survey's version 2.
    kept = [("select_one yes_no", "member", "Are you a member of a union?"), ("integer", "age", "Your age"),
            ("decimal", "hours", "Hours worked last week")]
    xlsform.import_xlsform(form(kept, YES_NO), "third.xlsx", creator=None)
    db.session.commit()
    db.session.expire_all()
    assert [v.number for v in survey.versions] == [1, 2] and survey.published_version.number == 2
    assert [q.code for q in survey.published_version.questions] == ["member", "age", "hours"]
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 1


def test_an_xlsform_import_into_someone_elses_survey_is_refused(client, create_user):
    author = create_user("author", role="trainer")
    survey = xlsform.import_xlsform(form(FIRST, YES_NO), "first.xlsx", creator=author)
    db.session.commit()
    create_user("other", role="trainer")
    sign_in(client, "other")
    response = client.post("/surveys/manage/import", content_type="multipart/form-data", follow_redirects=True,
                           data={"csrf_token": csrf_token(client, "/surveys/manage"),
                                 "file": (form(FIRST, YES_NO), "mine.xlsx")})
    assert "Another survey already has the code factory_voice" in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert len(survey.versions) == 1
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyVersion)) == 1


def test_an_xlsform_export_writes_formula_like_text_as_text(app_ctx, make_survey):
    from openpyxl import load_workbook
    from pyxform.xls2xform import convert

    survey = make_survey(publish=False, indicators=False)
    evil = {"safe": "=HYPERLINK(\"http://evil.example\",\"x\")", "union": "+1+1 are you a member?",
            "hours": "-2+3 hours", "comment": "@SUM(A1) anything else?"}
    for code, label in evil.items():
        question = next(q for q in survey.draft_version.questions if q.code == code)
        building.update_question(survey, code, QuestionSpec(
            code=code, kind=question.kind, label=label, min_value=question.min_value,
            max_value=question.max_value, required=question.required))
    building.update_question(survey, "voice", QuestionSpec(code="voice", kind="single", label="Heard?", choices=[
        ("rarely", "=1+1"), ("always", "@often")]))
    building.publish(survey)
    db.session.commit()
    data = xlsform.export_xlsform(survey).getvalue()
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
             if cell.value is not None]
    assert all(cell.data_type == "s" for cell in cells if isinstance(cell.value, str)), \
        [(cell.coordinate, cell.value, cell.data_type) for cell in cells if cell.data_type == "f"]
    labels = {cell.value for cell in cells}
    assert set(evil.values()) | {"=1+1", "@often"} <= labels  # the text itself, unchanged
    assert all(cell.quotePrefix for cell in cells if str(cell.value).startswith(("=", "+", "-", "@")))
    # pyxform (and so ODK) reads the labels as written.
    converted = convert(xlsform=io.BytesIO(data), warnings=[], file_type=".xlsx").xform
    assert "+1+1 are you a member?" in converted and "@SUM(A1) anything else?" in converted
