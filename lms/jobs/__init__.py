"""The scheduler: which job runs, how often, in its own app context. Started only by ``flask jobs run``.

A job is either a feature's function that commits its own work, batch by batch (``send_reminders`` in
lms/surveys/reminders.py, the releases of lms/surveys/releases.py, ``send_due`` in lms/messaging/delivery.py),
or a short function here that calls a feature's service and commits it (``open_waves``,
``purge_inactive_accounts``). ``refresh`` of lms/reports/summaries.py builds the reports' summaries that are due,
each in its own transaction.

Every job is idempotent through the database: a reminder or an SMS is claimed with a conditional UPDATE and
sent only by the runner whose UPDATE changed the row, so two scheduler processes, a restart or a
retry never send it twice; a wave's answers are released at a checkpoint only by the runner whose UPDATE
marked it released, and a batch is published only by the runner whose DELETE took every one of its rows
from the pool.
"""
from __future__ import annotations

import logging
from datetime import date, datetime

from flask import Flask, current_app

from lms import clock
from lms.core import garbage
from lms.extensions import db
from lms.messaging.delivery import send_due
from lms.privacy.services import purge_inactive
from lms.reports.summaries import refresh as refresh_report_summaries
from lms.surveys.invitations import sync_invitations
from lms.surveys.kept_figures import add_up_waves
from lms.surveys.releases import release_answers, release_at_checkpoints
from lms.surveys.reminders import send_reminders

log = logging.getLogger(__name__)


def open_waves(today: date | None = None) -> int:
    """Invite members to every wave that has come due (baseline, endline, follow-up)."""
    created = sync_invitations(today or clock.today())
    db.session.commit()
    return created


def purge_inactive_accounts(now: datetime | None = None) -> int:
    """Erase accounts unused for RETENTION_INACTIVE_DAYS (0: never); erased accounts are not found again."""
    erased = purge_inactive(now or clock.utcnow(), current_app.config["RETENTION_INACTIVE_DAYS"])
    db.session.commit()
    return len(erased)


#: Job name -> the scheduler's function.
JOBS = {"open-waves": open_waves, "send-reminders": send_reminders, "release-answers": release_at_checkpoints,
        "purge-inactive": purge_inactive_accounts, "send-sms": send_due, "add-up-answers": add_up_waves,
        "report-summaries": refresh_report_summaries}
#: Jobs that run every minute instead of every JOBS_INTERVAL_MINUTES: the SMS queue, so that a message queued by
#: another job goes soon and a retry's back-off (1, 5, 15 minutes: lms/messaging/delivery.py) holds.
EVERY_MINUTE = ("send-sms",)
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
            garbage.collect_if_due()


def run_scheduler(app: Flask) -> None:
    """The single scheduler process: every job now, then every JOBS_INTERVAL_MINUTES. Blocks."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    garbage.take_over()  # collected after each job, never in the middle of one (lms/core/garbage.py)
    scheduler = BlockingScheduler(timezone="UTC")
    minutes = app.config["JOBS_INTERVAL_MINUTES"]
    for name in JOBS:
        scheduler.add_job(run_job, "interval", args=(app, name), id=name,
                          minutes=1 if name in EVERY_MINUTE else minutes, coalesce=True,
                          max_instances=1, next_run_time=clock.utcnow())
    scheduler.start()
