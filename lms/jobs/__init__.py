"""Scheduled jobs: open survey waves when due, remind members, publish survey answers in batches, erase
idle accounts. Started only by ``flask jobs run``.

Every job is idempotent through the database: a reminder is claimed with a conditional UPDATE and
sent only by the runner whose UPDATE changed the row, so two scheduler processes, a restart or a
retry never send it twice; a wave's answers are released at a checkpoint only by the runner whose UPDATE
marked it released, and a batch is published only by the runner whose DELETE took every one of its rows
from the pool.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms import clock
from lms.clock import utcnow
from lms.core.mail import mail_configured, send_mail
from lms.extensions import db
from lms.i18n import DEFAULT_LANGUAGE, pick_string
from lms.models import Survey, SurveyInvitation, SurveyVersion, SurveyWave, User
from lms.surveys import pool, storage, withdrawal
from lms.surveys.invitations import sync_invitations
from lms.surveys.results import RELEASE_BATCH

log = logging.getLogger(__name__)


def open_waves(today: date | None = None) -> int:
    """Invite members to every wave that has come due (baseline, endline, follow-up)."""
    created = sync_invitations(today or clock.today())
    db.session.commit()
    return created


def send_reminders(today: date | None = None) -> int:
    """Remind members of surveys waiting for them: first when due, then every REMINDER_MIN_DAYS, up to REMINDER_MAX."""
    today = today or clock.today()
    config = current_app.config
    latest = today - timedelta(days=config["REMINDER_MIN_DAYS"])
    candidates = db.session.execute(
        select(SurveyInvitation.id, SurveyInvitation.reminders_sent, SurveyInvitation.last_reminded_on)
        .join(SurveyWave).join(Survey)
        .where(SurveyInvitation.answered.is_(False),
               sa.or_(SurveyInvitation.consent.is_(None), SurveyInvitation.consent == "given"),
               SurveyInvitation.due_on <= today, SurveyInvitation.reminders_sent < config["REMINDER_MAX"],
               sa.or_(SurveyInvitation.last_reminded_on.is_(None), SurveyInvitation.last_reminded_on <= latest),
               sa.or_(SurveyWave.closes_on.is_(None), SurveyWave.closes_on >= today),
               Survey.versions.any(SurveyVersion.published_at.is_not(None)))
        .order_by(SurveyInvitation.id)).all()
    sent = 0
    for invitation_id, count, last in candidates:
        if claim_reminder(invitation_id, count, last, today):
            remind(db.session.get(SurveyInvitation, invitation_id))
            sent += 1
    return sent


def claim_reminder(invitation_id: int, count: int, last: date | None, today: date) -> bool:
    """Count the reminder as sent; True only for the one runner whose update changed the row."""
    last_matches = (SurveyInvitation.last_reminded_on.is_(None) if last is None
                    else SurveyInvitation.last_reminded_on == last)
    result = db.session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation_id, SurveyInvitation.reminders_sent == count, last_matches)
        .values(reminders_sent=count + 1, last_reminded_on=today).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def remind(invitation: SurveyInvitation) -> None:
    """The in-app notice is the reminder count on the invitation; e-mail too where there is an address."""
    user = db.session.get(User, invitation.user_id)
    if not user.email or not mail_configured():
        return
    survey = invitation.wave.survey
    language = user.locale or DEFAULT_LANGUAGE
    with force_locale(language), current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        title = pick_string(survey.translations, language, survey.source_language, "title")
        link = url_for("surveys.consent", invitation_id=invitation.id, _external=True)
        subject = _("A short survey is waiting for you: %(title)s", title=title)
        body = "\n\n".join([
            _("Hello %(name)s,", name=user.display_name),
            _("The survey “%(title)s” is waiting for you. It takes a few minutes, and your answers show "
              "whether the training changes things at work.", title=title),
            link,
            _("You can decline it on the same page; then you will not be reminded again."),
        ])
    try:
        send_mail(user.email, subject, body)
    except (smtplib.SMTPException, OSError) as error:
        # Already counted: a member is never sent the same reminder twice, even if this one is lost.
        # Neither the invitation (it would date a member's survey) nor the server's answer (it quotes the address).
        log.warning("a reminder e-mail was not sent: %s", type(error).__name__)


def release_answers(today: date | None = None, minimum: int = RELEASE_BATCH) -> int:
    """Publish now every batch of at least ``minimum`` answers waiting in the pool, without waiting for a
    checkpoint: the operator's ``flask jobs run-once release-answers``, the demo's and the tests' release. It
    counts as this checkpoint's release of every open wave, and carries out every pending withdrawal.
    ``minimum`` below RELEASE_BATCH: tests only."""
    today = today or clock.today()
    pool.claim_releases(today, today)
    db.session.commit()
    return publish_batches(pool.waiting_batches(), today, minimum, withdrawals_due_by=None)


def release_at_checkpoints(today: date | None = None) -> int:
    """The scheduler's release-answers job: an open wave's batches of at least RELEASE_BATCH are published at the
    first run after each checkpoint (every RELEASE_EVERY_DAYS days), a closed wave's at every run (answers
    imported late). Smaller batches, and answers given after their wave's release, wait for the next checkpoint.
    Withdrawals are carried out at the first run on or after the checkpoint they wait for, with its release.

    Two runners at once: whichever marks a wave released publishes its batches; of a closed wave's batch,
    whichever deletes its rows first."""
    today = today or clock.today()
    checkpoint = pool.last_checkpoint(today, current_app.config["RELEASE_EVERY_DAYS"])
    due = pool.claim_releases(checkpoint, today)
    db.session.commit()  # the claim first: a run that fails after it waits for the next checkpoint
    due |= pool.closed_waves(today)
    released = publish_batches([(b, n) for b, n in pool.waiting_batches() if b.wave_id in due], today, RELEASE_BATCH,
                               withdrawals_due_by=today)
    # Old versions of pool rows that a clean-up after a release or withdrawal could not remove (another
    # transaction still saw them) go now: the pool is small.
    storage.clean(db.engine, storage.POOL)
    return released


def publish_batches(batches: list[tuple[pool.Batch, int]], today: date, minimum: int,
                    withdrawals_due_by: date | None) -> int:
    """Publish each batch of at least ``minimum`` answers, each in one transaction, shuffled and dated today;
    carry out the pending withdrawals due by ``withdrawals_due_by`` (every one if None) in the first of those
    transactions, or in the last one when no batch is published; then delete, unpublished, the batches that can
    no longer grow that far; how many answers were published.

    Of two runners releasing a batch at once, whichever deletes its rows first publishes it; the other takes
    fewer than ``minimum`` (or none), rolls back and publishes nothing. Likewise of a withdrawal request."""
    released = 0
    withdrawals_done = False
    for batch, count in batches:
        if count < minimum:
            continue
        try:
            if not withdrawals_done:
                withdrawal.carry_out(withdrawals_due_by)
            released += pool.release_batch(batch, today, minimum)
        except pool.BatchTooSmall:
            db.session.rollback()  # taken by another runner: never published twice, nor under the minimum
            continue
        except BaseException:
            db.session.rollback()  # a seal that does not open (another key): the answers stay in the pool
            raise
        db.session.commit()
        withdrawals_done = True
    try:
        if not withdrawals_done:
            withdrawal.carry_out(withdrawals_due_by)
        discarded = pool.discard_stale(today, minimum)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    if discarded:
        log.info("release-answers: %d waiting answers discarded, their batch can no longer reach %d", discarded,
                 minimum)
    return released


def purge_inactive_accounts(now: datetime | None = None) -> int:
    """Erase accounts unused for RETENTION_INACTIVE_DAYS (0: never); erased accounts are not found again."""
    from lms.privacy.services import purge_inactive

    erased = purge_inactive(now or utcnow(), current_app.config["RETENTION_INACTIVE_DAYS"])
    db.session.commit()
    return len(erased)


#: Job name -> the scheduler's function.
JOBS = {"open-waves": open_waves, "send-reminders": send_reminders, "release-answers": release_at_checkpoints,
        "purge-inactive": purge_inactive_accounts}
#: What ``flask jobs run-once NAME`` runs: the same, except that the operator's release publishes at once.
RUN_ONCE = {**JOBS, "release-answers": release_answers}


def run_job(app: Flask, name: str, jobs: dict = JOBS) -> int:
    """Run one job in its own app context (as the scheduler does)."""
    with app.app_context():
        try:
            done = jobs[name]()
            log.info("%s: %d done", name, done)
            return done
        finally:
            db.session.remove()


def run_scheduler(app: Flask) -> None:
    """The single scheduler process: every job now, then every JOBS_INTERVAL_MINUTES. Blocks."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    minutes = app.config["JOBS_INTERVAL_MINUTES"]
    for name in JOBS:
        scheduler.add_job(run_job, "interval", args=(app, name), id=name, minutes=minutes, coalesce=True,
                          max_instances=1, next_run_time=utcnow())
    scheduler.start()
