"""The `flask surveys` commands: XLSForm in and out, responses collected with ODK or KoboToolbox."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from lms.extensions import db

surveys = AppGroup("surveys", help="Surveys: XLSForm in and out, responses from ODK or KoboToolbox.")


def _import_or_exit(run):
    """Run an import and commit it; on a problem, print it, write nothing and exit with status 1."""
    from lms.surveys.xlsform import XLSFormError

    try:
        result = run()
        db.session.commit()
        return result
    except XLSFormError as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)


@surveys.command("list")
@with_appcontext
def surveys_list() -> None:
    """Every survey with its code, privacy mode, published version and waves."""
    from lms.models import Survey

    for survey in db.session.scalars(select(Survey).order_by(Survey.code)):
        published = survey.published_version
        version = f"v{published.number}" if published else "draft"
        waves = ", ".join(f"{w.id}:{w.kind}" for w in survey.waves) or "no waves"
        click.echo(f"{survey.code}\t{survey.privacy}\t{version}\t{waves}")


@surveys.command("import-xlsform")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--privacy", type=click.Choice(["anonymous", "pseudonymous", "identified"]), default="anonymous",
              show_default=True)
@click.option("--workplace", is_flag=True, help="A survey of workers at workplaces (always anonymous).")
@with_appcontext
def surveys_import_xlsform(file: Path, privacy: str, workplace: bool) -> None:
    """Turn the XLSForm FILE into a survey, its first version published."""
    from lms.surveys.xlsform import import_xlsform

    with file.open("rb") as stream:
        survey = _import_or_exit(lambda: import_xlsform(stream, file.name, creator=None, privacy=privacy,
                                                        subject="workplace" if workplace else "participant"))
    click.echo(f"Imported survey {survey.code}: {len(survey.published_version.questions)} questions.")


@surveys.command("export-xlsform")
@click.argument("code")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def surveys_export_xlsform(code: str, out: Path) -> None:
    """Write the survey CODE as an XLSForm for ODK Collect or KoboToolbox."""
    from lms.models import Survey
    from lms.surveys.xlsform import export_xlsform

    survey = db.session.scalar(select(Survey).where(Survey.code == code))
    if survey is None:
        click.echo(f"No survey with the code {code!r}.", err=True)
        sys.exit(1)
    out.write_bytes(export_xlsform(survey).getvalue())
    click.echo(f"Wrote {out}")


@surveys.command("import-responses")
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wave", "wave_id", type=int, help="The wave the answers belong to (needed if the survey has several).")
@click.option("--country", default=None, help="For a course's wave: the country the answers count for (ISO code).")
@click.option("--new-rows", is_flag=True, help="The file has no id column: import each of its rows as a new response.")
@with_appcontext
def surveys_import_responses(code: str, file: Path, wave_id: int | None, country: str | None, new_rows: bool) -> None:
    """Import responses exported from KoboToolbox or ODK (XLSX or CSV with XLSForm names), all or nothing."""
    from lms.models import Survey
    from lms.surveys.response_import import import_responses
    from lms.surveys.results import RELEASE_BATCH

    survey = db.session.scalar(select(Survey).where(Survey.code == code))
    if survey is None:
        click.echo(f"No survey with the code {code!r}.", err=True)
        sys.exit(1)
    waves = [w for w in survey.waves if wave_id is None or w.id == wave_id]
    if len(waves) != 1:
        choices = ", ".join(f"{w.id} ({w.kind})" for w in survey.waves) or "none: add one first"
        click.echo(f"Choose the wave with --wave; the waves of {code} are: {choices}", err=True)
        sys.exit(1)
    with file.open("rb") as stream:
        result = _import_or_exit(lambda: import_responses(waves[0], stream, file.name, keyless=new_rows,
                                                          country=country.upper() if country else None))
    every = current_app.config["RELEASE_EVERY_DAYS"]
    click.echo(f"Imported {result.new} responses into wave {waves[0].id} of {code}; {result.known} were already "
               f"here. The scheduler's release-answers job adds them to the results in batches of at least "
               f"{RELEASE_BATCH}, at its first run after the next checkpoint (every {every} days), or at its next "
               f"run if the wave has closed.")
    for note in result.notes():
        click.echo(note)
