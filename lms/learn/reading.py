"""Courses as learners read them, kept in each app process until course content changes.

A lesson page needs the whole course (titles, modules, lessons, quizzes, every translation): seven
queries and a few hundred objects, the same for every reader. Each process keeps the courses it has
loaded, detached from any session, keyed by slug. Every change to course content, through the ORM
(objects added, changed or deleted) or by a bulk statement, draws a new random ``content_version``
stamp in the same transaction; each request reads the stamp (one small query) and drops what it
kept when the stamp has changed. So a published edit is seen by every process at its next request.

Parts of pages drawn from a course alone (a lesson's article in one language) are kept with the copy they
were drawn from (``kept_part``), and go when it goes; so are whole pages (``kept_page``: a lesson page with markers
where each reader's own parts go, lms/learn/lesson_page.py), the most recently read of them.
"""
from __future__ import annotations

import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from itertools import chain
from weakref import WeakKeyDictionary

from markupsafe import Markup
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session, selectinload

from lms.extensions import db
from lms.models import (
    Choice,
    ChoiceTranslation,
    ContentVersion,
    Course,
    CourseTopic,
    CourseTranslation,
    Lesson,
    LessonTranslation,
    Module,
    ModuleTranslation,
    Question,
    QuestionTranslation,
)

CONTENT = (Course, CourseTranslation, CourseTopic, Module, ModuleTranslation, Lesson, LessonTranslation, Question,
           QuestionTranslation, Choice, ChoiceTranslation)

_lock = threading.Lock()
_kept: dict[tuple[str, bool], Course] = {}
_kept_at: list[str | None] = [None]
#: Parts of pages drawn from each course copy, by the copy: dropped with it.
_parts: WeakKeyDictionary[Course, dict[Hashable, Markup]] = WeakKeyDictionary()
#: Whole pages, each with the course copy it was drawn from, the least recently read first.
_pages: OrderedDict[Hashable, tuple[weakref.ref, str]] = OrderedDict()
#: Pages kept per process at most (a lesson page is about 15 KB): a course's lessons in the languages and for the
#: kinds of readers a process serves.
MAX_KEPT_PAGES = 400


def content_changed(session: Session) -> None:
    """A new content stamp, in the session's transaction (never flushing: this is called from flushes)."""
    connection = session.connection()
    stamp = uuid.uuid4().hex
    if not connection.execute(update(ContentVersion).values(stamp=stamp)).rowcount:
        connection.execute(insert(ContentVersion).values(id=1, stamp=stamp))


@event.listens_for(Session, "before_flush")
def _note_changed_objects(session: Session, _context, _instances) -> None:
    changed = chain(session.new, session.deleted, (o for o in session.dirty if session.is_modified(o)))
    if any(isinstance(item, CONTENT) for item in changed):
        content_changed(session)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in CONTENT:
        content_changed(state.session)


def load_course(slug: str, include_unpublished: bool) -> Course | None:
    """The course with everything a learner's page reads, in eight queries."""
    modules = selectinload(Course.modules)
    questions = modules.selectinload(Module.questions)
    query = select(Course).where(Course.slug == slug).options(
        selectinload(Course.translations), selectinload(Course.topics),
        modules.selectinload(Module.translations),
        modules.selectinload(Module.lessons).selectinload(Lesson.translations),
        questions.selectinload(Question.translations),
        questions.selectinload(Question.choices).selectinload(Choice.translations),
    )
    if not include_unpublished:
        query = query.where(Course.published.is_(True))
    return db.session.scalar(query)


def detach(course: Course) -> None:
    """Takes the course and everything loaded with it out of the session, so that no commit expires them."""
    items: list = [course, *course.translations, *course.topics]
    for module in course.modules:
        items += [module, *module.translations]
        for lesson in module.lessons:
            items += [lesson, *lesson.translations]
        for question in module.questions:
            items += [question, *question.translations]
            for choice in question.choices:
                items += [choice, *choice.translations]
    for item in items:
        if item in db.session:
            db.session.expunge(item)


#: What ``course_for_reading`` is told when the caller read no stamp.
UNREAD = object()


def read_stamp() -> str | None:
    return db.session.scalar(select(ContentVersion.stamp))


def course_for_reading(slug: str, include_unpublished: bool = False, stamp: str | None | object = UNREAD
                       ) -> Course | None:
    """The course as learners read it: from this process's copy while the content version has not moved.

    ``stamp``: the content stamp, if the caller read it in this transaction with a query of its own (the member's
    progress, ``services.reading_with_progress``); else it is read here (one small query)."""
    if stamp is UNREAD:
        stamp = read_stamp()
    if stamp is None:  # no stamp yet: nothing can be kept
        return load_course(slug, include_unpublished)
    key = (slug, include_unpublished)
    with _lock:
        if _kept_at[0] != stamp:
            _kept.clear()
            _pages.clear()
            _kept_at[0] = stamp
        course = _kept.get(key)
    if course is None:
        course = load_course(slug, include_unpublished)
        if course is not None:
            detach(course)
            with _lock:
                if _kept_at[0] == stamp:
                    _kept[key] = course
    return course


def kept_part(course: Course, key: Hashable, draw: Callable[[], str]) -> Markup:
    """The part of a page ``draw`` makes from ``course`` alone (``key`` names everything else it depends on: the
    part, the lesson, the language), drawn once for this copy of the course and kept with it."""
    with _lock:
        parts = _parts.setdefault(course, {})
        part = parts.get(key)
    if part is None:
        part = Markup(draw())  # a template's own output (a caller block), escaped as it was drawn  # nosec B704
        with _lock:
            parts[key] = part
    return part


def kept_page(course: Course, key: Hashable, draw: Callable[[], str]) -> str:
    """The page ``draw`` makes from ``course`` (``key`` names everything else it depends on), drawn once for this
    copy of the course and kept while the copy is current and the page among the ``MAX_KEPT_PAGES`` read last."""
    with _lock:
        kept = _pages.get(key)
        if kept is not None and kept[0]() is course:
            _pages.move_to_end(key)
            return kept[1]
    page = draw()
    with _lock:
        _pages[key] = (weakref.ref(course), page)
        _pages.move_to_end(key)
        while len(_pages) > MAX_KEPT_PAGES:
            _pages.popitem(last=False)
    return page
