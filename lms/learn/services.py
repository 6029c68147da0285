"""Taking courses: the catalogue, progress, lessons done, quizzes graded, courses completed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, CompoundSelect, Select, bindparam, false, select, true, union_all
from sqlalchemy.orm import selectinload

from lms import clock, signals
from lms.auth.session_store import SESSION_ACCOUNT
from lms.core.codes import readable_code
from lms.extensions import db
from lms.i18n import Localised, pick_text
from lms.learn import reading
from lms.models import (
    Certificate,
    ContentVersion,
    Course,
    CourseTopic,
    CourseTranslation,
    Enrolment,
    Lesson,
    LessonCompletion,
    Module,
    Question,
    QuizAttempt,
    User,
)


@dataclass(frozen=True)
class Step:
    """One thing to do in a course, in order: a lesson, or the quiz that closes a module."""

    module: Module
    lesson: Lesson | None = None

    @property
    def is_quiz(self) -> bool:
        return self.lesson is None


@dataclass
class CourseProgress:
    steps: list[Step]
    done_lessons: set[int] = field(default_factory=set)
    passed_modules: set[int] = field(default_factory=set)
    enrolment: Enrolment | None = None

    def is_done(self, step: Step) -> bool:
        if step.lesson is not None:
            return step.lesson.id in self.done_lessons
        return step.module.id in self.passed_modules

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if self.is_done(step))

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not self.is_done(step)), None)

    @property
    def completed_at(self) -> datetime | None:
        return self.enrolment.completed_at if self.enrolment else None


def catalogue(topic: str | None = None, language: str | None = None) -> list[Course]:
    """Published courses, not archived, optionally about ``topic`` and available in ``language``."""
    query = (select(Course).where(Course.published.is_(True), Course.archived_at.is_(None))
             .options(selectinload(Course.translations), selectinload(Course.topics))
             .order_by(Course.slug))
    if topic:
        query = query.where(Course.topics.any(CourseTopic.topic == topic))
    if language:
        query = query.where(Course.translations.any(CourseTranslation.language == language))
    return list(db.session.scalars(query))


def catalogue_languages() -> list[str]:
    """The languages some published course is available in."""
    query = (select(CourseTranslation.language).join(Course)
             .where(Course.published.is_(True), Course.archived_at.is_(None)).distinct())
    return sorted(db.session.scalars(query))


def find_course(slug: str, *, include_unpublished: bool = False) -> Course | None:
    query = select(Course).where(Course.slug == slug).options(
        selectinload(Course.translations),
        selectinload(Course.modules).selectinload(Module.lessons).selectinload(Lesson.translations),
        selectinload(Course.modules).selectinload(Module.translations),
        selectinload(Course.modules).selectinload(Module.questions),
    )
    if not include_unpublished:
        query = query.where(Course.published.is_(True))
    return db.session.scalar(query)


def course_steps(course: Course) -> list[Step]:
    steps = []
    for module in course.modules:
        steps.extend(Step(module, lesson) for lesson in module.lessons)
        if module.has_quiz:
            steps.append(Step(module))
    return steps


def progress(user_id: int | None, course: Course) -> CourseProgress:
    if user_id is None:
        return CourseProgress(course_steps(course))
    return progress_of_many([user_id], course)[user_id]


def progress_shown(user_id: int | None, course: Course) -> CourseProgress:
    """The member's steps done in ``course`` as a page shows them, in one query; the enrolment is not loaded
    (``completed_at`` is None): for pages that show progress, not for changing it."""
    steps = course_steps(course)
    if user_id is None:
        return CourseProgress(steps)
    return _steps_done([user_id], course, steps)[user_id]


def progress_of_many(user_ids: list[int], course: Course) -> dict[int, CourseProgress]:
    """Each member's progress in ``course``, in two queries however many members there are."""
    result = _steps_done(user_ids, course, course_steps(course))
    for enrolment in db.session.scalars(select(Enrolment).where(
            Enrolment.user_id.in_(user_ids), Enrolment.course_id == course.id)):
        result[enrolment.user_id].enrolment = enrolment
    return result


def _steps_done_in(course_id, member: ColumnElement | None = None) -> CompoundSelect:
    """Members' lessons done and quizzes passed in a course, as (member, is a lesson, lesson or module id): the
    members ``user_ids``, or the one ``member`` names."""
    def who(column):
        return column.in_(bindparam("user_ids", expanding=True)) if member is None else column == member

    return union_all(
        select(LessonCompletion.user_id, true().label("lesson"), LessonCompletion.lesson_id.label("id"))
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(who(LessonCompletion.user_id), Lesson.course_id == course_id),
        select(QuizAttempt.user_id, false().label("lesson"), QuizAttempt.module_id.label("id"))
        .join(Module, Module.id == QuizAttempt.module_id)
        .where(who(QuizAttempt.user_id), QuizAttempt.passed.is_(True), Module.course_id == course_id),
    )


def _stamp_and_steps_done(member: ColumnElement) -> Select:
    """The content stamp (``lms/learn/reading.py``) and ``member``'s steps done in the course named by ``slug``: one
    row per step done, or one with no step (none done); no row before any content exists."""
    steps = _steps_done_in(select(Course.id).where(Course.slug == bindparam("slug")).scalar_subquery(),
                           member).subquery()
    return select(ContentVersion.stamp, steps.c.lesson, steps.c.id).outerjoin(steps, true())


#: Built once: these run on every lesson page.
STEPS_DONE = _steps_done_in(bindparam("course_id"))
STAMP_AND_STEPS_DONE = _stamp_and_steps_done(bindparam("user_id"))
#: The same for the account of the session being looked up, read with it (``sessions.read_with_session``).
STAMP_AND_SESSION_STEPS_DONE = _stamp_and_steps_done(SESSION_ACCOUNT)


def reading_with_progress(slug: str, user_id: int | None, include_unpublished: bool = False,
                          read: list[tuple] | None = None) -> tuple[Course | None, CourseProgress]:
    """The course as learners read it (``reading.course_for_reading``) and the member's progress as a page shows it
    (``progress_shown``), in one query while the process's copy of the course is current.

    ``read``: the rows of ``STAMP_AND_SESSION_STEPS_DONE`` for this course and member, if they were read with the
    session; then no query at all."""
    if user_id is None:
        course = reading.course_for_reading(slug, include_unpublished)
        return course, CourseProgress(course_steps(course) if course is not None else [])
    if read is not None:  # beside the session, a row of nothing stands for "no content yet"
        rows = [row for row in read if row[0] is not None]
    else:  # on the session's connection, without the ORM's handling of results (plain columns): 0.1 ms less
        rows = db.session.connection().execute(STAMP_AND_STEPS_DONE, {"slug": slug, "user_id": user_id}).all()
    course = reading.course_for_reading(slug, include_unpublished, stamp=rows[0][0] if rows else None)
    if course is None:
        return None, CourseProgress([])
    if not rows:  # no stamp: the progress was read for nothing (there is no content yet)
        return course, progress_shown(user_id, course)
    state = CourseProgress(course_steps(course))
    for _stamp, is_lesson, item_id in rows:
        if item_id is not None:
            (state.done_lessons if is_lesson else state.passed_modules).add(item_id)
    return course, state


def _steps_done(user_ids: list[int], course: Course, steps: list[Step]) -> dict[int, CourseProgress]:
    """Each member's lessons done and quizzes passed in ``course``, in one query (the enrolment not loaded)."""
    result = {user_id: CourseProgress(steps) for user_id in user_ids}
    for user_id, is_lesson, item_id in db.session.execute(STEPS_DONE, {"user_ids": user_ids,
                                                                       "course_id": course.id}):
        (result[user_id].done_lessons if is_lesson else result[user_id].passed_modules).add(item_id)
    return result


def enrol(user_id: int, course: Course) -> Enrolment:
    """The member's enrolment in ``course``, created if needed (flushed)."""
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course.id))
    if enrolment is None:
        enrolment = Enrolment(user_id=user_id, course_id=course.id)
        db.session.add(enrolment)
        db.session.flush()
        signals.enrolled.send(user_id, course=course)  # surveys: a baseline survey is due before the first lesson
    return enrolment


def mark_lesson_done(user_id: int, course: Course, lesson: Lesson, at: datetime | None = None) -> CourseProgress:
    """Record the lesson as done (once) and complete the course if this was the last step.

    ``at``: when it was done, for a lesson marked done offline and synchronised later.
    """
    at = at or clock.utcnow()
    enrolment = enrol(user_id, course)
    if db.session.get(LessonCompletion, (user_id, lesson.id)) is None:
        db.session.add(LessonCompletion(user_id=user_id, lesson_id=lesson.id, completed_at=at))
    enrolment.last_activity_at = max(enrolment.last_activity_at, at, key=clock.as_utc)
    db.session.flush()
    return record_completion_if_done(user_id, course, at)


@dataclass
class QuestionResult:
    question: Question
    chosen: list[str]
    right: bool


@dataclass
class QuizResult:
    score: int
    passed: bool
    questions: list[QuestionResult]


@dataclass
class QuizTexts:
    """Which language each question of a quiz is shown in: the reader's, or its source language (a fallback
    that the page marks with its own ``lang`` and ``dir``, and says once in a note). The module's texts go out of
    date as one: then every question is shown in the source language."""

    #: The language to ask ``pick_string`` for the quiz's prompts, choices and feedback.
    language: str
    by_question: dict[str, Localised]
    #: The module's texts as one (``ModuleTranslation``): current, a draft, outdated or missing.
    unit: Localised | None = None

    @property
    def note(self) -> Localised | None:
        """What the page says about the quiz's language: outdated or missing as a whole, else a question left in
        the source language, else whether the translation is reviewed."""
        if self.unit is not None and self.unit.fallback:
            return self.unit
        return next((text for text in self.by_question.values() if text.fallback), self.unit)


def quiz_texts(module: Module, language: str, source_language: str) -> QuizTexts:
    unit = pick_text(module.translations, language, source_language)
    shown = source_language if unit is not None and unit.fallback == "outdated" else language
    picked = {q.slug: pick_text(q.translations, shown, source_language) for q in module.questions}
    if shown != language:
        picked = {slug: Localised(text.row, "outdated") for slug, text in picked.items() if text is not None}
    return QuizTexts(shown, {slug: text for slug, text in picked.items() if text is not None}, unit)


def grade_quiz(module: Module, answers: dict[str, list[str]]) -> QuizResult:
    """Percent of questions answered exactly right, and whether that reaches the pass mark."""
    results = []
    for question in module.questions:
        chosen = [c.slug for c in question.choices if c.slug in answers.get(question.slug, [])]
        correct = [c.slug for c in question.choices if c.correct]
        results.append(QuestionResult(question, chosen, chosen == correct))
    right = sum(1 for r in results if r.right)
    score = round(100 * right / len(results)) if results else 0
    return QuizResult(score, score >= (module.pass_mark or 0), results)


def submit_quiz(user_id: int, course: Course, module: Module, answers: dict[str, list[str]],
                at: datetime | None = None) -> QuizAttempt:
    """Grade and keep an attempt; a pass may complete the course. ``at``: when it was taken, if offline."""
    at = at or clock.utcnow()
    result = grade_quiz(module, answers)
    enrolment = enrol(user_id, course)
    attempt = QuizAttempt(
        user_id=user_id, module_id=module.id, score=result.score, passed=result.passed,
        answers={r.question.slug: r.chosen for r in result.questions},
        before_lessons=not lessons_done_in(user_id, module, before=at), submitted_at=at,
    )
    db.session.add(attempt)
    enrolment.last_activity_at = max(enrolment.last_activity_at, at, key=clock.as_utc)
    db.session.flush()
    record_completion_if_done(user_id, course, at)
    return attempt


def lessons_done_in(user_id: int, module: Module, before: datetime | None = None) -> bool:
    """Whether the member had done any lesson of the module (before ``before``, if given): a quiz taken before
    that measures prior knowledge."""
    lesson_ids = [lesson.id for lesson in module.lessons]
    query = select(LessonCompletion.lesson_id).where(LessonCompletion.user_id == user_id,
                                                     LessonCompletion.lesson_id.in_(lesson_ids))
    if before is not None:
        query = query.where(LessonCompletion.completed_at <= before)
    return bool(lesson_ids) and db.session.scalar(query.limit(1)) is not None


def latest_attempt(user_id: int, module: Module) -> QuizAttempt | None:
    return db.session.scalar(
        select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.module_id == module.id)
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc()).limit(1))


def record_completion_if_done(user_id: int, course: Course, at: datetime | None = None) -> CourseProgress:
    """Once every step is done: the completion date, and a certificate anyone can verify."""
    state = progress(user_id, course)
    if state.enrolment is not None and state.next_step is None and state.enrolment.completed_at is None:
        state.enrolment.completed_at = at or clock.utcnow()
        user = db.session.get(User, user_id)
        db.session.add(Certificate(user_id=user_id, course_id=course.id, code=new_certificate_code(),
                                   name=user.display_name, completed_at=state.enrolment.completed_at))
        db.session.flush()
        # surveys: endline surveys are due at completion
        signals.course_completed.send(user_id, course=course, completed_at=state.enrolment.completed_at)
    return state


def new_certificate_code() -> str:
    """Ten characters, grouped for reading aloud: "K7M2-QX9P-4T"."""
    while True:
        raw = readable_code(10)
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def learning(user_id: int) -> list[tuple[Course, CourseProgress]]:
    """The member's courses, most recently active first."""
    return [(course, progress(user_id, course)) for course in _enrolled_courses(user_id)]


def resume_point(user_id: int) -> tuple[Course, CourseProgress] | None:
    """The course to continue: the most recently active one with a step still to do."""
    for course in _enrolled_courses(user_id, unfinished_only=True):
        state = progress(user_id, course)
        if state.next_step is not None:
            return course, state
    return None


def _enrolled_courses(user_id: int, unfinished_only: bool = False):
    """Courses the member is enrolled in, most recently active first, loaded one at a time."""
    query = (select(Course.slug).join(Enrolment, Enrolment.course_id == Course.id)
             .where(Enrolment.user_id == user_id)
             .order_by(Enrolment.last_activity_at.desc(), Enrolment.id.desc()))
    if unfinished_only:
        query = query.where(Enrolment.completed_at.is_(None))
    for slug in db.session.scalars(query).all():
        course = find_course(slug, include_unpublished=True)
        if course is not None:
            yield course
