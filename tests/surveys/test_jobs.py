"""Scheduled jobs: waves open when due, reminders go out in the member's language, never twice."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms import clock, signals
from lms.extensions import db
from lms.jobs import open_waves
from lms.learn import services as learning
from lms.models import AuditEntry, SurveyInvitation
from lms.surveys.reminders import send_reminders
from tests.helpers import BUNDLED_COURSE, ROOT, complete_course


def due_member(create_user, make_survey, username="amina", **fields):
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(course=course, waves=["baseline"]) if not fields.pop("existing", False) else None
    member = create_user(username, **fields)
    learning.enrol(member.id, course)
    db.session.commit()
    return member, survey


def test_reminders_respect_the_interval_and_the_maximum(app_ctx, library, create_user, make_survey, inbox):
    app_ctx.config.update(REMINDER_MAX=3, REMINDER_MIN_DAYS=7)
    due_member(create_user, make_survey, email="amina@example.org")
    today = clock.today()
    assert send_reminders(today) == 1
    assert send_reminders(today) == 0
    assert send_reminders(today + timedelta(days=6)) == 0
    assert send_reminders(today + timedelta(days=7)) == 1
    assert send_reminders(today + timedelta(days=14)) == 1
    assert send_reminders(today + timedelta(days=30)) == 0  # three is the most
    assert len(inbox.messages) == 3 and inbox.messages[0]["to"] == ["amina@example.org"]
    invitation = db.session.scalar(select(SurveyInvitation))
    db.session.refresh(invitation)
    assert invitation.reminders_sent == 3 and invitation.last_reminded_on == today + timedelta(days=14)
    assert f"/surveys/invitations/{invitation.id}" in inbox.messages[0]["body"]


def test_a_new_channel_gets_each_reminder_once_by_subscribing(app_ctx, library, create_user, make_survey):
    """Another way to reach members (SMS, say) plugs in with signals.reminder_due, beside e-mail."""
    member, _survey = due_member(create_user, make_survey)  # no e-mail address: only the new channel reaches her
    heard = []

    def by_carrier_pigeon(user, invitation, **_extra):
        heard.append((user.id, invitation.id))

    signals.reminder_due.connect(by_carrier_pigeon)
    try:
        assert send_reminders(clock.today()) == 1
        assert send_reminders(clock.today()) == 0  # counted once: never announced twice
    finally:
        signals.reminder_due.disconnect(by_carrier_pigeon)
    invitation = db.session.scalar(select(SurveyInvitation))
    assert heard == [(member.id, invitation.id)]


def test_a_channel_that_fails_stops_neither_the_others_nor_the_next_reminder(app_ctx, library, create_user,
                                                                           make_survey, caplog):
    """Each channel in its own transaction: one that raises is rolled back and logged (no member, no invitation)
    and the others still run; what a channel writes is kept."""
    from lms.core import audit

    due_member(create_user, make_survey, username="amina")
    due_member(create_user, make_survey, username="binta", existing=True)
    heard = []

    def broken(user, **_extra):
        raise OSError("the gateway is down")

    def keeping_a_record(user, invitation, **_extra):
        audit.record("reminded", {"channel": "test"})
        heard.append(user.username)

    signals.reminder_due.connect(broken)
    signals.reminder_due.connect(keeping_a_record)
    try:
        assert send_reminders(clock.today()) == 2
    finally:
        signals.reminder_due.disconnect(broken)
        signals.reminder_due.disconnect(keeping_a_record)
    db.session.remove()
    assert sorted(heard) == ["amina", "binta"]
    kept = select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "reminded")
    assert db.session.scalar(kept) == 2
    assert [i.reminders_sent for i in db.session.scalars(select(SurveyInvitation))] == [1, 1]
    failures = [r.getMessage() for r in caplog.records if "channel failed" in r.getMessage()]
    assert failures == ["a reminder channel failed: OSError"] * 2


async def refuse_every_address(server, session, envelope, address, rcpt_options):
    """aiosmtpd's hook for each recipient, set on the inbox: no mailbox takes it."""
    return f"550 no mailbox {address}"


def test_a_reminder_that_fails_names_neither_the_invitation_nor_the_address_in_the_log(
        app_ctx, library, create_user, make_survey, inbox, caplog):
    """The scheduler's log said which invitation of which survey was reminded, and the server's answer held the
    member's address."""
    inbox.handle_RCPT = refuse_every_address
    due_member(create_user, make_survey, email="amina@example.org")
    assert send_reminders(clock.today()) == 1
    invitation = db.session.scalar(select(SurveyInvitation))
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "not sent" in logged
    assert "amina" not in logged and f" {invitation.id}" not in logged


def test_reminders_are_in_the_members_language_and_only_where_there_is_an_address(
        app_ctx, library, create_user, make_survey, inbox):
    due_member(create_user, make_survey, "amina", email="amina@example.org", locale="fr")
    due_member(create_user, make_survey, "bo", existing=True)  # no e-mail: reminded in the portal only
    assert send_reminders(clock.today()) == 2
    assert len(inbox.messages) == 1
    with force_locale("fr"):
        french = _("A short survey is waiting for you: %(title)s", title="Workers' voice")
    with force_locale("en"):
        english = _("A short survey is waiting for you: %(title)s", title="Workers' voice")
    assert french != english
    assert inbox.messages[0]["subject"] == french


def test_answered_and_declined_surveys_are_not_reminded(app_ctx, library, create_user, make_survey, inbox):
    member, _survey = due_member(create_user, make_survey, email="amina@example.org")
    invitation = db.session.scalar(select(SurveyInvitation))
    invitation.consent = "refused"
    db.session.commit()
    assert send_reminders(clock.today()) == 0 and inbox.messages == []


def test_open_waves_invites_members_once_their_follow_up_is_due(app_ctx, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(course=course, waves=["follow_up"])
    member = create_user("amina")
    learning.enrol(member.id, course)
    complete_course(member.id)
    assert open_waves(clock.today()) == 0
    assert open_waves(clock.today() + timedelta(days=90)) == 1
    assert open_waves(clock.today() + timedelta(days=91)) == 0


def test_two_scheduler_processes_at_once_send_each_reminder_exactly_once(
        app_ctx, library, create_user, make_survey, inbox, database_url, tmp_path):
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(course=course, waves=["baseline"])
    for i in range(12):
        member = create_user(f"member{i}", email=f"member{i}@example.org")
        learning.enrol(member.id, course)
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(inbox.port), "MAIL_USE_TLS": "false", "SECRET_KEY": "x" * 40}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run-once", "send-reminders"]
    runners = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [runner.communicate(timeout=120) for runner in runners]
    assert all(runner.returncode == 0 for runner in runners), outputs
    sent = sorted(int(out.split(": ")[1].split()[0]) for out, _err in outputs)
    assert sum(sent) == 12
    assert sorted(m["to"][0] for m in inbox.messages) == sorted(f"member{i}@example.org" for i in range(12))
    db.session.expire_all()
    assert {i.reminders_sent for i in db.session.scalars(select(SurveyInvitation))} == {1}


def test_jobs_run_once_refuses_an_unknown_job(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run-once", "nothing"])
    assert result.exit_code == 1 and "open-waves" in result.output


def test_the_scheduler_process_runs_the_jobs_at_once_and_stops_cleanly(app_ctx, library, create_user, make_survey,
                                                                       database_url, tmp_path):
    due_member(create_user, make_survey)
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40}
    scheduler = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run"], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(scheduler.stdout), daemon=True)
    reader.start()
    try:
        # The job logs its result just after its commit: wait for the log line, not only for the row.
        for _ in range(240):  # up to a minute on a busy machine
            if any("send-reminders: 1 done" in line for line in lines):
                break
            time.sleep(0.25)
        db.session.expire_all()
        assert db.session.scalar(select(SurveyInvitation.reminders_sent)) == 1
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
        reader.join(timeout=10)
    output = "".join(lines)
    assert "Scheduler started: open-waves, send-reminders" in output and "send-reminders: 1 done" in output
