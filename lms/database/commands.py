"""The `flask backup` and `flask restore` commands."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from lms.extensions import db

ROOT = Path(__file__).resolve().parent.parent.parent


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(file: Path) -> None:
    """Write a backup of the portal's data (the database, uploaded images included) to FILE."""
    from lms.database import backup as backups

    try:
        kind = backups.backup(db.engine.url, file)
    except backups.BackupError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(f"Wrote {file} ({kind}, {file.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the data without asking.")
@with_appcontext
def restore(file: Path, yes: bool) -> None:
    """Replace ALL the portal's data with the backup FILE, all or nothing (stop lms-web and lms-jobs first)."""
    from alembic.script import ScriptDirectory

    from lms.database import backup as backups

    url = db.engine.url
    try:
        revision = backups.check_backup(url, file)
    except backups.BackupError as error:
        click.echo(str(error), err=True)
        click.echo("Nothing was restored.", err=True)
        sys.exit(1)
    migrations = ScriptDirectory(str(ROOT / "migrations"))
    if revision not in {script.revision for script in migrations.walk_revisions()}:
        click.echo(f"{file} was made by a newer version of the portal (migration {revision} is unknown here): "
                   "update the portal first. Nothing was restored.", err=True)
        sys.exit(1)
    if not yes and not click.confirm(f"Replace all the data in {url.render_as_string(hide_password=True)} "
                                     f"with {file}?"):
        click.echo("Nothing was restored.", err=True)
        sys.exit(1)
    db.session.remove()
    db.engine.dispose()
    try:
        backups.restore(url, file)
    except backups.BackupError as error:
        click.echo(str(error), err=True)
        click.echo("Nothing was restored.", err=True)
        sys.exit(1)
    click.echo(f"Restored {file} (migration {revision}).")
    if revision != migrations.get_current_head():
        click.echo("The backup was made by an older version of the portal: run `flask --app wsgi db upgrade` now.")
