"""Members answer surveys: waves come due with their training, consent first, one answer per wave."""
from __future__ import annotations

import hashlib
import html
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.groups.services import add_member
from lms.learn import services as learning
from lms.models import SurveyAnswer, SurveyInvitation, SurveyResponse, User
from lms.surveys import answering, building, invitations
from lms.surveys.building import QuestionSpec
from tests.helpers import (
    BUNDLED_COURSE,
    GOOD_ANSWERS,
    answer_in_browser,
    complete_course,
    csrf_token,
    release_any,
    sign_in,
)


def enrol(user, slug=BUNDLED_COURSE):
    course = learning.find_course(slug)
    learning.enrol(user.id, course)
    db.session.commit()
    return course


def invitation_of(user_id, kind="baseline"):
    db.session.expire_all()
    return next(i for i in db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.user_id == user_id))
                if i.wave.kind == kind)


def test_the_home_page_counts_the_surveys_waiting(client, library, create_user, make_survey):
    """Outside tester D: "A survey is waiting for you" stood above a list of nine."""
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(course=course, waves=["baseline"])
    make_survey(code="second", course=course, waves=["baseline"])
    enrol(create_user("amina", locale="fr"))
    sign_in(client, "amina")
    home = html.unescape(client.get("/").get_data(as_text=True))
    assert "2 enquêtes vous attendent" in home


def test_a_baseline_is_due_at_enrolment_and_shown_on_the_home_page(client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(course=course, waves=["baseline", "endline"])
    member = create_user("amina")
    enrol(member)
    sign_in(client, "amina")
    home = client.get("/").get_data(as_text=True)
    assert "A survey is waiting for you" in home and "Workers&#39; voice" in home
    assert "Before the training" in home  # which of the survey's waves: a member may be asked twice
    invitation = invitation_of(member.id)
    page = client.get(f"/surveys/invitations/{invitation.id}").get_data(as_text=True)
    assert "Anonymous." in page and "cannot be deleted once sent" in page


def test_answering_stores_the_answers_and_a_second_submission_is_refused(client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(course=course, waves=["baseline"])
    member = create_user("amina")
    enrol(member)
    sign_in(client, "amina")
    invitation = invitation_of(member.id)
    response = answer_in_browser(client, invitation.id)
    assert response.status_code == 302
    assert invitation_of(member.id).answered  # at once, though the answers wait for their batch
    release_any()
    answers = {a.question_id: a for a in db.session.scalars(select(SurveyAnswer))}
    assert sorted(a.value for a in answers.values()) == sorted(["4", "yes", "often", "wages safety", "48",
                                                                "More breaks"])
    assert {a.number for a in answers.values()} >= {4.0, 48.0}
    again = client.post(f"/surveys/invitations/{invitation.id}/answer",
                         data={**GOOD_ANSWERS, "csrf_token": csrf_token(client, "/surveys")}, follow_redirects=True)
    assert "already answered" in again.get_data(as_text=True)
    release_any()
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 1


def test_the_service_refuses_a_second_response_to_the_same_wave(app_ctx, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(course=course, waves=["baseline"], privacy="identified")
    member = create_user("amina")
    enrol(member)
    invitation = invitation_of(member.id)
    version = survey.published_version
    answers = {"safe": answering.Answer("4", 4.0), "union": answering.Answer("yes"),
               "voice": answering.Answer("often"), "hours": answering.Answer("40", 40.0)}
    answering.submit_response(wave=invitation.wave, version=version, answers=answers,
                              user=member, invitation=invitation)
    db.session.commit()
    try:
        answering.submit_response(wave=invitation.wave, version=version, answers=answers,
                                  user=member, invitation=invitation)
        raise AssertionError("a second response was accepted")
    except answering.AlreadyAnswered:
        db.session.rollback()
    release_any()
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 1


def test_a_number_out_of_range_gets_a_message_and_nothing_is_written(client, library, create_user, make_survey):
    make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    member = create_user("amina")
    enrol(member)
    sign_in(client, "amina")
    response = answer_in_browser(client, invitation_of(member.id).id, {**GOOD_ANSWERS, "q_hours": "170"})
    assert response.status_code == 400
    assert "Please give a number from 0 to 100." in response.get_data(as_text=True)
    response = answer_in_browser(client, invitation_of(member.id).id, {**GOOD_ANSWERS, "q_voice": "always"})
    assert response.status_code == 400
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 0
    assert not invitation_of(member.id).answered


def test_declining_stops_the_survey_and_its_reminders(client, library, create_user, make_survey):
    make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    member = create_user("amina")
    enrol(member)
    sign_in(client, "amina")
    invitation = invitation_of(member.id)
    url = f"/surveys/invitations/{invitation.id}"
    client.post(url, data={"decision": "decline", "csrf_token": csrf_token(client, url)})
    assert invitation_of(member.id).consent == "refused"
    assert invitations.waiting_for(member.id, clock.today()) == []
    assert "A survey is waiting" not in client.get("/").get_data(as_text=True)


def test_a_member_who_declined_takes_the_survey_back_up_while_its_wave_is_open(app, client, library, create_user,
                                                                              make_survey):
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    member = create_user("amina")
    enrol(member)
    sign_in(client, "amina")
    invitation = invitation_of(member.id)
    url = f"/surveys/invitations/{invitation.id}"
    declined = client.post(url, data={"decision": "decline", "csrf_token": csrf_token(client, url)},
                           follow_redirects=True)
    assert "Take it up again from My surveys" in html.unescape(declined.get_data(as_text=True))
    mine = html.unescape(client.get("/surveys").get_data(as_text=True))
    assert "Declined" in mine and f'href="{url}">Take this survey after all' in mine
    assert "You can still change your mind." in html.unescape(client.get(url).get_data(as_text=True))
    answer_in_browser(client, invitation.id)
    assert invitation_of(member.id).answered
    assert "Take this survey after all" not in client.get("/surveys").get_data(as_text=True)
    # An anonymous survey's answers, taken up after a decline, point to nobody: no account, no invitation.
    release_any()
    response = db.session.scalar(select(SurveyResponse))
    assert response.user_id is None and response.pseudonym is None
    assert str(member.id) not in {str(v) for v in (response.country, response.record_key)}
    # Once its wave has closed, a declined survey cannot be taken up.
    other = create_user("bola")
    enrol(other)
    wave = survey.waves[0]
    wave.closes_on = clock.today() - timedelta(days=1)
    db.session.commit()
    decline = invitation_of(other.id)
    decline.consent = "refused"
    db.session.commit()
    client = app.test_client()
    sign_in(client, "bola")
    mine = client.get("/surveys").get_data(as_text=True)
    assert "Declined" in mine and "Take this survey after all" not in mine


def test_an_anonymous_response_cannot_be_joined_to_any_user(client, library, create_user, make_survey):
    make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    member = create_user("amina")
    enrol(member)
    sign_in(client, "amina")
    answer_in_browser(client, invitation_of(member.id).id)
    release_any()
    response = db.session.scalar(select(SurveyResponse))
    assert response.user_id is None and response.pseudonym is None
    assert type(response.submitted_on) is date  # the day only, never a time
    # No column of the response table can hold a person, an address or a time of day.
    columns = {c.name: c for c in SurveyResponse.__table__.columns}
    assert set(columns) == {"id", "wave_id", "version_id", "user_id", "pseudonym", "language", "country",
                            "submitted_on", "source", "record_key"}  # the key is random (lms/disclosure.py)
    assert isinstance(columns["submitted_on"].type, sa.Date)
    # Nothing anywhere in the database holds the response's id except its own answers.
    response_id = response.id
    for table in db.metadata.sorted_tables:
        if table.name in ("survey_responses", "survey_answers"):
            continue
        for row in db.session.execute(select(table)).mappings():
            assert str(response_id) not in {str(v) for v in row.values()}, table.name
    # And the invitation says only that the member answered, with no time to match against.
    invitation = invitation_of(member.id)
    assert invitation.answered and not hasattr(invitation, "answered_at")
    # The response id is random (not a sequence that orders who answered when).
    assert response_id.version == 4


def test_pseudonyms_pair_a_members_waves_without_naming_the_account(app_ctx, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(course=course, waves=["baseline", "endline"], privacy="pseudonymous")
    other = make_survey(code="other", course=course, waves=["baseline"], privacy="pseudonymous", indicators=False)
    member = create_user("amina")
    first = answering.pseudonym_for(survey, member.id)
    assert first == answering.pseudonym_for(survey, member.id)
    assert first != answering.pseudonym_for(other, member.id)
    # Keyed: without the key, nobody can recompute it from the account id.
    unkeyed = hashlib.sha256(f"survey:{survey.id}:user:{member.id}".encode()).hexdigest()[:32]
    assert first != unkeyed
    key = app_ctx.config["PSEUDONYM_KEY"]
    app_ctx.config["PSEUDONYM_KEY"] = "another-key"
    try:
        assert answering.pseudonym_for(survey, member.id) != first
    finally:
        app_ctx.config["PSEUDONYM_KEY"] = key
    enrol(member)
    invitation = invitation_of(member.id)
    answers = {"safe": answering.Answer("2", 2.0), "union": answering.Answer("no"),
               "voice": answering.Answer("never"), "hours": answering.Answer("60", 60.0)}
    answering.submit_response(wave=invitation.wave, version=survey.published_version, answers=answers,
                              user=member, invitation=invitation)
    db.session.commit()
    release_any()
    stored = db.session.scalar(select(SurveyResponse))
    assert stored.pseudonym == first and stored.user_id is None


def test_my_surveys_offers_one_withdrawal_per_survey(client, library, create_user, make_survey):
    """Outside tester D: a button on each wave's row read as withdrawing from that wave; it stops them all."""
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(course=course, waves=["baseline", "endline"], privacy="pseudonymous")
    member = create_user("amina")
    enrol(member)
    complete_course(member.id)
    invitations.sync_invitations(clock.today())
    db.session.commit()
    sign_in(client, "amina")
    page = client.get("/surveys").get_data(as_text=True)
    assert len(invitations.invitations_of(member.id)) == 2
    assert page.count("Withdraw from this survey") == 1


@pytest.mark.parametrize("privacy", ["anonymous", "pseudonymous"])
def test_withdrawing_asks_first_and_says_what_it_does(client, library, create_user, make_survey, privacy):
    """Outside tester E: one tap on "Withdraw" stopped every wave and deleted the answers, without a question."""
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(course=course, waves=["baseline", "endline"], privacy=privacy)
    member = create_user("amina", locale="es")
    enrol(member)
    sign_in(client, "amina")
    mine = html.unescape(client.get("/surveys").get_data(as_text=True))
    assert f'href="/surveys/{survey.code}/withdraw"' in mine and "<form" not in mine.split("<table")[1]
    page = html.unescape(client.get(f"/surveys/{survey.code}/withdraw").get_data(as_text=True))
    assert "Esto no se puede deshacer." in page
    assert ("nadie puede encontrarlas" in page) == (privacy == "anonymous"), page
    assert [i.consent for i in invitations.invitations_of(member.id)] == [None]  # asking changed nothing


def test_withdrawing_deletes_pseudonymous_answers_and_stops_every_wave(client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(course=course, waves=["baseline", "endline"], privacy="pseudonymous")
    member = create_user("amina")
    enrol(member)
    sign_in(client, "amina")
    answer_in_browser(client, invitation_of(member.id).id)
    release_any()
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 1
    page = client.get("/surveys").get_data(as_text=True)
    assert "Withdraw from this survey" in page
    withdraw = f"/surveys/{survey.code}/withdraw"  # the confirmation page's form
    client.post(withdraw, data={"csrf_token": csrf_token(client, withdraw)})
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 1  # until the checkpoint
    release_any()
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 0
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyAnswer)) == 0
    complete_course(member.id)  # the endline comes due, but the member has withdrawn
    assert invitations.waiting_for(member.id, clock.today()) == []


def test_withdrawing_from_an_anonymous_survey_keeps_answers_nobody_can_find(client, library, create_user, make_survey):
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    member = create_user("amina")
    enrol(member)
    sign_in(client, "amina")
    answer_in_browser(client, invitation_of(member.id).id)
    withdraw = f"/surveys/{survey.code}/withdraw"  # the confirmation page's form
    response = client.post(withdraw, data={"csrf_token": csrf_token(client, withdraw)},
                           follow_redirects=True)
    assert "Anonymous answers cannot be found" in response.get_data(as_text=True)
    release_any()
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 1


def test_endline_at_completion_and_follow_up_days_later(app_ctx, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(course=course, waves=["baseline", "endline", "follow_up"])
    member = create_user("amina")
    enrol(member)
    assert [i.wave.kind for i in invitations.waiting_for(member.id, clock.today())] == ["baseline"]
    complete_course(member.id)
    assert sorted(i.wave.kind for i in invitations.waiting_for(member.id, clock.today())) == ["baseline", "endline"]
    assert invitations.sync_invitations(clock.today() + timedelta(days=89)) == 0
    assert invitations.sync_invitations(clock.today() + timedelta(days=90)) == 1
    assert invitations.sync_invitations(clock.today() + timedelta(days=90)) == 0  # idempotent
    kinds = sorted(i.wave.kind for i in invitations.waiting_for(member.id, clock.today() + timedelta(days=90)))
    assert kinds == ["baseline", "endline", "follow_up"]


def ten_day_group(create_user, course, start: date):
    """An in-person group of the course, from ``start`` for ten days."""
    from lms.groups import services as groups

    return groups.create_group(trainer=create_user("trainer", role="trainer"), course=course, name="Cotonou",
                               country="BJ", place="Cotonou", mode="in-person", starts_on=start,
                               ends_on=start + timedelta(days=10), trains_trainers=False)


def test_group_waves_follow_the_groups_dates(app_ctx, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    start = clock.today()
    group = ten_day_group(create_user, course, start)
    make_survey(group=group, waves=["baseline", "endline", "follow_up"], privacy="identified")
    member = create_user("amina")
    add_member(group, member)
    db.session.commit()
    assert [i.wave.kind for i in invitations.waiting_for(member.id, start)] == ["baseline"]
    invitations.sync_invitations(start + timedelta(days=10))
    assert sorted(i.wave.kind for i in invitations.waiting_for(member.id, start + timedelta(days=10))) == [
        "baseline", "endline"]
    invitations.sync_invitations(start + timedelta(days=100))
    assert len(invitations.waiting_for(member.id, start + timedelta(days=100))) == 3


def test_a_courses_waves_reach_its_groups_members_on_their_groups_dates(app_ctx, library, create_user, make_survey):
    """An anonymous or pseudonymous survey is asked of the course, not the group: a member of an in-person
    group who never completes the course online gets its endline on the group's last day, its follow-up
    counted from then; one who completes it first, on that day."""
    course = learning.find_course(BUNDLED_COURSE)
    start = clock.today()
    group = ten_day_group(create_user, course, start)
    make_survey(course=course, waves=["baseline", "endline", "follow_up"], privacy="pseudonymous")
    amina, binta, online = create_user("amina"), create_user("binta"), create_user("online")
    for member in (amina, binta):
        add_member(group, member)
    enrol(online)
    db.session.commit()
    assert [i.wave.kind for i in invitations.waiting_for(amina.id, start)] == ["baseline"]
    complete_course(binta.id)
    invitations.sync_invitations(start)
    db.session.commit()
    assert sorted(i.wave.kind for i in invitations.waiting_for(binta.id, start)) == ["baseline", "endline"]
    invitations.sync_invitations(start + timedelta(days=9))
    assert [i.wave.kind for i in invitations.waiting_for(amina.id, start + timedelta(days=9))] == ["baseline"]
    invitations.sync_invitations(start + timedelta(days=10))
    assert sorted(i.wave.kind for i in invitations.waiting_for(amina.id, start + timedelta(days=10))) == [
        "baseline", "endline"]
    invitations.sync_invitations(start + timedelta(days=100))
    assert len(invitations.waiting_for(amina.id, start + timedelta(days=100))) == 3
    assert [i.wave.kind for i in invitations.waiting_for(online.id, start + timedelta(days=100))] == ["baseline"]


def test_questions_fall_back_to_the_source_language_with_a_note(client, library, create_user, make_survey):
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    building.save_translation(survey, "fr", title="La voix des travailleurs", description="",
                              questions={"safe": ("Je me sens en sécurité au travail.", "")}, choices={})
    db.session.commit()
    member = create_user("amina", locale="fr")
    enrol(member)
    sign_in(client, "amina")
    invitation = invitation_of(member.id)
    url = f"/surveys/invitations/{invitation.id}"
    client.post(url, data={"decision": "agree", "csrf_token": csrf_token(client, url)})
    page = html.unescape(client.get(f"{url}/answer").get_data(as_text=True))
    assert "Je me sens en sécurité au travail." in page
    assert "How often are workers heard?" in page  # not translated: the source, with a note
    assert "ne sont pas encore traduites en français" in page
    assert "Tout à fait d'accord" in page  # the fixed choices of a scale come with the interface


def test_a_published_version_is_kept_by_its_answers_when_the_survey_changes(app_ctx, library, create_user,
                                                                             make_survey):
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"], privacy="identified")
    member = create_user("amina")
    enrol(member)
    invitation = invitation_of(member.id)
    first = survey.published_version
    answering.submit_response(wave=invitation.wave, version=first, user=member,
                              invitation=invitation, answers={"safe": answering.Answer("5", 5.0),
                                                              "union": answering.Answer("yes"),
                                                              "voice": answering.Answer("often"),
                                                              "hours": answering.Answer("40", 40.0)})
    building.update_question(survey, "voice", QuestionSpec(
        code="voice", kind="single", label="How often are workers listened to?",
        choices=[("never", "Never"), ("sometimes", "Sometimes"), ("often", "Often"), ("always", "Always")]))
    db.session.commit()
    release_any()  # before the next version: a batch of a version no longer published is never released
    building.publish(survey)
    db.session.commit()
    assert [v.number for v in survey.versions] == [1, 2]
    assert survey.published_version.number == 2
    response = db.session.scalar(select(SurveyResponse))
    assert response.version_id == first.id
    assert [t.label for q in first.questions if q.code == "voice" for t in q.texts] == ["How often are workers heard?"]
    assert db.session.get(User, member.id) is not None


def test_a_closed_wave_can_no_longer_be_answered(client, library, create_user, make_survey):
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    member = create_user("amina")
    enrol(member)
    invitation = invitation_of(member.id)
    survey.waves[0].closes_on = clock.today() - timedelta(days=1)
    db.session.commit()
    sign_in(client, "amina")
    assert invitations.waiting_for(member.id, clock.today()) == []
    response = client.post(f"/surveys/invitations/{invitation.id}/answer",
                           data={**GOOD_ANSWERS, "csrf_token": csrf_token(client, "/surveys")})
    assert response.status_code == 302
    assert db.session.scalar(select(sa.func.count()).select_from(SurveyResponse)) == 0
    page = client.get(f"/surveys/invitations/{invitation.id}", follow_redirects=True).get_data(as_text=True)
    assert "This survey closed on" in page


def test_waves_set_up_later_ask_nothing_about_the_past(app_ctx, library, create_user, make_survey):
    from lms.models import Enrolment

    course = learning.find_course(BUNDLED_COURSE)
    finished, started = create_user("finished"), create_user("started")
    enrol(finished)
    complete_course(finished.id)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == finished.id))
    enrolment.completed_at -= timedelta(days=30)  # finished a month before the survey existed
    enrol(started)
    db.session.commit()
    make_survey(course=course, waves=["baseline", "endline", "follow_up"])
    invitations.sync_invitations(clock.today() + timedelta(days=100))
    # No baseline after the fact, no endline for a completion before the wave existed; the follow-up,
    # 90 days after completion, still lies ahead and is asked.
    later = invitations.waiting_for(finished.id, clock.today() + timedelta(days=100))
    assert [(i.wave.kind, i.due_on) for i in later] == [("follow_up", clock.today() + timedelta(days=60))]
    assert [i.wave.kind for i in invitations.waiting_for(started.id, clock.today())] == ["baseline"]
