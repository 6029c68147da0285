"""Course bundles into the database and back: the import and export services."""
from __future__ import annotations

import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from PIL import Image as PILImage
from sqlalchemy import select

from lms import clock
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
    Image,
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
        _rename_images_of_other_courses(bundle, None if course is None else course.id)
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
    pages = {language: texts.index for language, texts in bundle.languages.items() if texts.index is not None}
    for language, page in pages.items():
        row = rows.get(language) or _new(course.translations, CourseTranslation, language=language)
        if row.intro_md != page.body:
            row.intro_html = render_markdown(page.body)
        changed |= _assign(row, title=page.title, summary=page.summary, intro_md=page.body,
                           checksum=page.checksum, **_review(page, language, bundle))
    changed |= _remove_missing(course.translations, lambda t: t.language not in pages)

    # Retired modules and lessons too: one named again in the files comes back, with its history.
    modules = {m.slug: m for m in _all_of(course, Module)}
    lessons = {lesson.slug: lesson for lesson in _all_of(course, Lesson)}
    for position, spec in enumerate(bundle.modules):
        module = modules.get(spec.id)
        if module is None:
            module = _new(course.modules, Module, slug=spec.id)
        elif module.retired_at is not None:
            module.retired_at = None
            course.modules.append(module)
            changed = True
        changed |= _assign(module, position=position, pass_mark=spec.pass_mark)
        changed |= _sync_module_texts(module, spec, bundle)
        for lesson_position, lesson_id in enumerate(spec.lessons):
            lesson = lessons.get(lesson_id)
            if lesson is None:
                lesson = lessons[lesson_id] = Lesson(slug=lesson_id, course=course)
                db.session.add(lesson)
            elif lesson.retired_at is not None:
                lesson.retired_at = None
                changed = True
            changed |= _assign(lesson, module=module, position=lesson_position)
            changed |= _sync_lesson_texts(lesson, lesson_id, bundle)
    # Left out of the files: retired, not deleted, so that members' progress and attempts keep their rows.
    now = clock.utcnow()
    wanted_lessons, wanted_modules = set(bundle.lesson_ids), {spec.id for spec in bundle.modules}
    for lesson in lessons.values():
        if lesson.slug not in wanted_lessons and lesson.retired_at is None:
            lesson.retired_at, changed = now, True
    for module in modules.values():
        if module.slug not in wanted_modules and module.retired_at is None:
            module.retired_at, changed = now, True
    db.session.flush()
    changed |= _sync_images(course, bundle.media)
    for module in modules.values():
        db.session.expire(module, ["lessons"])
    db.session.expire(course, ["modules"])
    return changed


def _rename_images_of_other_courses(bundle: CourseBundle, course_id: int | None) -> None:
    """An image whose name another course's image has (a course imported under a new slug) gets a new name,
    and the texts that show it say so; translations made from those texts still count as up to date."""
    taken = set(db.session.scalars(select(Image.name).where(
        Image.name.in_(list(bundle.media)), Image.course_id != course_id if course_id else sa.true())))
    if not taken:
        return
    renamed = {name: f"{secrets.token_urlsafe(12)}.webp" for name in sorted(taken)}
    for old, new in renamed.items():
        bundle.media[new] = bundle.media.pop(old)
    source = bundle.languages[bundle.source_language]
    pages = [(source.index, [t.index for t in bundle.languages.values()])] + [
        (source.lessons[lesson_id], [t.lessons.get(lesson_id) for t in bundle.languages.values()])
        for lesson_id in bundle.lesson_ids if lesson_id in source.lessons]
    for source_page, versions in pages:
        made_from = source_page.checksum
        for page in versions:
            if page is not None:
                for old, new in renamed.items():
                    page.body = page.body.replace(f"/media/{old}", f"/media/{new}")
        for page in versions:
            if page is not None and page is not source_page and page.source == made_from:
                page.source = source_page.checksum


def _all_of(course: Course, model: type[M]) -> list[M]:
    """Every module or lesson of the course, retired ones included."""
    if course.id is None:
        return []
    return list(db.session.scalars(select(model).where(model.course_id == course.id)))  # type: ignore[attr-defined]


def _sync_images(course: Course, media: dict[str, bytes]) -> bool:
    """Add the images the course does not have yet (images are never changed: a new one has a new name)."""
    have = set(db.session.scalars(select(Image.name).where(Image.course_id == course.id))) if course.id else set()
    added = False
    for name, data in media.items():
        if name not in have:
            with PILImage.open(io.BytesIO(data)) as picture:
                width, height = picture.size
            db.session.add(Image(course_id=course.id, name=name, content_type="image/webp", data=data, width=width,
                                 height=height))
            added = True
    return added


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
    units = {lang: texts.modules[spec.id] for lang, texts in bundle.languages.items() if spec.id in texts.modules}
    rows = {t.language: t for t in module.translations}
    for language, unit in units.items():
        row = rows.get(language) or _new(module.translations, ModuleTranslation, language=language)
        is_source = language == bundle.source_language
        changed |= _assign(row, title=unit.title, checksum=unit.checksum(spec),
                           source_checksum=None if is_source else unit.source,
                           review_status=None if is_source else unit.status)
    changed |= _remove_missing(module.translations, lambda t: t.language not in units)
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
            unit = _module_text(bundle, text.language, module.slug)
            unit.title, unit.source, unit.status = text.title, text.source_checksum, text.review_status
        for lesson in module.lessons:
            for text in lesson.translations:
                _language(bundle, text.language).lessons[lesson.slug] = Page(
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
    bundle.media = {image.name: image.data for image in db.session.scalars(
        select(Image).where(Image.course_id == course.id).order_by(Image.name))}
    return bundle


def _language(bundle: CourseBundle, language: str) -> LanguageTexts:
    """A language's texts; a language may have lessons or quiz texts before its course page (index None)."""
    return bundle.languages.setdefault(language, LanguageTexts(language, None))


def _module_text(bundle: CourseBundle, language: str, module_id: str) -> ModuleText:
    return _language(bundle, language).modules.setdefault(module_id, ModuleText())
