"""Course bundles into the database and back: the import and export services."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select

from lms.content.bundle import (
    ChoiceText,
    CourseBundle,
    LanguageTexts,
    ModuleSpec,
    ModuleText,
    Page,
    QuestionSpec,
    QuestionText,
)
from lms.content.markdown import render_markdown
from lms.extensions import db
from lms.models import (
    Choice,
    ChoiceTranslation,
    Course,
    CourseTopic,
    CourseTranslation,
    Lesson,
    LessonTranslation,
    LessonVersion,
    Module,
    ModuleTranslation,
    Question,
    QuestionTranslation,
)


@dataclass
class ImportReport:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


def import_bundles(bundles: Iterable[CourseBundle]) -> ImportReport:
    """Create or update each course to match its bundle; flushes, the caller commits."""
    report = ImportReport([], [], [])
    for bundle in bundles:
        course = db.session.scalar(select(Course).where(Course.slug == bundle.slug))
        is_new = course is None
        if course is None:
            course = Course(slug=bundle.slug)
            db.session.add(course)
        changed = _sync_course(course, bundle)
        db.session.flush()
        (report.created if is_new else report.updated if changed else report.unchanged).append(bundle.slug)
    return report


def _sync_course(course: Course, bundle: CourseBundle) -> bool:
    changed = _assign(course, source_language=bundle.source_language, published=bundle.published)
    if [t.topic for t in course.topics] != bundle.topics:
        course.topics = [CourseTopic(topic=topic, position=n) for n, topic in enumerate(bundle.topics)]
        changed = True
    rows = {t.language: t for t in course.translations}
    for language, texts in bundle.languages.items():
        page = texts.index
        row = rows.get(language) or _new(course.translations, CourseTranslation, language=language)
        if row.intro_md != page.body:
            row.intro_html = render_markdown(page.body)
        changed |= _assign(row, title=page.title, summary=page.summary, intro_md=page.body,
                           checksum=page.checksum, **_review(page, language, bundle))
    changed |= _remove_missing(course.translations, lambda t: t.language not in bundle.languages)

    modules = {m.slug: m for m in course.modules}
    lessons = {lesson.slug: lesson for module in course.modules for lesson in module.lessons}
    for position, spec in enumerate(bundle.modules):
        module = modules.get(spec.id) or _new(course.modules, Module, slug=spec.id)
        changed |= _assign(module, position=position, pass_mark=spec.pass_mark)
        changed |= _sync_module_texts(module, spec, bundle)
        for lesson_position, lesson_id in enumerate(spec.lessons):
            lesson = lessons.get(lesson_id)
            if lesson is None:
                lesson = lessons[lesson_id] = Lesson(slug=lesson_id, course=course)
                db.session.add(lesson)
            changed |= _assign(lesson, module=module, position=lesson_position)
            changed |= _sync_lesson_texts(lesson, lesson_id, bundle)
    wanted_lessons = set(bundle.lesson_ids)
    for module in course.modules:
        changed |= _remove_missing(module.lessons, lambda lesson: lesson.slug not in wanted_lessons)
    wanted_modules = {spec.id for spec in bundle.modules}
    changed |= _remove_missing(course.modules, lambda m: m.slug not in wanted_modules)
    return changed


def _sync_lesson_texts(lesson: Lesson, lesson_id: str, bundle: CourseBundle) -> bool:
    changed = False
    rows = {t.language: t for t in lesson.translations}
    languages = {lang for lang, texts in bundle.languages.items() if lesson_id in texts.lessons}
    for language in sorted(languages):
        page = bundle.languages[language].lessons[lesson_id]
        row = rows.get(language) or _new(lesson.translations, LessonTranslation, language=language, version=0)
        if row.body_md != page.body:
            row.body_html = render_markdown(page.body)
        if (row.title, row.body_md) != (page.title, page.body):
            # Imported texts join the lesson's history like any save, without an author.
            row.version = (row.version or 0) + 1
            db.session.add(LessonVersion(lesson=lesson, language=language, number=row.version, title=page.title,
                                         body_md=page.body, author_id=None))
        changed |= _assign(row, title=page.title, body_md=page.body, checksum=page.checksum,
                           **_review(page, language, bundle))
    changed |= _remove_missing(lesson.translations, lambda t: t.language not in languages)
    return changed


def _sync_module_texts(module: Module, spec: ModuleSpec, bundle: CourseBundle) -> bool:
    changed = False
    titles = {lang: texts.modules[spec.id].title for lang, texts in bundle.languages.items()
              if spec.id in texts.modules and texts.modules[spec.id].title}
    changed |= _sync_rows(module.translations, ModuleTranslation, titles, "title")
    questions = {q.slug: q for q in module.questions}
    for position, question_spec in enumerate(spec.questions):
        question = questions.get(question_spec.id) or _new(module.questions, Question, slug=question_spec.id)
        changed |= _assign(question, position=position, kind=question_spec.kind)
        prompts = {lang: q.prompt for lang, q in _question_texts(bundle, spec.id, question_spec.id) if q.prompt}
        changed |= _sync_rows(question.translations, QuestionTranslation, prompts, "prompt")
        choices = {c.slug: c for c in question.choices}
        for choice_position, choice_id in enumerate(question_spec.choices):
            choice = choices.get(choice_id) or _new(question.choices, Choice, slug=choice_id)
            changed |= _assign(choice, position=choice_position, correct=choice_id in question_spec.correct)
            texts = {lang: q.choices[choice_id] for lang, q in _question_texts(bundle, spec.id, question_spec.id)
                     if choice_id in q.choices and q.choices[choice_id].text}
            changed |= _sync_choice_texts(choice, texts)
        wanted_choices = set(question_spec.choices)
        changed |= _remove_missing(question.choices, lambda c, wanted=wanted_choices: c.slug not in wanted)
    wanted = {q.id for q in spec.questions}
    changed |= _remove_missing(module.questions, lambda q: q.slug not in wanted)
    return changed


def _question_texts(bundle: CourseBundle, module_id: str, question_id: str) -> list[tuple[str, QuestionText]]:
    return [(lang, texts.modules[module_id].questions[question_id])
            for lang, texts in sorted(bundle.languages.items())
            if module_id in texts.modules and question_id in texts.modules[module_id].questions]


def _sync_choice_texts(choice: Choice, texts: dict[str, ChoiceText]) -> bool:
    changed = False
    rows = {t.language: t for t in choice.translations}
    for language, text in texts.items():
        row = rows.get(language) or _new(choice.translations, ChoiceTranslation, language=language)
        changed |= _assign(row, text=text.text, feedback=text.feedback or "")
    changed |= _remove_missing(choice.translations, lambda t: t.language not in texts)
    return changed


M = TypeVar("M")


def _sync_rows(collection: list, model: type, values: dict[str, str], field: str) -> bool:
    """Rows of one text field per language, matching ``values``."""
    changed = False
    rows = {t.language: t for t in collection}
    for language, value in values.items():
        row = rows.get(language) or _new(collection, model, language=language)
        changed |= _assign(row, **{field: value})
    changed |= _remove_missing(collection, lambda t: t.language not in values)
    return changed


def _review(page: Page, language: str, bundle: CourseBundle) -> dict[str, Any]:
    if language == bundle.source_language:
        return {"source_checksum": None, "review_status": None}
    return {"source_checksum": page.source, "review_status": page.status}


def _new(collection: list, model: type[M], **values: Any) -> M:
    row = model(**values)
    collection.append(row)
    return row


def _assign(obj: Any, **values: Any) -> bool:
    """Set only what differs, so that a second import writes nothing; True if anything did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _remove_missing(collection: list, is_missing) -> bool:
    gone = [row for row in collection if is_missing(row)]
    for row in gone:
        collection.remove(row)
    return bool(gone)


def export_bundle(course: Course) -> CourseBundle:
    """The course as a bundle, ready for ``writer.write_course``."""
    modules = [
        ModuleSpec(
            module.slug,
            [lesson.slug for lesson in module.lessons],
            module.pass_mark,
            [QuestionSpec(q.slug, q.kind, [c.slug for c in q.choices], [c.slug for c in q.choices if c.correct])
             for q in module.questions],
        )
        for module in course.modules
    ]
    bundle = CourseBundle(course.slug, course.source_language, [t.topic for t in course.topics],
                          course.published, modules)
    for row in course.translations:
        bundle.languages[row.language] = LanguageTexts(
            row.language, Page(row.title, row.intro_md, row.summary, row.source_checksum, row.review_status))
    for module in course.modules:
        for text in module.translations:
            _module_text(bundle, text.language, module.slug).title = text.title
        for lesson in module.lessons:
            for text in lesson.translations:
                bundle.languages[text.language].lessons[lesson.slug] = Page(
                    text.title, text.body_md, "", text.source_checksum, text.review_status)
        for question in module.questions:
            for qt in question.translations:
                _module_text(bundle, qt.language, module.slug).questions.setdefault(
                    question.slug, QuestionText()).prompt = qt.prompt
            for choice in question.choices:
                for ct in choice.translations:
                    question_text = _module_text(bundle, ct.language, module.slug).questions.setdefault(
                        question.slug, QuestionText())
                    question_text.choices[choice.slug] = ChoiceText(ct.text, ct.feedback or None)
    return bundle


def _module_text(bundle: CourseBundle, language: str, module_id: str) -> ModuleText:
    return bundle.languages[language].modules.setdefault(module_id, ModuleText())
