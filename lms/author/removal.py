"""Undoing authoring: deleting lessons, modules and questions, archiving and deleting courses.

Members' history is never touched: a deleted lesson or module is retired (its row stays, hidden from the
course, so lessons done, quiz attempts, versions and certificates keep pointing at it and still count), and
a course is deleted only while nobody has anything on it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from lms import clock
from lms.extensions import db
from lms.models import (
    Certificate,
    Course,
    CourseEditor,
    Enrolment,
    Image,
    Lesson,
    LessonCompletion,
    LessonVersion,
    Module,
    Question,
    QuizAttempt,
    SurveyWave,
    TrainingGroup,
)


@dataclass
class WhatGoes:
    """What a deletion takes with it, counted for the confirmation page (zero counts are not shown)."""

    modules: int = 0
    lessons: int = 0
    questions: int = 0
    #: Texts in a language other than the course's own (course page, titles, lessons, quiz texts).
    translations: int = 0
    versions: int = 0
    images: int = 0
    #: Members who did some of it: what they did stays, and still counts.
    learners: int = 0


def _lesson_translations(course: Course, lessons: list[Lesson]) -> int:
    return sum(1 for lesson in lessons for t in lesson.translations if t.language != course.source_language)


def _question_translations(course: Course, questions: list[Question]) -> int:
    return sum(1 for q in questions for t in q.translations if t.language != course.source_language)


def _learners(lessons: list[Lesson], modules: list[Module]) -> int:
    done = select(LessonCompletion.user_id).where(LessonCompletion.lesson_id.in_([x.id for x in lessons]))
    tried = select(QuizAttempt.user_id).where(QuizAttempt.module_id.in_([m.id for m in modules]))
    return db.session.scalar(select(func.count()).select_from(done.union(tried).subquery())) or 0


def _versions(lessons: list[Lesson]) -> int:
    return db.session.scalar(select(func.count(LessonVersion.id)).where(
        LessonVersion.lesson_id.in_([x.id for x in lessons]))) or 0


def what_goes_with_lesson(course: Course, lesson: Lesson) -> WhatGoes:
    return WhatGoes(translations=_lesson_translations(course, [lesson]), versions=_versions([lesson]),
                    learners=_learners([lesson], []))


def what_goes_with_module(course: Course, module: Module) -> WhatGoes:
    translations = (sum(1 for t in module.translations if t.language != course.source_language)
                    + _lesson_translations(course, module.lessons)
                    + _question_translations(course, module.questions))
    return WhatGoes(lessons=len(module.lessons), questions=len(module.questions), translations=translations,
                    versions=_versions(module.lessons), learners=_learners(module.lessons, [module]))


def what_goes_with_question(course: Course, question: Question) -> WhatGoes:
    return WhatGoes(translations=_question_translations(course, [question]))


def what_goes_with_course(course: Course) -> WhatGoes:
    modules = course.modules
    translations = sum(what_goes_with_module(course, m).translations for m in modules) + sum(
        1 for t in course.translations if t.language != course.source_language)
    images = db.session.scalar(select(func.count(Image.id)).where(Image.course_id == course.id)) or 0
    return WhatGoes(modules=len(modules), lessons=len(course.lessons),
                    questions=sum(len(m.questions) for m in modules), translations=translations,
                    versions=_versions(course.lessons), images=images)


def delete_lesson(lesson: Lesson) -> None:
    """Retire a lesson: gone from the course and its files; lessons done and versions stay."""
    module = lesson.module
    lesson.retired_at = clock.utcnow()
    _renumber([x for x in module.lessons if x is not lesson])
    db.session.flush()
    db.session.expire(module, ["lessons"])


def delete_module(module: Module) -> None:
    """Retire a module with its lessons and quiz; quiz attempts and lessons done stay."""
    course = module.course
    now = clock.utcnow()
    for lesson in module.lessons:
        lesson.retired_at = now
    module.retired_at = now
    _renumber([m for m in course.modules if m is not module])
    db.session.flush()
    db.session.expire(module, ["lessons"])
    db.session.expire(course, ["modules"])


def move_question(module: Module, question: Question, offset: int) -> None:
    """Move a question up (-1) or down (+1) in its quiz."""
    ordered = list(module.questions)
    index = ordered.index(question)
    target = min(max(index + offset, 0), len(ordered) - 1)
    ordered.insert(target, ordered.pop(index))
    _renumber(ordered)
    db.session.flush()
    module.questions.sort(key=lambda q: q.position)


def set_archived(course: Course, archived: bool) -> None:
    """Archive (out of the catalogue and of new groups) or bring back a course."""
    if archived and course.archived_at is None:
        course.archived_at = clock.utcnow()
    elif not archived:
        course.archived_at = None
    db.session.flush()


def has_history(course: Course) -> bool:
    """Whether anyone has progress, a group, a certificate or a survey wave on the course."""
    lesson_ids = select(Lesson.id).where(Lesson.course_id == course.id)
    module_ids = select(Module.id).where(Module.course_id == course.id)
    checks = (
        select(Enrolment.id).where(Enrolment.course_id == course.id),
        select(LessonCompletion.user_id).where(LessonCompletion.lesson_id.in_(lesson_ids)),
        select(QuizAttempt.id).where(QuizAttempt.module_id.in_(module_ids)),
        select(TrainingGroup.id).where(TrainingGroup.course_id == course.id),
        select(Certificate.id).where(Certificate.course_id == course.id),
        select(SurveyWave.id).where(SurveyWave.course_id == course.id),
    )
    return any(db.session.scalar(check.limit(1)) is not None for check in checks)


def delete_course(course: Course) -> bool:
    """Delete a course nobody has anything on, with all its content; False (nothing done) otherwise."""
    if has_history(course):
        return False
    lessons = list(db.session.scalars(select(Lesson).where(Lesson.course_id == course.id)))
    db.session.execute(delete(LessonVersion).where(LessonVersion.lesson_id.in_([x.id for x in lessons])))
    db.session.execute(delete(Image).where(Image.course_id == course.id))
    db.session.execute(delete(CourseEditor).where(CourseEditor.course_id == course.id))
    modules = list(db.session.scalars(select(Module).where(Module.course_id == course.id)))
    # Retired lessons and modules are in no collection of the course: deleted one by one, with their texts,
    # in one flush (each deletion loads what goes with it).
    with db.session.no_autoflush:
        for item in [*lessons, *modules, course]:
            db.session.delete(item)
    db.session.flush()
    return True


def _renumber(items: list) -> None:
    for position, item in enumerate(items):
        item.position = position
