"""Codes that stay: a version without a code (or a choice code) an indicator counts is not published.

Outside testers renamed a published question's code in a new version: its indicator then counted the first
version's answers only (9 responses, 3 counted), without a word. The portal refuses the version instead, and
says which indicator counts which code (docs/surveys.md, "Codes that stay").
"""
from __future__ import annotations

import html
import io

import pytest
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.learn import services as learning
from lms.models import Survey, SurveyAnswer, SurveyResponse, User
from lms.surveys import building, results, xlsform
from lms.surveys.building import QuestionSpec, SurveyError
from tests.helpers import BUNDLED_COURSE, csrf_token, post_form, prefixed, row_counts, sign_in
from tests.surveys.helpers import factory_form

PAGE = "/surveys/manage/voice"
HEARD = {"label": "How often are you heard?", "kind": "single", "required": "y",
         "choices": "never Never\nsometimes Sometimes\noften Often"}
REFUSED = "The indicator heard_often counts the answers to q1: keep that question (with its code) or delete the " \
          "indicator first."


def spec(code: str, choices=(("never", "Never"), ("sometimes", "Sometimes"), ("often", "Often"))) -> QuestionSpec:
    return QuestionSpec(code=code, kind="single", label="How often are you heard?", choices=list(choices))


def published_survey(create_user, course=None) -> Survey:
    """Version 1 published with q1 (a choice question) and hours, a share on q1 and a mean on hours."""
    author = create_user("author", role="trainer")
    survey = building.create_survey(code="voice", title="Voice", description="", language="en",
                                    privacy="anonymous", subject="participant", creator=author)
    building.add_question(survey, spec("q1"))
    building.add_question(survey, QuestionSpec(code="hours", kind="number", label="Hours?", min_value=0,
                                               max_value=80))
    building.publish(survey)
    if course is not None:
        building.add_wave(survey, kind="baseline", course=course)
    building.add_indicator(survey, code="heard_often", question_code="q1", kind="share", choice_codes=["often"],
                           direction="up", title="Heard often", language="en")
    building.add_indicator(survey, code="mean_hours", question_code="hours", kind="mean", choice_codes=[],
                           direction="down", title="Hours", language="en")
    db.session.commit()
    return survey


def page_text(client, url: str = PAGE) -> str:
    return html.unescape(client.get(url).get_data(as_text=True))


def store(survey: Survey, version, choice: str, times: int) -> None:
    """``times`` responses to ``version`` answering ``choice`` to its choice question, stored as released."""
    question = next(q for q in version.questions if q.kind == "single")
    for _ in range(times):
        response = SurveyResponse(wave_id=survey.waves[0].id, version_id=version.id, language="en", country="PE",
                                  submitted_on=clock.today())
        db.session.add(response)
        db.session.flush()
        db.session.add(SurveyAnswer(response_id=response.id, question_id=question.id, value=choice))
    db.session.commit()


def test_a_renamed_code_an_indicator_counts_is_refused_at_publication(client, create_user):
    survey = published_survey(create_user)
    sign_in(client, "author")
    # In the draft, the question may be renamed: the editor warns beside it first.
    assert REFUSED.split(":")[0] not in page_text(client)
    assert "The indicator heard_often counts its answers" in page_text(client)
    assert "The indicator heard_often counts its answers" in page_text(client, f"{PAGE}/questions/q1")
    response = post_form(client, f"{PAGE}/questions/q1", prefixed("question", {**HEARD, "code": "q1b"}),
                         page=f"{PAGE}/questions/q1")
    assert response.status_code == 302
    assert REFUSED in page_text(client)  # beside the publish button, before anyone tries
    before = row_counts()
    assert post_form(client, f"{PAGE}/publish", {}, page=PAGE).status_code == 302
    assert row_counts() == before, "a refused publication wrote something"
    survey = db.session.scalar(select(Survey))
    assert survey.published_version.number == 1 and survey.draft_version is not None
    assert [q.code for q in survey.draft_version.questions] == ["q1b", "hours"]
    # Keeping the code publishes.
    post_form(client, f"{PAGE}/questions/q1b", prefixed("question", {**HEARD, "code": "q1"}),
              page=f"{PAGE}/questions/q1b")
    assert REFUSED not in page_text(client)
    post_form(client, f"{PAGE}/publish", {}, page=PAGE)
    db.session.expire_all()
    survey = db.session.scalar(select(Survey))
    assert survey.published_version.number == 2 and survey.draft_version is None


def test_the_publish_refusal_flashes_the_message(client, create_user):
    survey = published_survey(create_user)
    building.update_question(survey, "q1", spec("q1b"))
    db.session.commit()
    sign_in(client, "author")
    response = post_form(client, f"{PAGE}/publish", {}, page=PAGE)
    assert response.status_code == 302
    flashed = page_text(client)
    assert flashed.count(REFUSED) == 2  # the flash, and the note beside the button
    db.session.expire_all()
    assert db.session.scalar(select(Survey)).published_version.number == 1


def test_the_answers_of_both_versions_count_once_the_code_stays(app_ctx, create_user, library):
    """The testers' figures: 3 answers to version 1, 6 to version 2; the indicator counts all 9."""
    survey = published_survey(create_user, course=learning.find_course(BUNDLED_COURSE))
    store(survey, survey.published_version, "often", 3)
    building.update_question(survey, "q1", spec("q1b"))
    db.session.commit()
    with pytest.raises(SurveyError, match="counts the answers to q1"):
        building.publish(survey)
    db.session.rollback()
    building.update_question(survey, "q1b", QuestionSpec(code="q1", kind="single", label="Are you heard?",
                                                         choices=[("often", "Often"), ("never", "Never")]))
    building.publish(survey)
    db.session.commit()
    store(survey, survey.published_version, "often", 4)
    store(survey, survey.published_version, "never", 2)
    figures = {r.indicator.code: r.series[0][0].estimate for r in results.indicator_estimates(survey, survey.waves)}
    assert figures["heard_often"].n == 9 and figures["heard_often"].value == pytest.approx(7 / 9)


def test_a_choice_code_a_share_counts_cannot_be_dropped(app_ctx, create_user):
    survey = published_survey(create_user)
    # Dropping a choice no indicator counts is fine; dropping the one a share counts is refused.
    building.update_question(survey, "q1", spec("q1", [("never", "Never"), ("often", "Often")]))
    db.session.commit()
    assert building.indicator_problem(survey) is None
    building.update_question(survey, "q1", spec("q1", [("never", "Never"), ("always", "Always")]))
    db.session.commit()
    before = row_counts()
    survey = db.session.scalar(select(Survey))
    with pytest.raises(SurveyError) as refused:
        building.publish(survey)
    db.session.rollback()
    assert str(refused.value) == ("The indicator heard_often counts the answers often to q1: keep those choices "
                                  "(with their codes) or delete the indicator first.")
    assert refused.value.field == "choices"
    assert row_counts() == before
    # A choice code published before may come back (it keeps meaning what it meant).
    survey = db.session.scalar(select(Survey))
    building.update_question(survey, "q1", spec("q1", [("never", "Never"), ("often", "Often"),
                                                       ("always", "Always")]))
    assert building.publish(survey).number == 2
    db.session.commit()
    # A mean counts no choice: a number question with its range kept publishes whatever else changes.
    building.update_question(survey, "hours", QuestionSpec(code="hours", kind="number", label="Hours worked?",
                                                            min_value=0, max_value=80))
    assert building.publish(survey).number == 3


def test_deleting_the_indicator_lets_the_renamed_version_publish(client, create_user):
    survey = published_survey(create_user)
    building.update_question(survey, "q1", spec("q1b"))
    db.session.commit()
    sign_in(client, "author")
    response = post_form(client, f"{PAGE}/indicators/nothing/delete", {}, page=PAGE, follow_redirects=True)
    assert "There is no indicator with the code nothing." in html.unescape(response.get_data(as_text=True))
    response = post_form(client, f"{PAGE}/indicators/heard_often/delete", {}, page=PAGE)
    assert response.status_code == 302
    assert client.post(f"{PAGE}/indicators/mean_hours/delete").status_code == 400  # no CSRF token: kept
    post_form(client, f"{PAGE}/publish", {}, page=PAGE)
    db.session.expire_all()
    survey = db.session.scalar(select(Survey))
    assert [i.code for i in survey.indicators] == ["mean_hours"]
    assert survey.published_version.number == 2
    assert [q.code for q in survey.published_version.questions] == ["q1b", "hours"]


def test_an_indicator_counts_only_a_published_question_kept_in_the_draft(app_ctx, create_user):
    survey = published_survey(create_user)
    building.add_question(survey, spec("q2"))
    building.delete_question(survey, "hours")
    building.update_question(survey, "q1", spec("q1", [("never", "Never"), ("sometimes", "Sometimes"),
                                                       ("always", "Always")]))
    cases = [("q2", "share", ["often"], "The question q2 is not published yet: publish it, then add the indicator."),
             ("hours", "mean", [], "There is no question with the code hours."),
             ("q1", "share", ["always"], "Choose the answers that count, among the question's choices."),
             ("q1", "share", ["often"], "Choose the answers that count, among the question's choices."),
             ("q1", "mean", [], "A mean needs a number or a Likert scale question.")]
    for question_code, kind, choices, message in cases:
        with pytest.raises(SurveyError) as refused:
            building.add_indicator(survey, code="new", question_code=question_code, kind=kind, choice_codes=choices,
                                   direction="up", title="New", language="en")
        assert str(refused.value) == message, question_code
    building.add_indicator(survey, code="new", question_code="q1", kind="share", choice_codes=["never"],
                           direction="up", title="New", language="en")
    assert [q.code for q in building.indicator_questions(survey)] == ["q1"]
    # Discarding the draft leaves every indicator on a published code and choice.
    building.discard_draft(survey)
    building.check_indicators(survey, survey.published_version)


def form(rows, choices=(), form_id="factory_voice") -> io.BytesIO:
    return factory_form(rows, choices, form_id)


YES_NO = [("yes_no", "yes", "Yes"), ("yes_no", "no", "No")]
FIRST = [("select_one yes_no", "member", "Are you a union member?"), ("integer", "age", "Your age")]


def test_an_xlsform_version_without_an_indicators_code_is_refused(app, app_ctx, client, create_user, tmp_path):
    author = create_user("author", role="trainer")
    author_id = author.id
    survey = xlsform.import_xlsform(form(FIRST, YES_NO), "first.xlsx", creator=author)
    building.add_indicator(survey, code="members", question_code="member", kind="share", choice_codes=["yes"],
                           direction="up", title="Members", language="en")
    db.session.commit()
    renamed = [("select_one yes_no", "is_member", "Are you a union member?"), ("integer", "age", "Your age")]
    before = row_counts()
    with pytest.raises(xlsform.XLSFormError) as refused:
        xlsform.import_xlsform(form(renamed, YES_NO), "second.xlsx", creator=db.session.get(User, author_id))
    db.session.rollback()
    assert refused.value.problems == ["second.xlsx: The indicator members counts the answers to member: keep that "
                                      "question (with its code) or delete the indicator first."]
    assert row_counts() == before
    # The command line says the same, and writes nothing.
    path = tmp_path / "second.xlsx"
    path.write_bytes(form(renamed, YES_NO).getvalue())
    result = app.test_cli_runner().invoke(args=["surveys", "import-xlsform", str(path)])
    assert result.exit_code == 1 and "The indicator members counts the answers to member" in result.output
    assert row_counts() == before
    # So does the browser.
    sign_in(client, "author")
    before = row_counts()  # signing in wrote its session and audit entry
    response = client.post("/surveys/manage/import", content_type="multipart/form-data", follow_redirects=True,
                           data={"csrf_token": csrf_token(client, "/surveys/manage"),
                                 "file": (form(renamed, YES_NO), "second.xlsx")})
    text = html.unescape(response.get_data(as_text=True))
    assert "second.xlsx: The indicator members counts the answers to member" in text and "Nothing was imported" in text
    assert row_counts() == before
    # A form keeping the code is version 2.
    kept = [("select_one yes_no", "member", "Are you a member of a union?"), ("integer", "age", "Your age")]
    xlsform.import_xlsform(form(kept, YES_NO), "third.xlsx", creator=db.session.get(User, author_id))
    db.session.commit()
    survey = db.session.scalar(select(Survey))
    assert survey.published_version.number == 2


def test_a_code_dropped_and_brought_back_keeps_its_kind_in_the_editor_and_in_a_form(app_ctx, create_user):
    survey = published_survey(create_user)
    for code in ("heard_often", "mean_hours"):
        building.delete_indicator(survey, code)
    building.delete_question(survey, "hours")
    assert building.publish(survey).number == 2  # no indicator counts it: hours may go
    db.session.commit()
    for comeback in (QuestionSpec(code="hours", kind="text", label="Hours?"),
                     QuestionSpec(code="hours", kind="number", label="Hours?", min_value=0, max_value=100)):
        with pytest.raises(SurveyError, match="The code hours belongs to a question|allows numbers from"):
            building.add_question(survey, comeback)
        db.session.rollback()
    comeback = [("select_one voice", "q1", "Heard?"), ("text", "hours", "Hours?")]
    voice = [("voice", "never", "Never"), ("voice", "often", "Often")]
    with pytest.raises(xlsform.XLSFormError) as refused:
        xlsform.import_xlsform(form(comeback, voice, form_id="voice"), "back.xlsx", creator=None)
    db.session.rollback()
    assert refused.value.problems[0].startswith("back.xlsx, sheet survey, row 3, column type: The code hours "
                                                "belongs to a question of type “Number”")
    building.add_question(survey, QuestionSpec(code="hours", kind="number", label="Hours?", min_value=0,
                                               max_value=80))
    assert building.publish(survey).number == 3
