"""Members' rights: consent, a copy of one's data, erasure, retention, and the audit of who saw whom."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from lms import clock
from lms.clock import utcnow
from lms.extensions import db
from lms.groups import services as groups
from lms.models import (
    CONSENT_VERSIONS,
    AuditEntry,
    Certificate,
    Consent,
    CourseEditor,
    LessonCompletion,
    LessonVersion,
    QuizAttempt,
    SurveyInvitation,
    SurveyResponse,
    TrainingGroup,
    User,
)
from lms.privacy import services as privacy
from lms.reports import figures
from lms.reports.filters import ReportFilter, parse_age_bands
from lms.surveys import answering, building, invitations
from lms.surveys.answering import Answer
from lms.surveys.building import QuestionSpec
from tests.helpers import BUNDLED_COURSE, PASSWORD, complete_course, post_form, release_any, sign_in

TODAY = clock.today()


def fresh(model, **where):
    db.session.expire_all()
    return db.session.scalar(select(model).filter_by(**where))


def survey(code: str, privacy_mode: str, course):
    made = building.create_survey(code=code, title=code, description="", language="en", privacy=privacy_mode,
                                  subject="participant", creator=None)
    building.add_question(made, QuestionSpec(code="voice", kind="yes_no", label="Are workers heard?"))
    building.publish(made)
    building.add_wave(made, kind="endline", course=course)
    db.session.flush()
    return made


def answer(made, user, value: str):
    """``user`` answers ``made``'s wave through their invitation, as the portal stores it."""
    wave = made.waves[0]
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.wave_id == wave.id,
                                                                  SurveyInvitation.user_id == user.id))
    answering.submit_response(wave=wave, version=made.published_version, answers={"voice": Answer(value)},
                              user=user, invitation=invitation)


@pytest.fixture
def two_members(app_ctx, library, create_user):
    """Rosa and Juan: the same course, group, sessions, certificates and surveys of each privacy mode."""
    trainer = create_user("tina", role="trainer", display_name="Tina Trainer")
    rosa = create_user("rosa", display_name="Rosa Quispe", email="rosa@example.org", phone="+51912345678",
                       birth_year=1990)
    juan = create_user("juan", display_name="Juan Mamani", email="juan@example.org", phone="+51987654321",
                       gender="man", birth_year=1985)
    course = complete_course(rosa.id)
    complete_course(juan.id)
    group = groups.create_group(trainer=trainer, course=course, name="Lima hotels", country="PE", place="Lima",
                                mode="in-person", starts_on=TODAY, ends_on=TODAY + timedelta(days=9))
    groups.add_member(group, rosa)
    groups.add_member(group, juan)
    groups.record_session(group, held_on=TODAY, topic="Bargaining", present=[rosa.id, juan.id])
    surveys = {mode: survey(f"s-{mode}", mode, course) for mode in ("identified", "pseudonymous", "anonymous")}
    invitations.sync_invitations(TODAY)
    for made in surveys.values():
        answer(made, rosa, "yes")
        answer(made, juan, "no")
    db.session.commit()
    release_any()
    return {"rosa": rosa, "juan": juan, "trainer": trainer, "group": group, "course": course, "surveys": surveys}


# Consent -------------------------------------------------------------------------------------

SIGN_UP = {"username": "ana", "display_name": "Ana", "phone": "", "email": "", "country": "PE", "gender": "woman",
           "birth_year": "", "password": PASSWORD, "confirm": PASSWORD}


def test_sign_up_records_the_membership_consent_and_refuses_without_it(client, app_ctx):
    refused = post_form(client, "/sign-up", SIGN_UP)
    assert refused.status_code == 200 and "can only be recorded with your agreement" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert post_form(client, "/sign-up", {**SIGN_UP, "consent": "y"}).status_code == 302
    consent = db.session.scalar(select(Consent))
    user = fresh(User, username="ana")
    assert (consent.user_id, consent.purpose) == (user.id, "membership")
    assert consent.version == CONSENT_VERSIONS["membership"]
    assert consent.given_at is not None and consent.withdrawn_at is None
    assert client.get("/my-learning").status_code == 200


def test_an_account_without_consent_is_asked_at_its_next_sign_in(client, app_ctx, create_user):
    create_user("old", consent=False)
    sign_in(client, "old")
    assert client.get("/my-learning").headers["Location"] == "/privacy/consent"
    assert client.get("/my-data").status_code == 200  # their data and erasure stay reachable
    assert client.get("/my-data/export.json").status_code == 200
    page = client.get("/privacy/consent").get_data(as_text=True)
    assert "union membership" in page and "/my-data/erase" in page
    assert post_form(client, "/privacy/consent", {}).status_code == 400
    assert db.session.scalar(select(func.count(Consent.id))) == 0
    assert post_form(client, "/privacy/consent", {"agree": "y"}).status_code == 302
    assert client.get("/my-learning").status_code == 200
    assert [c.purpose for c in db.session.scalars(select(Consent))] == ["membership"]


def test_withdrawing_consent_keeps_the_record_offers_erasure_and_asks_again(client, app_ctx, create_user):
    user = create_user("rosa")
    sign_in(client, "rosa")
    response = post_form(client, "/my-data/consents/withdraw", {"purpose": "membership"}, page="/my-data")
    assert response.headers["Location"] == "/my-data/erase"
    consent = fresh(Consent, user_id=user.id)
    assert consent.withdrawn_at is not None
    assert "cannot be kept without it" in client.get("/my-data/erase").get_data(as_text=True)
    assert client.get("/my-learning").headers["Location"] == "/privacy/consent"
    assert post_form(client, "/privacy/consent", {"agree": "y"}).status_code == 302
    assert db.session.scalar(select(func.count(Consent.id)).where(Consent.withdrawn_at.is_(None))) == 1
    assert db.session.scalar(select(func.count(Consent.id))) == 2  # the history stays


# A copy of one's data --------------------------------------------------------------------------

def test_the_export_holds_everything_of_the_member_and_nothing_of_anyone_else(client, two_members):
    sign_in(client, "rosa")
    response = client.get("/my-data/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    data = json.loads(text)
    course = two_members["course"]
    assert data["account"]["username"] == "rosa" and data["account"]["email"] == "rosa@example.org"
    assert data["account"]["phone"] == "+51912345678" and data["account"]["birth_year"] == 1990
    assert [c["purpose"] for c in data["consents"]] == ["membership"]
    assert [e["course"] for e in data["enrolments"]] == [BUNDLED_COURSE]
    assert data["enrolments"][0]["completed_at"]
    assert len(data["lessons_done"]) == len(course.lessons)
    assert len(data["quiz_attempts"]) == len(course.modules) and all(a["answers"] for a in data["quiz_attempts"])
    assert data["groups"][0]["name"] == "Lima hotels"
    assert [s["topic"] for s in data["groups"][0]["sessions_attended"]] == ["Bargaining"]
    assert [c["course"] for c in data["certificates"]] == [BUNDLED_COURSE]
    assert data["certificates"][0]["name"] == "Rosa Quispe"
    assert sorted(i["survey"] for i in data["survey_invitations"]) == ["s-anonymous", "s-identified", "s-pseudonymous"]
    linked = {r["survey"]: r["answers"] for r in data["survey_responses"]}
    assert linked == {"s-identified": {"voice": "yes"}, "s-pseudonymous": {"voice": "yes"}}
    assert "anonymous surveys" in data["anonymous_survey_answers"]
    for other in ("juan", "Juan Mamani", "juan@example.org", "+51987654321", '"no"'):
        assert other not in text, other
    juan_certificate = db.session.scalar(select(Certificate.code).where(Certificate.user_id == two_members["juan"].id))
    assert juan_certificate not in text


# Erasure ---------------------------------------------------------------------------------------

def report_cells():
    report = ReportFilter(start=TODAY.replace(month=1, day=1), end=TODAY.replace(month=12, day=31),
                          age_bands=tuple(parse_age_bands("15-24,25-35,36+")))
    cube = figures.participation_cube(report)
    return (sum(c.participants for c in cube.values()), sum(c.enrolments for c in cube.values()),
            sum(c.completions for c in cube.values()))


def test_erasure_deletes_personal_data_and_keeps_pseudonymous_learning_records(app, client, two_members):
    rosa_id, juan_id = two_members["rosa"].id, two_members["juan"].id
    counts_before = report_cells()
    assert counts_before[0] == 2
    lessons = db.session.scalar(select(func.count()).select_from(LessonCompletion)
                                .where(LessonCompletion.user_id == rosa_id))
    pseudonymous = db.session.scalar(select(func.count()).select_from(SurveyResponse)
                                     .where(SurveyResponse.pseudonym.is_not(None)))
    anonymous_wave = two_members["surveys"]["anonymous"].waves[0].id
    anonymous = select(SurveyResponse.id, SurveyResponse.user_id, SurveyResponse.pseudonym).where(
        SurveyResponse.wave_id == anonymous_wave)
    anonymous_before = set(db.session.execute(anonymous).all())
    sign_in(client, "rosa")

    wrong = post_form(client, "/my-data/erase", {"password": "not my password", "confirm": "y"})
    assert wrong.status_code == 400 and fresh(User, id=rosa_id).username == "rosa"
    unconfirmed = post_form(client, "/my-data/erase", {"password": PASSWORD})
    assert unconfirmed.status_code == 400 and fresh(User, id=rosa_id).erased_at is None
    done = post_form(client, "/my-data/erase", {"password": PASSWORD, "confirm": "y"})
    assert done.status_code == 302
    assert "Your account is erased" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert client.get("/my-learning").status_code == 302  # signed out

    with db.engine.connect() as conn:  # the raw rows, not what the model shows
        row = conn.execute(sa.text("SELECT username, display_name, email, phone, birth_year, organisation_id, "
                                   "locale, password_hash, erased_at, last_active_at, country, gender "
                                   "FROM users WHERE id = :id"), {"id": rosa_id}).one()
        assert row.username.startswith("erased-") and row.display_name == row.username
        assert (row.email, row.phone, row.birth_year, row.organisation_id, row.locale, row.last_active_at) == (
            None, None, None, None, None, None)
        assert row.password_hash == privacy.UNUSABLE_PASSWORD and row.erased_at is not None
        assert (row.country, row.gender) == ("PE", "woman")
        assert "Rosa" not in " ".join(str(v) for v in row)
        for table in ("certificates", "survey_invitations", "synced_operations", "course_editors"):
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE user_id = :id"),
                                {"id": rosa_id}).scalar() == 0, table
        assert conn.execute(sa.text("SELECT count(*) FROM survey_responses WHERE user_id = :id"),
                            {"id": rosa_id}).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM consents WHERE user_id = :id AND withdrawn_at IS NULL"),
                            {"id": rosa_id}).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM consents WHERE user_id = :id"),
                            {"id": rosa_id}).scalar() == 1  # kept as proof, with its end

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LessonCompletion)
                             .where(LessonCompletion.user_id == rosa_id)) == lessons
    attempts = list(db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == rosa_id)))
    assert attempts and all(a.answers == {} and a.score == 100 for a in attempts)
    assert report_cells() == counts_before  # still counted, as nobody
    # Her identified answer is nobody's now, under a random pseudonym (so that her waves would still pair).
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)
                             .where(SurveyResponse.pseudonym.is_not(None))) == pseudonymous + 1
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 6  # every answer still counts
    # Anonymous answers were never linked, and still are not.
    assert set(db.session.execute(anonymous).all()) == anonymous_before
    assert len(anonymous_before) == 2 and all(r.user_id is None and r.pseudonym is None for r in anonymous_before)
    # Juan is untouched.
    juan = fresh(User, id=juan_id)
    assert (juan.username, juan.email) == ("juan", "juan@example.org")
    # Nobody can sign in to the erased account, by any of its old names.
    for identifier in ("rosa", "rosa@example.org", "+51912345678"):
        assert sign_in(app.test_client(), identifier).status_code == 200
    # The trainer no longer sees her; the survey job does not invite her again.
    trainer = app.test_client()
    sign_in(trainer, "tina")
    page = trainer.get(f"/groups/{two_members['group'].id}").get_data(as_text=True)
    assert "erased-" not in page and "Juan Mamani" in page
    invitations.sync_invitations(TODAY)
    assert db.session.scalar(select(func.count()).select_from(SurveyInvitation)
                             .where(SurveyInvitation.user_id == rosa_id)) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "erase account"))
    assert entry.actor == f"account {rosa_id}" and "rosa" not in json.dumps(entry.details)


def test_an_erased_account_is_signed_out_everywhere(app, client, app_ctx, create_user):
    user = create_user("rosa")
    sign_in(client, "rosa")
    assert client.get("/my-learning").status_code == 200
    privacy.erase_account(user)
    db.session.commit()
    assert client.get("/my-learning").headers["Location"].startswith("/sign-in")


def test_erasing_a_trainer_keeps_their_courses_groups_and_lesson_history(app, app_ctx, two_members):
    trainer = two_members["trainer"]
    course = two_members["course"]
    db.session.add(CourseEditor(course_id=course.id, user_id=trainer.id, role="owner"))
    db.session.add(LessonVersion(lesson_id=course.lessons[0].id, language="en", number=99, title="T", body_md="B",
                                 author_id=trainer.id))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "erase", "tina", "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    group = db.session.get(TrainingGroup, two_members["group"].id)
    assert group is not None and group.trainer.username.startswith("erased-") and len(group.members) == 2
    assert db.session.scalar(select(LessonVersion).where(LessonVersion.number == 99)).author_id == trainer.id
    assert db.session.scalar(select(func.count()).select_from(CourseEditor)) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "erase account"))
    assert entry.actor.startswith("command line") and "account" not in entry.details  # whose, it no longer says
    again = app.test_cli_runner().invoke(args=["users", "erase", "tina", "--yes"])
    assert again.exit_code == 1


# Retention -------------------------------------------------------------------------------------

def test_retention_erases_only_accounts_idle_beyond_the_setting(app, app_ctx, create_user):
    now = utcnow()
    idle = create_user("idle")
    recent = create_user("recent")
    old_but_active = create_user("oldtimer")
    idle_admin = create_user("boss", role="admin")
    idle.last_active_at = idle_admin.last_active_at = now - timedelta(days=1100)
    recent.last_active_at = now - timedelta(days=1000)
    old_but_active.created_at, old_but_active.last_active_at = now - timedelta(days=3000), now - timedelta(days=2)
    db.session.commit()
    ids = {"idle": idle.id, "recent": recent.id, "oldtimer": old_but_active.id, "boss": idle_admin.id}

    dry = app.test_cli_runner().invoke(args=["users", "purge-inactive", "--dry-run"])
    assert dry.exit_code == 0 and "1 account(s)" in dry.output and "would be erased" in dry.output
    assert fresh(User, id=ids["idle"]).erased_at is None
    app.config["RETENTION_INACTIVE_DAYS"] = 0
    try:
        assert privacy.purge_inactive(now, 0) == []
        from lms.jobs import run_job

        assert run_job(app, "purge-inactive") == 0
    finally:
        app.config["RETENTION_INACTIVE_DAYS"] = 1095
    assert run_job(app, "purge-inactive") == 1
    assert run_job(app, "purge-inactive") == 0  # idempotent
    db.session.expire_all()
    erased = {name for name, uid in ids.items() if db.session.get(User, uid).erased_at is not None}
    assert erased == {"idle"}
    # How many, never which: ids would point at the tombstones.
    assert db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "erase inactive accounts")) == {
        "accounts": 1, "inactive_days": 1095}


def test_activity_is_noted_at_sign_in_and_at_most_once_a_day(app, client, app_ctx, create_user):
    user = create_user("rosa")
    user.last_active_at = utcnow() - timedelta(days=40)
    db.session.commit()
    sign_in(client, "rosa")
    client.get("/")
    noted = privacy.as_utc(fresh(User, id=user.id).last_active_at)
    assert noted.date() == utcnow().date()
    earlier_today = privacy.start_of_day(utcnow()) + timedelta(seconds=1)
    db.session.execute(sa.update(User).where(User.id == user.id).values(last_active_at=earlier_today))
    db.session.commit()
    client.get("/my-learning")
    assert privacy.as_utc(fresh(User, id=user.id).last_active_at) == earlier_today  # no second write today


# Audit -----------------------------------------------------------------------------------------

def actions():
    """The entries about other people's data (not the account events: tests/auth/test_account_audit.py)."""
    from lms.auth.audit_trail import ACTIONS

    db.session.expire_all()
    return [(e.actor, e.action, e.details) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            if e.action not in ACTIONS]


def test_views_of_other_peoples_data_are_audited_once_each(app, client, two_members):
    group = two_members["group"]
    module = two_members["course"].modules[0].slug
    member = app.test_client()
    sign_in(member, "rosa")
    assert member.get(f"/groups/{group.id}").status_code == 200  # her own group, nobody else's data
    assert actions() == []
    sign_in(client, "tina")
    assert client.get(f"/groups/{group.id}").status_code == 200
    assert client.get(f"/groups/{group.id}/paper-scores/{module}").status_code == 200
    assert post_form(client, f"/groups/{group.id}/members/bulk", {"members": "Aïcha Dossou\n"}).status_code == 200
    assert actions() == [
        ("tina", "view group members", {"group_id": group.id, "members": 2}),
        ("tina", "view paper scores", {"group_id": group.id, "module": module, "members": 2}),
        ("tina", "create group accounts", {"group_id": group.id, "accounts": 1}),
    ]
    for _actor, _action, details in actions():
        assert "Rosa" not in json.dumps(details) and "rosa" not in json.dumps(details)


def test_admins_filter_the_audit_log_by_action_and_actor(client, two_members, create_user):
    from lms.core import audit

    audit.record("view group members", {"group_id": 1}, user=two_members["trainer"])
    audit.record("export xapi", {"statements": 3})
    db.session.commit()
    create_user("admin1", role="admin")
    sign_in(client, "admin1")
    everything = client.get("/admin/audit").get_data(as_text=True)
    assert "Group members viewed</td>" in everything and "Learning records exported (xAPI)</td>" in everything
    only = client.get("/admin/audit?action=export+xapi").get_data(as_text=True)
    assert "Records: 3" in only and "Group members viewed</td>" not in only
    by_tina = client.get("/admin/audit?actor=tina").get_data(as_text=True)
    assert "Group members viewed</td>" in by_tina and "Records: 3" not in by_tina
