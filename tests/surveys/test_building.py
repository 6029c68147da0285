"""Trainers and coordinators build surveys in the browser: questions, versions, translations, waves, workplaces."""
from __future__ import annotations

import html
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import CourseEditor, Organisation, Survey, SurveyQuestion, SurveyResponse, SurveyWave, Workplace
from lms.surveys import building
from lms.surveys.building import QuestionSpec, SurveyError
from lms.surveys.results import RELEASE_BATCH
from tests.helpers import GOOD_ANSWERS, csrf_token, post_form, prefixed, release_any, sign_in


def new_survey(client, code="voice", privacy="pseudonymous", subject="participant"):
    return post_form(client, "/surveys/manage/new", {"title": "Voice at work", "code": code, "description": "Why",
                                                "language": "en", "privacy": privacy, "subject": subject})


def add_question(client, survey="voice", **fields):
    data = {"label": "How often are you heard?", "code": "heard", "kind": "single",
            "choices": "never Never\nsometimes Sometimes\noften Often", "required": "y", **fields}
    return post_form(client, f"/surveys/manage/{survey}/questions", prefixed("question", data),
                page=f"/surveys/manage/{survey}")


def test_a_trainer_builds_and_publishes_a_survey(client, create_user):
    create_user("trainer", role="trainer")
    sign_in(client, "trainer")
    assert new_survey(client).status_code == 302
    assert add_question(client).status_code == 302
    assert add_question(client, label="I can raise a problem safely.", code="raise", kind="likert",
                        choices="").status_code == 302
    assert add_question(client, label="Hours last week", code="hours", kind="number", choices="",
                        min_value="0", max_value="100").status_code == 302
    page = client.get("/surveys/manage/voice").get_data(as_text=True)
    assert "How often are you heard?" in page and "Strongly agree" in page and "Publish version 1" in page
    post_form(client, "/surveys/manage/voice/publish", {}, page="/surveys/manage/voice")
    survey = db.session.scalar(select(Survey).where(Survey.code == "voice"))
    assert survey.published_version.number == 1
    assert [q.code for q in survey.published_version.questions] == ["heard", "raise", "hours"]
    # Editing the published survey starts version 2; version 1 stays as it was.
    post_form(client, "/surveys/manage/voice/questions/heard", prefixed("question", {
        "label": "How often are you listened to?", "code": "heard", "kind": "single",
        "choices": "never Never\noften Often", "required": "y"}))
    db.session.expire_all()
    assert [v.number for v in survey.versions] == [1, 2] and survey.draft_version.number == 2
    first = {t.label for q in survey.versions[0].questions if q.code == "heard" for t in q.texts}
    assert first == {"How often are you heard?"}
    post_form(client, "/surveys/manage/voice/questions/hours/move", {"direction": "up"}, page="/surveys/manage/voice")
    db.session.expire_all()
    assert [q.code for q in survey.draft_version.questions] == ["heard", "hours", "raise"]
    # Second thoughts: the draft goes, after a page that says what goes; the published version stays.
    asked = html.unescape(client.get("/surveys/manage/voice/discard").get_data(as_text=True))
    assert "Version 2, not published, goes" in asked and "Version 1 stays as it is" in asked
    db.session.expire_all()
    assert survey.draft_version.number == 2  # asking changed nothing
    post_form(client, "/surveys/manage/voice/discard", {})
    db.session.expire_all()
    assert [v.number for v in survey.versions] == [1] and survey.draft_version is None


def test_a_draft_survey_never_published_is_deleted_after_a_page_that_says_what_goes(client, create_user):
    create_user("trainer", role="trainer")
    sign_in(client, "trainer")
    new_survey(client)
    add_question(client)
    add_question(client, label="Hours last week", code="hours", kind="number", choices="", min_value="0",
                 max_value="100")
    assert "Delete this draft survey" in client.get("/surveys/manage/voice").get_data(as_text=True)
    asked = html.unescape(client.get("/surveys/manage/voice/delete").get_data(as_text=True))
    assert "nobody has answered it" in asked and "2 questions, with their choices" in asked
    assert db.session.scalar(select(sa.func.count()).select_from(Survey)) == 1
    assert post_form(client, "/surveys/manage/voice/delete", {}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(sa.func.count()).select_from(Survey)) == 0
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyQuestion)) == 0
    assert client.get("/surveys/manage/voice").status_code == 404


def test_a_published_survey_is_never_deleted_and_keeps_its_answers(client, create_user, make_survey):
    author = create_user("trainer", role="trainer")
    make_survey(code="voice", creator=author)
    sign_in(client, "trainer")
    page = client.get("/surveys/manage/voice").get_data(as_text=True)
    assert "Delete this draft survey" not in page
    asked = html.unescape(client.get("/surveys/manage/voice/delete").get_data(as_text=True))
    assert "A published survey is kept" in asked and "Delete the survey" not in asked
    assert post_form(client, "/surveys/manage/voice/delete", {}, page="/surveys/manage/voice").status_code == 409
    db.session.expire_all()
    assert db.session.scalar(select(sa.func.count()).select_from(Survey)) == 1
    with pytest.raises(SurveyError):
        building.delete_draft_survey(db.session.scalar(select(Survey)))


def test_bad_survey_input_gets_a_message_and_changes_nothing(client, create_user):
    create_user("trainer", role="trainer")
    sign_in(client, "trainer")
    response = new_survey(client, code="has spaces")
    assert response.status_code == 400 and "A code starts with a letter" in response.get_data(as_text=True)
    response = new_survey(client, code="workplace", privacy="identified", subject="workplace")
    assert response.status_code == 400 and "Workplace surveys are anonymous" in response.get_data(as_text=True)
    assert db.session.scalar(select(sa.func.count()).select_from(Survey)) == 0
    new_survey(client)
    response = add_question(client, choices="")
    assert response.status_code == 400 and "at least one choice" in response.get_data(as_text=True)
    response = add_question(client, choices="a\nb B")
    assert response.status_code == 400 and "a code, a space and the wording" in response.get_data(as_text=True)
    response = add_question(client, kind="number", choices="", min_value="10", max_value="1")
    assert response.status_code == 400 and "larger than the largest" in response.get_data(as_text=True)
    add_question(client)
    response = add_question(client)
    assert response.status_code == 400 and "Another question already has the code heard" in response.get_data(
        as_text=True)
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyQuestion)) == 1
    response = post_form(client, "/surveys/manage/voice/indicators", prefixed("indicator", {
        "title": "Heard", "code": "heard_often", "question": "heard", "kind": "share", "choice_codes": "always",
        "direction": "up"}), page="/surveys/manage/voice")
    assert response.status_code == 400 and "among the question" in response.get_data(as_text=True)


def test_only_the_author_and_admins_edit_a_survey(app, client, create_user, make_survey):
    author = create_user("author", role="trainer")
    make_survey(code="voice", creator=author)
    create_user("other", role="trainer")
    create_user("coordinator", role="coordinator", coordinated_countries=["PE"])
    create_user("admin", role="admin")
    for name, status in (("other", 403), ("coordinator", 403), ("admin", 200), ("author", 200)):
        signed = app.test_client()
        sign_in(signed, name)
        assert signed.get("/surveys/manage/voice").status_code == status, name
        assert signed.get("/surveys/manage/voice/xlsform.xlsx").status_code == status, name


def test_translations_go_out_of_date_when_the_source_changes(client, create_user, make_survey):
    author = create_user("author", role="trainer")
    survey = make_survey(code="voice", creator=author, publish=False)
    sign_in(client, "author")
    url = "/surveys/manage/voice/texts/fr"
    post_form(client, url, {"title": "La voix", "description": "", "label-safe": "Je me sens en sécurité.",
                       "choice-voice-often": "Souvent", "indicator-feels_safe": "Qui se sentent en sécurité"})
    page = client.get(url).get_data(as_text=True)
    assert "Je me sens en sécurité." in page and "Souvent" in page and "out of date" not in page
    assert {t.language: t.title for t in survey.indicators[0].titles}["fr"] == "Qui se sentent en sécurité"
    building.update_question(survey, "safe", QuestionSpec(code="safe", kind="likert", label="I feel safe."))
    db.session.commit()
    assert "out of date" in client.get(url).get_data(as_text=True)
    assert client.get("/surveys/manage/voice/texts/en").status_code == 404  # the source language


def test_waves_and_indicators_are_added_in_the_browser(client, library, create_user, make_survey):
    author = create_user("author", role="trainer")
    survey = make_survey(code="voice", creator=author, indicators=False, privacy="identified")
    course_id = db.session.scalar(sa.text("SELECT id FROM courses WHERE slug = 'social-dialogue-at-work'"))
    db.session.add(CourseEditor(course_id=course_id, user_id=author.id, role="editor"))  # she may ask its members
    db.session.commit()
    sign_in(client, "author")
    page = "/surveys/manage/voice"
    wave = {"kind": "baseline", "target": f"course:{course_id}"}
    assert post_form(client, f"{page}/waves", prefixed("wave", wave), page).status_code == 302
    response = post_form(client, f"{page}/waves", prefixed("wave", {**wave, "kind": "follow_up"}), page)
    assert response.status_code == 400 and "number of days" in response.get_data(as_text=True)
    assert post_form(client, f"{page}/waves", prefixed("wave", {**wave, "kind": "follow_up", "days_after": "90"}),
                page).status_code == 302
    indicator = {"title": "Feel safe", "code": "safe_share", "question": "safe", "kind": "share",
                 "choice_codes": "4 5", "direction": "up"}
    assert post_form(client, f"{page}/indicators", prefixed("indicator", indicator), page).status_code == 302
    db.session.expire_all()
    assert [(w.kind, w.days_after) for w in survey.waves] == [("baseline", None), ("follow_up", 90)]
    assert survey.indicators[0].choice_codes == ["4", "5"]


def test_a_union_team_collects_workplace_answers_and_sees_them_over_time(app, client, create_user, make_survey):
    coordinator = create_user("coord", role="coordinator", coordinated_countries=["KH"])
    union = Organisation(name="Cambodian garment union", acronym="CGU", country="KH", sector="Garments")
    db.session.add(union)
    db.session.commit()
    sign_in(client, "coord")
    post_form(client, "/workplaces", {"name": "Factory 7", "sector": "Garments", "country": "KH",
                                 "organisation": str(union.id)})
    workplace = db.session.scalar(select(Workplace))
    survey = make_survey(code="factory", subject="workplace", creator=coordinator)
    today = clock.today()
    building.add_wave(survey, kind="baseline", workplace=workplace, opens_on=today - timedelta(days=200),
                      closes_on=today - timedelta(days=170))
    wave = building.add_wave(survey, kind="endline", workplace=workplace, opens_on=today)
    db.session.commit()
    url = f"/workplaces/{workplace.id}/waves/{wave.id}/collect"
    for _ in range(10):
        assert post_form(client, url, GOOD_ANSWERS).status_code == 302
    assert release_any(minimum=RELEASE_BATCH) == 10  # the scheduler's job: one batch of ten (five at least)
    responses = list(db.session.scalars(select(SurveyResponse)))
    assert len(responses) == 10 and all(r.user_id is None and r.pseudonym is None for r in responses)
    assert {r.country for r in responses} == {"KH"}
    closed = db.session.scalar(select(SurveyWave).where(SurveyWave.kind == "baseline"))
    assert post_form(client, f"/workplaces/{workplace.id}/waves/{closed.id}/collect", GOOD_ANSWERS,
                page=url).status_code == 400
    page = client.get(f"/workplaces/{workplace.id}").get_data(as_text=True)
    assert "Workers who feel safe" in page and "100%" in page and "10 responses" in page  # 10: always published as 10
    create_user("coord-pe", role="coordinator", coordinated_countries=["PE"])
    other = app.test_client()
    sign_in(other, "coord-pe")
    assert other.get(f"/workplaces/{workplace.id}").status_code == 403
    assert other.get(url).status_code == 403


def test_answers_collected_offline_upload_in_the_browser_all_or_nothing(client, library, create_user, make_survey):
    author = create_user("author", role="trainer")
    course_id = db.session.scalar(sa.text("SELECT id FROM courses WHERE slug = 'social-dialogue-at-work'"))
    from lms.models import Course

    survey = make_survey(code="voice", creator=author, course=db.session.get(Course, course_id), waves=["baseline"])
    sign_in(client, "author")
    wave = str(survey.waves[0].id)
    bad = b"safe,union,voice,hours\n4,yes,often,48\n9,yes,often,48\n"
    response = upload(client, wave, bad)
    assert response.status_code == 400
    assert "kobo.csv, row 3, column safe" in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 0
    good = b"safe,union,voice,hours\n4,yes,often,48\n5,no,never,40\n"
    response = upload(client, wave, good, follow_redirects=True)
    assert "2 new responses are imported." in response.get_data(as_text=True)
    release_any()
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 2


def upload(client, wave: str, data: bytes, **options):
    token = csrf_token(client, "/surveys/manage/voice")
    return client.post("/surveys/manage/voice/responses", content_type="multipart/form-data", **options,
                       data={"csrf_token": token, "wave": wave, "new_rows": "y",
                             "file": (io.BytesIO(data), "kobo.csv")})


def test_a_groups_trainer_attaches_a_published_survey_to_the_group(app, client, library, create_user, make_survey):
    from lms.groups import services as groups
    from lms.learn import services as learning

    staff = create_user("staff", role="coordinator", coordinated_countries=["NL"])
    make_survey(code="standard", creator=staff, privacy="identified")  # the programme's evaluation, made by staff
    trainer = create_user("tina", role="trainer")
    group = groups.create_group(trainer=trainer, course=learning.find_course("social-dialogue-at-work"),
                                name="Lima", country="PE", place="Lima", mode="in-person", starts_on=clock.today(),
                                ends_on=clock.today() + timedelta(days=20))
    member = create_user("rosa")
    groups.add_member(group, member)
    db.session.commit()
    url = f"/groups/{group.id}/waves"
    for name, role in (("other", "trainer"), ("someone", "participant")):
        create_user(name, role=role)
        outsider = app.test_client()
        sign_in(outsider, name)
        assert post_form(outsider, url, prefixed("attach", {"survey": "standard", "kind": "baseline"}),
                    page="/").status_code == 403
    sign_in(client, "tina")
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Attach a survey" in page
    response = post_form(client, url, prefixed("attach", {"survey": "standard", "kind": "baseline"}),
                    page=f"/groups/{group.id}")
    assert response.status_code == 302
    response = post_form(client, url, prefixed("attach", {"survey": "standard", "kind": "follow_up"}),
                    page=f"/groups/{group.id}")
    assert "number of days" in client.get(f"/groups/{group.id}").get_data(as_text=True)
    waves = list(db.session.scalars(select(SurveyWave)))
    assert [(w.kind, w.group_id) for w in waves] == [("baseline", group.id)]
    from lms.surveys import invitations

    assert [i.wave.group_id for i in invitations.waiting_for(member.id, clock.today())] == [group.id]
    assert "Results of Workers&#39; voice" in client.get(f"/groups/{group.id}").get_data(as_text=True)


def test_a_question_of_twenty_thousand_characters_is_refused(app_ctx, make_survey):
    """Outside tester G: a 20,000-character question was taken and stretched its page to 178,609 pixels."""
    survey = make_survey(code="long", publish=False, indicators=False)
    before = len(building.current_version(survey).questions)
    with pytest.raises(SurveyError, match="at most 1000 characters"):
        building.add_question(survey, QuestionSpec(code="long", kind="text", label="x" * 20_000))
    with pytest.raises(SurveyError, match="at most 1000 characters"):
        building.add_question(survey, QuestionSpec(code="hinted", kind="text", label="Long?", hint="x" * 1001))
    db.session.rollback()
    assert len(building.current_version(survey).questions) == before
