"""The `flask catalogues` commands: the interface's strings in every language (translations/).

Course content is translated in the portal (lms/translate/), not here.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

catalogues = AppGroup("catalogues", help="Interface translations: extract, update, compile, stats, init.")

ROOT = Path(__file__).resolve().parent.parent.parent


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


POT = str(ROOT / "translations" / "messages.pot")
TRANSLATIONS = str(ROOT / "translations")


@catalogues.command("extract")
def catalogues_extract() -> None:
    """Collect the interface's strings into translations/messages.pot."""
    _pybabel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "N_plural:1,2", "--no-location",
             "--sort-output", "--project", "lms", "-o", POT, str(ROOT / "lms"))


@catalogues.command("update")
def catalogues_update() -> None:
    """Extract, then merge new strings into every language's messages.po."""
    catalogues_extract.callback()
    _pybabel("update", "-i", POT, "-d", TRANSLATIONS, "--no-fuzzy-matching", "--ignore-obsolete")


@catalogues.command("compile")
def catalogues_compile() -> None:
    """Compile every messages.po into the messages.mo the portal reads."""
    _pybabel("compile", "-d", TRANSLATIONS, "--statistics")


@catalogues.command("stats")
def catalogues_stats() -> None:
    """Share of translated messages per interface language; exit 1 if one is below 100%."""
    from lms.i18n import UI_LANGUAGES
    from lms.i18n.catalogues import catalogue_stats

    below = []
    for stats in catalogue_stats(Path(TRANSLATIONS), [lang for lang in UI_LANGUAGES if lang != "en"]):
        click.echo(str(stats))
        if stats.translated < stats.total:
            below.append(stats.language)
    if below:
        click.echo(f"Below 100%: {', '.join(below)}", err=True)
        sys.exit(1)


@catalogues.command("init")
@click.argument("language")
def catalogues_init(language: str) -> None:
    """Start a catalogue for a new LANGUAGE."""
    _pybabel("init", "-i", POT, "-d", TRANSLATIONS, "-l", language)
