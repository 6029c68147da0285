"""The `flask reports` commands: the donor's IATI file, the xAPI learning records, the figures' summaries."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from lms import clock
from lms.extensions import db

reports = AppGroup("reports", help="Reports for the donor.")


@reports.command("iati")
@click.option("--activity", "activity_id", required=True, help="The IATI identifier of the activity.")
@click.option("--year", type=int, help="The year reported (default: last year).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def reports_iati(activity_id: str, year: int | None, out: Path) -> None:
    """Write the activity's results as an IATI 2.03 iati-activities file."""

    from lms.reports.iati import IATIError, activity_file
    from lms.reports.iati_settings import BadSettings

    try:
        data = activity_file(activity_id, year or clock.today().year - 1)
    except BadSettings as error:
        click.echo("The IATI settings are wrong (docs/reports.md, \"IATI\"):", err=True)
        for problem in error.problems:
            click.echo(f"- {problem}", err=True)
        sys.exit(1)
    except IATIError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    out.write_bytes(data)
    click.echo(f"Wrote {out}")


@reports.command("summaries")
@click.option("--most", type=int, help="Build at most this many summaries.")
@click.option("--all", "every", is_flag=True,
              help="Build every summary again, current or not (after writes that skipped the database's triggers).")
@with_appcontext
def reports_summaries(most: int | None, every: bool) -> None:
    """Build the summaries of the ended periods that are missing or out of date (the scheduler does it too)."""
    import time

    from lms.reports.summaries import outdate_all, refresh

    started = time.perf_counter()
    if every:
        outdate_all()
    built = refresh(most=most)
    click.echo(f"Built {built} report summaries in {time.perf_counter() - started:.1f} s.")


@reports.command("xapi")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only records from this day on.")
@with_appcontext
def reports_xapi(out: Path, since) -> None:
    """Write the learning records as xAPI 1.0.3 statements (JSON), and note it in the audit log."""
    import json

    from lms.core import audit
    from lms.reports.xapi import is_local_address, statements

    if is_local_address(current_app.config["PUBLIC_URL"]):
        click.echo(f"PUBLIC_URL is {current_app.config['PUBLIC_URL']}, an address of this machine: xAPI actors and "
                   "activities are named under the portal's public address. Set PUBLIC_URL to it (https://...) "
                   "and run again.", err=True)
        sys.exit(1)
    found = statements(since.date() if since else None)
    out.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    audit.record("export xapi", {"since": since.date().isoformat() if since else None, "statements": len(found),
                                 "file": str(out)})
    db.session.commit()
    click.echo(f"Wrote {len(found)} statements to {out}")
