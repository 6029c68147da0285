"""The `flask demo` command."""
from __future__ import annotations

import secrets
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.extensions import db


@click.command("demo")
@click.option("--password", envvar="DEMO_PASSWORD", default=None,
              help="Password of the demo accounts (default: $DEMO_PASSWORD, else a generated one).")
@with_appcontext
def demo(password: str | None) -> None:
    """Create or refresh the demo accounts, enrolled so that every page has something to show."""
    from lms.demo.accounts import DemoRefused, create_demo_accounts

    generated = not password
    password = password or secrets.token_urlsafe(9)
    try:
        names = create_demo_accounts(password, app_env=current_app.config["APP_ENV"])
    except DemoRefused as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Demo accounts: {', '.join(names)}")
    click.echo(f"Password: {password}" + ("  (generated; set DEMO_PASSWORD to choose one)" if generated else ""))
