"""Finding what an authoring URL names, refusing what the trainer may not edit."""
from __future__ import annotations

from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from lms.author import services
from lms.content.consistency import differences
from lms.extensions import db
from lms.i18n import is_known_language
from lms.learn.services import find_course
from lms.models import Course, Lesson, LessonTranslation, Module, Question
from lms.permissions import can_edit_course


def editable_course(slug: str) -> Course:
    """The course, if the signed-in trainer may edit it (404 if unknown, 403 if not theirs)."""
    course = find_course(slug, include_unpublished=True)
    if course is None:
        abort(404)
    if not can_edit_course(current_user, course):
        abort(403)
    return course


def module_of(course: Course, slug: str) -> Module:
    return next((m for m in course.modules if m.slug == slug), None) or abort(404)


def lesson_of(course: Course, slug: str) -> Lesson:
    return next((lesson for lesson in course.lessons if lesson.slug == slug), None) or abort(404)


def question_of(module: Module, slug: str) -> Question:
    return next((q for q in module.questions if q.slug == slug), None) or abort(404)


def known_language(code: str) -> str:
    if not is_known_language(code):
        abort(404)
    return code


def translation_target(slug: str, language: str) -> Course:
    """The course to translate into ``language``: editable, and not its own source language."""
    course = editable_course(slug)
    if known_language(language) == course.source_language:
        abort(404)
    return course


def refused_differences(form, body, source_title: str, source_body: str) -> bool:
    """A translation (``form.title`` and the ``body`` field) that lacks or adds a link, image or placeholder of
    its source: the field says which."""
    problems = differences(source_title, source_body, form.title.data, body.data)
    body.errors = [*body.errors, *problems]
    return bool(problems)


def save_or_conflict(form, lesson: Lesson, language: str, **extra) -> LessonTranslation | None:
    """Save the form's text as a new version; on a lost update, say so, keep the text and return None."""
    try:
        return services.save_lesson_text(lesson, language, form.title.data, form.body.data,
                                         base_version=int(form.version.data or 0), author=current_user, **extra)
    except services.StaleEdit as stale:
        db.session.rollback()
        flash(_("Someone else saved this lesson while you were editing (version %(n)d). Your text is "
                "kept below: compare it with the history, then save again.", n=stale.current.version), "error")
        form.version.data = stale.current.version
        return None
