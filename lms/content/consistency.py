"""A translation keeps what its source has: link targets, placeholders and quiz choices."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from flask_babel import gettext as _

from lms.content.bundle import CourseBundle, Page, Problem, lesson_file_name
from lms.content.structure import line_of

#: Inline Markdown links and images: [text](target) and ![alt](target).
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")
#: Python-format placeholders a text may carry, such as %(name)s.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def check_translations(folder: Path, bundle: CourseBundle) -> list[Problem]:
    """Problems of every translation of ``bundle`` against its source language."""
    problems: list[Problem] = []
    source = bundle.languages[bundle.source_language]
    for language, texts in sorted(bundle.languages.items()):
        if language == bundle.source_language:
            continue
        # An outdated translation is not shown (the source is, with a note): only current ones must agree.
        # A page whose source could not be read is not compared (the source's problem is reported).
        if texts.index is not None and source.index is not None and texts.index.source == source.index.checksum:
            problems += _compare_pages(folder / language / "index.md", source.index, texts.index)
        for number, lesson_id in enumerate(bundle.lesson_ids, start=1):
            page, original = texts.lessons.get(lesson_id), source.lessons.get(lesson_id)
            if page is not None and original is not None and page.source == original.checksum:
                problems += _compare_pages(folder / language / lesson_file_name(number, lesson_id), original, page)
        problems += _compare_quiz_texts(folder / language / "modules.toml", bundle, language)
    return problems


def differences(source_title: str, source_body: str, title: str, body: str) -> list[str]:
    """What a translation lacks or adds that its source has (links, images, placeholders), checked on saving it
    as on importing it, so that every course the portal writes can be imported again."""
    return [p.reason for p in _compare_pages(Path(""), Page(source_title, source_body), Page(title, body))]


def _compare_pages(path: Path, source: Page, translation: Page) -> list[Problem]:
    problems = []
    for pattern, extra, missing in (
        (LINK, _("The link \"%(item)s\" is not in the source text."),
         _("The link \"%(item)s\" of the source text is missing.")),
        (PLACEHOLDER, _("The placeholder \"%(item)s\" is not in the source text."),
         _("The placeholder \"%(item)s\" of the source text is missing.")),
    ):
        wanted = Counter(pattern.findall(source.body) + pattern.findall(source.title))
        found = Counter(pattern.findall(translation.body) + pattern.findall(translation.title))
        for item in sorted((found - wanted).elements()):
            problems.append(Problem(str(path), _body_line(translation, item), extra % {"item": item}))
        for item in sorted((wanted - found).elements()):
            problems.append(Problem(str(path), translation.body_line, missing % {"item": item}))
    return problems


def _compare_quiz_texts(path: Path, bundle: CourseBundle, language: str) -> list[Problem]:
    """A translated question gives texts for all of its choices, or for none."""
    problems = []
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    modules = bundle.languages[language].modules
    for module in bundle.modules:
        for question in module.questions:
            translated = modules.get(module.id)
            question_text = translated.questions.get(question.id) if translated else None
            if question_text is None:
                continue
            given = [c for c in question.choices if question_text.choices.get(c) and question_text.choices[c].text]
            if given and len(given) != len(question.choices):
                problems.append(Problem(str(path), line_of(text, f'"{question.id}"'), _(
                    "Question \"%(id)s\" has %(n)d choices but %(given)d are translated.",
                    id=question.id, n=len(question.choices), given=len(given))))
    return problems


def _body_line(page: Page, needle: str) -> int:
    position = page.body.find(needle)
    return page.body_line + page.body[:position].count("\n") if position >= 0 else page.body_line
