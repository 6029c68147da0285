"""Interface catalogues: all twelve complete, compiled, and passing Babel's placeholder checks."""
from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from lms.i18n import UI_LANGUAGES
from lms.i18n.catalogues import catalogue_stats
from tests.helpers import ROOT

TRANSLATED = [lang for lang in UI_LANGUAGES if lang != "en"]


def test_the_interface_speaks_twelve_languages():
    assert set(UI_LANGUAGES) == {"en", "fr", "es", "pt", "nl", "id", "vi", "km", "my", "bn", "ar", "sw"}


def test_translate_stats_reports_every_language_at_100_percent(app):
    result = app.test_cli_runner().invoke(args=["catalogues", "stats"])
    assert result.exit_code == 0, result.output
    for language in TRANSLATED:
        assert f"{language}\t" in result.output and "100.0%" in result.output


def test_translate_stats_counts_missing_strings(tmp_path):
    (tmp_path / "messages.pot").write_text('msgid ""\nmsgstr ""\n\nmsgid "One"\nmsgstr ""\n\nmsgid "Two"\nmsgstr ""\n')
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n\nmsgid "One"\nmsgstr "Un"\n')
    [stats] = catalogue_stats(tmp_path, ["xx"])
    assert (stats.translated, stats.total, round(stats.percent)) == (1, 2, 50)


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_passes_babels_checks_and_is_compiled(app, language):
    path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as f:
        catalog = read_po(f, locale=language)
    errors = [(message.id, [str(e) for e in errs]) for message, errs in catalog.check()]
    assert errors == []
    assert path.with_suffix(".mo").exists()  # compiled by the app fixture, as `make test` does
