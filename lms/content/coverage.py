"""How far each translation of a course has come: its lessons, quiz texts and course page, each translated (and
reviewed), outdated or missing."""
from __future__ import annotations

from dataclasses import dataclass, field

from lms.content.bundle import CourseBundle, LanguageTexts

#: The states of one translated text (a lesson, a module's quiz texts, the course page), in the order shown.
STATES = ("missing", "outdated", "draft", "reviewed")


def translation_state(made_from: str | None, current: str | None, status: str | None, exists: bool = True) -> str:
    """A translation's state: "missing", "outdated" (made from another text than the ``current`` source, or from
    one nobody recorded), else its review status, "draft" or "reviewed"."""
    if not exists:
        return "missing"
    if made_from is None or made_from != current:
        return "outdated"
    return status or "draft"


@dataclass
class Tally:
    """Texts of one kind in one language: translated (up to date, of which some reviewed), outdated, missing."""

    translated: int = 0
    reviewed: int = 0
    outdated: int = 0
    missing: int = 0

    def add(self, state: str) -> None:
        if state in ("draft", "reviewed"):
            self.translated += 1
            self.reviewed += state == "reviewed"
        elif state == "outdated":
            self.outdated += 1
        else:
            self.missing += 1

    @property
    def draft(self) -> int:
        return self.translated - self.reviewed

    @property
    def complete(self) -> bool:
        return not (self.outdated or self.missing)

    def __str__(self) -> str:
        return f"{self.translated} translated, {self.outdated} outdated, {self.missing} missing, {self.draft} draft"


@dataclass
class Coverage:
    course: str
    language: str
    lessons: Tally = field(default_factory=Tally)
    #: One per module: its title and quiz texts, translated and reviewed as one.
    quiz: Tally = field(default_factory=Tally)
    #: Prompts, choice texts and feedback (and titles) left out of modules that are translated.
    quiz_texts_left_out: int = 0
    #: The state of the course page (index.md: title, summary, introduction), as in ``STATES``.
    page: str = "missing"

    @property
    def complete(self) -> bool:
        return (self.lessons.complete and self.quiz.complete and not self.quiz_texts_left_out
                and self.page not in ("missing", "outdated"))

    def __str__(self) -> str:
        return (f"{self.course}\t{self.language}\tlessons: {self.lessons}; quiz texts: {self.quiz}, "
                f"{self.quiz_texts_left_out} left out; course page: {self.page}")


def coverage(bundle: CourseBundle) -> list[Coverage]:
    """One line per translation (the source language is complete by definition)."""
    source = bundle.languages[bundle.source_language]
    result = []
    for language, texts in sorted(bundle.languages.items()):
        if language == bundle.source_language:
            continue
        line = Coverage(bundle.slug, language)
        for lesson_id in bundle.lesson_ids:
            page = texts.lessons.get(lesson_id)
            line.lessons.add(translation_state(page and page.source, source.lessons[lesson_id].checksum,
                                               page and page.status, page is not None))
        for module in bundle.modules:
            unit = texts.modules.get(module.id)
            line.quiz.add(translation_state(unit and unit.source, source.modules[module.id].checksum(module),
                                            unit and unit.status, unit is not None))
        line.quiz_texts_left_out = _quiz_texts_left_out(bundle, texts)
        line.page = translation_state(texts.index and texts.index.source, source.index.checksum,
                                      texts.index and texts.index.status, texts.index is not None)
        result.append(line)
    return result


def _quiz_texts_left_out(bundle: CourseBundle, texts: LanguageTexts) -> int:
    missing = 0
    for module in bundle.modules:
        module_text = texts.modules.get(module.id)
        if module_text is None:  # counted as a missing module
            continue
        missing += 0 if module_text.title else 1
        for question in module.questions:
            question_text = module_text.questions.get(question.id)
            missing += 0 if question_text and question_text.prompt else 1
            for choice in question.choices:
                choice_text = question_text.choices.get(choice) if question_text else None
                missing += (0 if choice_text and choice_text.text else 1) + (
                    0 if choice_text and choice_text.feedback else 1)
    return missing
