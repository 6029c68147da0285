"""Whoever runs a training group decides who is in it: her own accounts must not single out one real member.

Outside tester C, as a trainer: "Create the accounts" made nine members of her group; with one real member
beside them, the group's results page showed a share of 100% where her nine gave 50% (random rounding cannot
hide one record from someone who knows all the others), and with four, the batch published at the checkpoint
was that member and hers, read in the database (n-1). So anonymous and pseudonymous surveys are not asked of
one group, and their figures are for coordinators and admins (docs/privacy.md, "Who decides who answers").
"""
from __future__ import annotations

import html
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.author import services as authoring
from lms.extensions import db
from lms.groups import services as groups
from lms.learn import services as learning
from lms.models import AuditEntry, SurveyAnswer, SurveyQuestion, SurveyWave
from lms.surveys import answering, building, invitations
from lms.surveys.building import SurveyError
from tests.helpers import BUNDLED_COURSE, csrf_token, release_any, sign_in

Answer = answering.Answer
NOTE = "shown to coordinators and administrators only"


@pytest.fixture
def group(app_ctx, library, create_user):
    trainer = create_user("trainer", role="trainer", country="BJ")
    course = learning.find_course(BUNDLED_COURSE)
    found = groups.create_group(trainer=trainer, course=course, name="Cotonou dockers", country="BJ",
                                place="Cotonou", mode="in-person", starts_on=clock.today(),
                                ends_on=clock.today() + timedelta(days=10), trains_trainers=False)
    db.session.commit()
    return found


def waves() -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyWave))


@pytest.mark.parametrize("privacy", ["anonymous", "pseudonymous"])
def test_a_survey_that_names_nobody_is_never_asked_of_one_group(client, group, make_survey, privacy):
    survey = make_survey(code="voice", privacy=privacy, creator=group.trainer)
    with pytest.raises(SurveyError, match="not of one training group"):
        building.add_wave(survey, kind="baseline", group=group)
    db.session.rollback()
    before = waves()
    sign_in(client, "trainer")
    page = f"/groups/{group.id}"
    text = html.unescape(client.get(page).get_data(as_text=True))
    assert 'value="voice"' not in text  # not offered
    response = client.post(f"/groups/{group.id}/waves", data={
        "attach-survey": "voice", "attach-kind": "baseline", "csrf_token": csrf_token(client, page)},
        follow_redirects=True)
    assert "not of one training group" in html.unescape(response.get_data(as_text=True))
    edit = "/surveys/manage/voice"
    assert f"group:{group.id}" not in client.get(edit).get_data(as_text=True)
    response = client.post(f"{edit}/waves", data={"wave-kind": "baseline", "wave-target": f"group:{group.id}",
                                                  "csrf_token": csrf_token(client, edit)})
    assert response.status_code == 400
    assert "not of one training group" in html.unescape(response.get_data(as_text=True))
    assert waves() == before


def test_an_identified_survey_is_still_asked_of_a_group_and_its_trainer_reads_it(client, group,
                                                                                make_survey):
    survey = make_survey(code="evaluation", privacy="identified", creator=group.trainer, group=group,
                         waves=["baseline"])
    assert survey.waves[0].group_id == group.id
    sign_in(client, "trainer")
    page = html.unescape(client.get(f"/surveys/manage/evaluation/results?group={group.id}").get_data(as_text=True))
    assert "Workers who feel safe" in page and NOTE not in page


def answer_all(survey, accounts, values):
    """Each account answers its invitation to the survey's course baseline, as the answer page does."""
    for user, safe in zip(accounts, values, strict=True):
        invitation = next(i for i in invitations.waiting_for(user.id, clock.today()) if i.wave.survey_id == survey.id)
        answering.record_consent(invitation, True)
        answers = {"safe": Answer(str(safe), float(safe)), "union": Answer("yes"), "voice": Answer("often"),
                   "issues": Answer(""), "hours": Answer("40", 40.0), "comment": Answer("")}
        answering.submit_response(wave=invitation.wave, version=survey.published_version, answers=answers,
                                  country="BJ", invitation=invitation, user=user)
        db.session.commit()


@pytest.mark.parametrize("privacy", ["anonymous", "pseudonymous"])
def test_a_trainer_who_made_all_but_one_of_the_respondents_reads_no_figure(app, group, create_user,
                                                                           make_survey, privacy):
    """Tester C's attack, moved to the course: her nine accounts and one real member, all of her group, answer
    the course's baseline; the trainer, who wrote the survey, sees how many answered and no figure."""
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(code="voice", privacy=privacy, creator=group.trainer, course=course, waves=["baseline"])
    made = groups.bulk_add(group, [groups.BulkLine(number=n, name=f"Fake {n}", username=f"fake{n}")
                                   for n in range(9)])
    member = create_user("amina", country="BJ")
    groups.add_member(group, member)
    db.session.commit()
    answer_all(survey, [account.user for account in made] + [member], [4] * 9 + [1])
    release_any()
    create_user("coordinator", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    results = "/surveys/manage/voice/results"
    trainer, coordinator = app.test_client(), app.test_client()
    sign_in(trainer, "trainer")
    sign_in(coordinator, "coordinator")
    for query in ("", "?country=BJ", f"?group={group.id}"):
        page = html.unescape(trainer.get(results + query).get_data(as_text=True))
        assert NOTE in page, query
        assert "Share" not in page and "%" not in page.split("Outcome indicators")[1], query
    page = html.unescape(trainer.get(results).get_data(as_text=True))
    assert "10 responses" in page  # what she may see: how many answered
    shown = html.unescape(coordinator.get(results).get_data(as_text=True))
    assert "Workers who feel safe" in shown and NOTE not in shown and "Share" in shown


def test_a_trainer_reads_no_figure_of_a_workplace_she_collects_at(app, group, create_user,
                                                                  make_survey):
    """At a workplace, the union team enters answers on a tablet: nine of hers beside one worker's."""
    workplace = building.create_workplace(name="Port of Cotonou", sector="ports", country="BJ", organisation_id=None)
    survey = make_survey(code="port", subject="workplace", creator=group.trainer)
    building.add_wave(survey, kind="baseline", workplace=workplace, opens_on=clock.today())
    db.session.commit()
    for safe in [4] * 9 + [1]:
        answers = {"safe": Answer(str(safe), float(safe)), "union": Answer("yes"), "voice": Answer("often"),
                   "issues": Answer(""), "hours": Answer("40", 40.0), "comment": Answer("")}
        answering.submit_response(wave=survey.waves[0], version=survey.published_version, answers=answers,
                                  country="BJ")
    db.session.commit()
    release_any()
    create_user("coordinator", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    trainer, coordinator = app.test_client(), app.test_client()
    sign_in(trainer, "trainer")
    sign_in(coordinator, "coordinator")
    page = html.unescape(trainer.get(f"/workplaces/{workplace.id}").get_data(as_text=True))
    assert NOTE in page and "Workers who feel safe" not in page and "10 responses" in page
    shown = html.unescape(coordinator.get(f"/workplaces/{workplace.id}").get_data(as_text=True))
    assert "Workers who feel safe" in shown and NOTE not in shown


@pytest.mark.parametrize("privacy", ["anonymous", "pseudonymous"])
def test_a_course_wave_cannot_be_narrowed_to_the_members_whose_training_ends_one_day(
        client, group, create_user, make_survey, privacy):
    """Outside tester D: an endline of the course, added and closing the day her group ended, asked only her
    group (one member and four accounts of hers); a follow-up whose days put one member's due day on that day
    asked only those who completed with her. A course's wave of such a survey stays open four periods."""
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(code="voice", privacy=privacy, creator=group.trainer)
    shortest = 4 * 7
    for kind, days, closes in (("endline", None, 0), ("follow_up", 30, 0), ("endline", None, shortest - 1)):
        with pytest.raises(SurveyError, match="stays open at least 28 days"):
            building.add_wave(survey, kind=kind, days_after=days, course=course,
                              closes_on=clock.today() + timedelta(days=closes))
        db.session.rollback()
    before = waves()
    create_user("admin", role="admin")  # who asks such a survey of a course
    sign_in(client, "admin")
    edit = "/surveys/manage/voice"
    response = client.post(f"{edit}/waves", data={
        "wave-kind": "endline", "wave-target": f"course:{course.id}", "wave-closes_on": clock.today().isoformat(),
        "csrf_token": csrf_token(client, edit)})
    assert response.status_code == 400 and "stays open at least 28 days" in response.get_data(as_text=True)
    assert waves() == before
    building.add_wave(survey, kind="endline", course=course, closes_on=clock.today() + timedelta(days=shortest))
    identified = make_survey(code="evaluation", privacy="identified", creator=group.trainer)
    building.add_wave(identified, kind="endline", course=course, closes_on=clock.today())  # names its members anyway
    db.session.commit()


def test_a_courses_waves_are_asked_by_its_editors(client, group, make_survey):
    """Outside tester E: any trainer's survey reached every member of any course, in every country, with nothing
    asking the course's owner. A course's wave is now for its editors and admins."""
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(code="voice", privacy="identified", creator=group.trainer)
    before = waves()
    sign_in(client, "trainer")
    edit = "/surveys/manage/voice"
    assert f"course:{course.id}" not in client.get(edit).get_data(as_text=True)
    response = client.post(f"{edit}/waves", data={"wave-kind": "baseline", "wave-target": f"course:{course.id}",
                                                  "csrf_token": csrf_token(client, edit)})
    assert response.status_code == 400 and waves() == before
    make_survey(code="quiet", privacy="anonymous", creator=group.trainer)
    page = html.unescape(client.get("/surveys/manage/quiet").get_data(as_text=True))
    assert "asked of a course by an administrator" in page  # outside tester G: an empty list, and no word why
    authoring.add_editor(course, group.trainer)
    db.session.commit()
    assert f"course:{course.id}" in client.get(edit).get_data(as_text=True)
    # Outside tester H: her own published course, run by her only group, was her group by another name.
    page = html.unescape(client.get("/surveys/manage/quiet").get_data(as_text=True))
    assert f"course:{course.id}" not in page and "asked of a course by an administrator" in page
    response = client.post("/surveys/manage/quiet/waves", data={
        "wave-kind": "baseline", "wave-target": f"course:{course.id}",
        "csrf_token": csrf_token(client, "/surveys/manage/quiet")})
    assert response.status_code == 400 and waves() == before


def test_a_wave_of_a_course_or_group_takes_no_first_day_and_no_last_day_that_has_passed(group, make_survey):
    """Outside tester E: a baseline with a first day in 2030 was taken (and ignored: every member got two
    identical baselines, both counted), and an endline whose last day had passed could never be answered."""
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(code="evaluation", privacy="identified", creator=group.trainer)
    for target in ({"course": course}, {"group": group}):
        with pytest.raises(SurveyError, match="Only a round at a workplace has a first day"):
            building.add_wave(survey, kind="baseline", opens_on=date(2030, 1, 1), **target)
        with pytest.raises(SurveyError, match="already passed"):
            building.add_wave(survey, kind="endline", closes_on=clock.today() - timedelta(days=1), **target)
    db.session.rollback()
    workplace = building.create_workplace(name="Port", sector="ports", country="BJ", organisation_id=None)
    port = make_survey(code="port", subject="workplace", creator=group.trainer)
    past = clock.today() - timedelta(days=200)  # a past round, to import its answers
    building.add_wave(port, kind="baseline", workplace=workplace, opens_on=past, closes_on=past + timedelta(days=14))


def test_another_trainers_tablet_entries_cannot_make_up_a_batch_around_one_workers(app, group, create_user,
                                                                                   make_survey):
    """Outside tester F: in a one-day round, the union team entered one worker's answer on its tablet and another
    trainer of the country entered four of her own; the batch of five was published at the next run, and a
    reader of the database took her four away. Each account's tablet entries are now a batch of their own."""
    from lms.surveys.releases import release_at_checkpoints

    workplace = building.create_workplace(name="Port of Cotonou", sector="ports", country="BJ", organisation_id=None)
    survey = make_survey(code="port", subject="workplace", creator=group.trainer, indicators=False)
    wave = building.add_wave(survey, kind="baseline", workplace=workplace, opens_on=clock.today(),
                             closes_on=clock.today())
    db.session.commit()
    create_user("team", role="trainer", country="BJ")

    def enter(who: str, safe: str, times: int = 1) -> None:
        browser = app.test_client()
        sign_in(browser, who)
        url = f"/workplaces/{workplace.id}/waves/{wave.id}/collect"
        for _ in range(times):
            data = {"q_safe": safe, "q_union": "yes", "q_voice": "often", "q_hours": "40",
                    "csrf_token": csrf_token(browser, url)}
            assert browser.post(url, data=data).status_code == 302

    enter("team", "1")  # the worker's
    enter("trainer", "5", times=4)
    assert release_at_checkpoints(clock.today() + timedelta(days=1)) == 0  # the round has closed: its next run
    enter("trainer", "5")
    assert release_at_checkpoints(clock.today() + timedelta(days=1)) == 5  # her own five, alone
    values = db.session.scalars(select(SurveyAnswer.value).join(SurveyQuestion)
                                .where(SurveyQuestion.code == "safe")).all()
    assert sorted(values) == ["5"] * 5  # the worker's answer waits for four more of the team's
    entered = Counter(e.actor for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "enter workplace answers")))
    assert entered == {"team": 1, "trainer": 5}  # who entered how many: staff can see a trainer filling a round
