"""The `flask jobs` commands: run the scheduler, or one job now."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

jobs = AppGroup("jobs", help="Scheduled jobs: survey waves, reminders, survey answers released in batches, SMS, "
                            "report summaries.")


@jobs.command("run")
def jobs_run() -> None:
    """Run the scheduler in this process (exactly one such process per installation)."""
    import logging

    from lms.jobs import JOBS, run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"Scheduler started: {', '.join(JOBS)} every {current_app.config['JOBS_INTERVAL_MINUTES']} min.")
    run_scheduler(current_app._get_current_object())


@jobs.command("run-once")
@click.argument("name")
def jobs_run_once(name: str) -> None:
    """Run the job NAME now (open-waves, send-reminders, release-answers, purge-inactive, send-sms, add-up-answers,
    report-summaries); release-answers publishes every batch of 5 or more at once, without waiting for the next
    checkpoint."""
    from lms.jobs import RUN_ONCE, run_job

    if name not in RUN_ONCE:
        click.echo(f"No job called {name!r}. Jobs: {', '.join(RUN_ONCE)}", err=True)
        sys.exit(1)
    done = run_job(current_app._get_current_object(), name, RUN_ONCE)
    click.echo(f"{name}: {done} done.")
