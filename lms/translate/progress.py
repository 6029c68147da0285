"""How far translation has come in each language: the interface catalogues and the courses, in one table."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from lms.author.services import translation_statuses
from lms.content.coverage import Tally
from lms.extensions import db
from lms.i18n import DEFAULT_LANGUAGE, UI_LANGUAGES
from lms.i18n.catalogues import CatalogueStats, catalogue_stats
from lms.models import Course

HEADER = ("language", "interface", "fuzzy", "missing", "course", "lessons t/r/o/m", "quiz texts t/r/o/m",
          "course page")
LEGEND = "t/r/o/m: translated (up to date), of which reviewed; outdated; missing."


def progress_table(translations: Path) -> str:
    """Plain text, one row per language and course, columns aligned; the interface's shares on a language's
    first row. A course's own language reads "source"; a language without a catalogue, "-"."""
    courses = list(db.session.scalars(select(Course).where(Course.archived_at.is_(None)).order_by(Course.slug)))
    translated_into = {language for course in courses for language in course.languages
                       if language != course.source_language}
    languages = sorted((set(UI_LANGUAGES) - {DEFAULT_LANGUAGE}) | translated_into)
    catalogued = [language for language in languages if language in UI_LANGUAGES and language != DEFAULT_LANGUAGE]
    catalogues = {stats.language: stats for stats in catalogue_stats(translations, catalogued)}
    rows = [HEADER]
    for language in languages:
        interface = _shares(catalogues.get(language))
        for n, course in enumerate(courses or [None]):
            rows.append((language if n == 0 else "", *(interface if n == 0 else ("", "", "")),
                         *_course_cells(course, language)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.rjust(width) if 1 <= i <= 3 else cell.ljust(width)
                       for i, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip() for row in rows]
    return "\n".join([*lines, "", LEGEND])


def _shares(stats: CatalogueStats | None) -> tuple[str, str, str]:
    """Translated, fuzzy and missing, as percentages of the catalogue's messages."""
    if stats is None:  # the interface's own language, or one it does not speak
        return "-", "-", "-"
    total = stats.total or 1
    missing = stats.total - stats.translated - stats.fuzzy
    return tuple(f"{100 * part / total:.1f}%" for part in (stats.translated, stats.fuzzy, missing))


def _course_cells(course: Course | None, language: str) -> tuple[str, str, str, str]:
    if course is None:
        return "-", "", "", ""
    if language == course.source_language:
        return course.slug, "source", "source", "source"
    overview = translation_statuses(course, language)
    return (course.slug, _counts(overview.tally(overview.lessons)), _counts(overview.tally(overview.modules)),
            overview.page)


def _counts(tally: Tally) -> str:
    return f"{tally.translated}/{tally.reviewed}/{tally.outdated}/{tally.missing}"
