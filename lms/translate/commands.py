"""The `flask translate` commands: how far translation has come, course content and interface side by side."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

translate = AppGroup("translate", help="Translation progress: course content and the interface.")

TRANSLATIONS = Path(__file__).resolve().parent.parent.parent / "translations"


@translate.command("stats")
def translate_stats() -> None:
    """Per language: the interface catalogue's translated, fuzzy and missing shares, next to each course's
    lessons, quiz texts (a module's title and quiz, as one) and course page, as translated (up to date, of which
    reviewed), outdated and missing."""
    from lms.translate.progress import progress_table

    click.echo(progress_table(TRANSLATIONS))
