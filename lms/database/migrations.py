"""Alembic's migrations through Flask-Migrate, loaded only where they run: the ``flask db`` commands, the tests and
the benchmarks. A web worker never imports Alembic, 8 to 10 MB of the 150 a worker may take (docs/reach.md)."""
from __future__ import annotations

import click
from flask import Flask, current_app


class Commands(click.Group):
    """``flask db``: Flask-Migrate's group, loaded when the command runs (the flask command has pushed the app's
    context by then), which then parses the options and runs the command itself."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra) -> click.Context:
        enable(current_app)
        from flask_migrate.cli import db

        return db.make_context(info_name, args, parent=parent, **extra)


def register(app: Flask) -> None:
    app.cli.add_command(Commands("db", help="Perform database migrations."))


def enable(app: Flask) -> None:
    """Flask-Migrate bound to ``app``, once: what its commands and functions read (``app.extensions["migrate"]``)."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    from lms.extensions import db

    Migrate(app, db, render_as_batch=True)  # it registers its own ``db`` group in place of ours: the same commands


def upgrade(**options) -> None:
    """Flask-Migrate's ``upgrade`` for the current app (``directory``, ``revision``...)."""
    enable(current_app)
    from flask_migrate import upgrade as upgraded

    upgraded(**options)


def downgrade(**options) -> None:
    """Flask-Migrate's ``downgrade`` for the current app."""
    enable(current_app)
    from flask_migrate import downgrade as downgraded

    downgraded(**options)
