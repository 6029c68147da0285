"""How far each translation of a course has come: lessons translated, outdated and missing."""
from __future__ import annotations

from dataclasses import dataclass

from lms.content.bundle import CourseBundle, LanguageTexts


@dataclass
class Coverage:
    course: str
    language: str
    translated: int
    outdated: int
    missing: int
    #: Module titles, quiz prompts, choice texts and feedback with no text in this language.
    quiz_texts_missing: int
    #: The course's title, summary and introduction (index.md) are out of date.
    index_outdated: bool

    @property
    def complete(self) -> bool:
        return not (self.outdated or self.missing or self.quiz_texts_missing or self.index_outdated)

    def __str__(self) -> str:
        line = (f"{self.course}\t{self.language}\tlessons: {self.translated} translated, "
                f"{self.outdated} outdated, {self.missing} missing; quiz texts missing: {self.quiz_texts_missing}")
        return line + ("; course page outdated" if self.index_outdated else "")


def coverage(bundle: CourseBundle) -> list[Coverage]:
    """One line per translation (the source language is complete by definition)."""
    source = bundle.languages[bundle.source_language]
    result = []
    for language, texts in sorted(bundle.languages.items()):
        if language == bundle.source_language:
            continue
        translated = outdated = missing = 0
        for lesson_id in bundle.lesson_ids:
            page = texts.lessons.get(lesson_id)
            if page is None:
                missing += 1
            elif page.source != source.lessons[lesson_id].checksum:
                outdated += 1
            else:
                translated += 1
        page_outdated = texts.index is None or texts.index.source != source.index.checksum
        result.append(Coverage(bundle.slug, language, translated, outdated, missing,
                               _quiz_texts_missing(bundle, texts), page_outdated))
    return result


def _quiz_texts_missing(bundle: CourseBundle, texts: LanguageTexts) -> int:
    missing = 0
    for module in bundle.modules:
        module_text = texts.modules.get(module.id)
        missing += 0 if module_text and module_text.title else 1
        for question in module.questions:
            question_text = module_text.questions.get(question.id) if module_text else None
            missing += 0 if question_text and question_text.prompt else 1
            for choice in question.choices:
                choice_text = question_text.choices.get(choice) if question_text else None
                missing += (0 if choice_text and choice_text.text else 1) + (
                    0 if choice_text and choice_text.feedback else 1)
    return missing
