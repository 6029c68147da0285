"""Authoring courses in the browser: structure, versioned lesson texts, quizzes and images."""
from __future__ import annotations

import difflib
import re
import secrets
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from lms.content.archive import read_zip
from lms.content.bundle import Problem, module_checksum
from lms.content.coverage import Tally, translation_state
from lms.content.markdown import checksum, render_markdown
from lms.content.reader import CourseProblems
from lms.content.store import ImportReport, import_bundles
from lms.extensions import db
from lms.files.media import course_image
from lms.files.uploads import UploadRefused
from lms.models import (
    Choice,
    ChoiceTranslation,
    Course,
    CourseEditor,
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
    User,
)
from lms.permissions import can_edit_course, edited_courses


class StaleEdit(Exception):
    """Someone saved a newer version since this edit began; nothing was written."""

    def __init__(self, current: LessonTranslation):
        super().__init__("stale edit")
        self.current = current


class NotAnImage(Exception):
    """The upload is not an image we can read, or is too large."""


def slugify(text: str, taken: set[str], fallback: str) -> str:
    """A stable id from a title ("Who takes part?" -> "who-takes-part"), unique among ``taken``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or fallback
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def authored_courses(user: User, *, archived: bool) -> tuple[Select, InstrumentedAttribute]:
    """The courses ``user`` may edit, archived or in use, and their title in their own language (to sort and
    search by)."""
    title = aliased(CourseTranslation)
    query = (select(Course).join(title, (title.course_id == Course.id) & (title.language == Course.source_language))
             .where(edited_courses(user),
                    Course.archived_at.is_not(None) if archived else Course.archived_at.is_(None)))
    return query, title.title


def create_course(*, owner: User, language: str, title: str, summary: str, intro: str,
                  topics: list[str]) -> Course:
    """A new, unpublished course owned by ``owner``, written in ``language``."""
    taken = set(db.session.scalars(select(Course.slug)))
    course = Course(slug=slugify(title, taken, "course"), source_language=language, published=False,
                    topics=[CourseTopic(topic=t, position=n) for n, t in enumerate(topics)])
    db.session.add(course)
    course.translations.append(_course_text(CourseTranslation(language=language), title, summary, intro))
    db.session.flush()
    db.session.add(CourseEditor(course_id=course.id, user_id=owner.id, role="owner"))
    db.session.flush()
    return course


def update_course_text(course: Course, language: str, *, title: str, summary: str, intro: str,
                       author: User | None = None) -> None:
    """Save the course page in ``language``; a translation is then made from the current source, a draft."""
    row = text_in(course.translations, language)
    if row is None:
        row = CourseTranslation(language=language)
        course.translations.append(row)
    _course_text(row, title, summary, intro)
    _translated_by(row, author, text_in(course.translations, course.source_language))
    db.session.flush()


def _translated_by(row, author: User | None, source) -> None:
    """A text just written by ``author``: a translation (not ``source`` itself) is made from ``source``'s current
    text, and is a draft until someone marks it reviewed (``mark_reviewed``)."""
    row.edited_by_id = author.id if author else None
    if row is not source:
        row.source_checksum, row.review_status, row.reviewed_by_id = source.checksum, "draft", None


def _course_text(row: CourseTranslation, title: str, summary: str, intro: str) -> CourseTranslation:
    row.title, row.summary, row.intro_md = title.strip(), summary.strip(), _normalise(intro)
    row.intro_html = render_markdown(row.intro_md)
    row.checksum = checksum(row.title, row.summary, row.intro_md)
    return row


def add_editor(course: Course, user: User) -> None:
    if db.session.get(CourseEditor, (course.id, user.id)) is None:
        db.session.add(CourseEditor(course_id=course.id, user_id=user.id, role="editor"))
        db.session.flush()


def add_module(course: Course, title: str) -> Module:
    taken = set(db.session.scalars(select(Module.slug).where(Module.course_id == course.id)))  # retired ones too
    module = Module(slug=slugify(title, taken, "module"),
                    position=len(course.modules), pass_mark=None)
    course.modules.append(module)
    module.translations.append(ModuleTranslation(language=course.source_language, title=title.strip()))
    refresh_module_checksums(module)
    return module


def rename_module(module: Module, language: str, title: str, author: User | None = None) -> None:
    _set_text(module.translations, ModuleTranslation, language, title=title.strip())
    _translated_by(text_in(module.translations, language), author,
                   text_in(module.translations, module.course.source_language))
    refresh_module_checksums(module)


def module_texts_checksum(module: Module, language: str) -> str:
    """The fingerprint of the module's title and quiz texts in ``language`` (as ``ModuleText.checksum`` gives it
    for the files)."""
    row = text_in(module.translations, language)
    return module_checksum(row.title if row else None, [
        (question.slug, getattr(text_in(question.translations, language), "prompt", None), [
            (choice.slug, *_choice_texts(text_in(choice.translations, language))) for choice in question.choices])
        for question in module.questions])


def _choice_texts(row: ChoiceTranslation | None) -> tuple[str | None, str | None]:
    return (row.text, row.feedback) if row else (None, None)


def refresh_module_checksums(module: Module) -> None:
    """Each language's fingerprint of the module's texts, after some of them changed: a change to the source's
    makes its translations outdated."""
    with db.session.no_autoflush:  # a new row has no checksum until this is done
        for row in module.translations:
            row.checksum = module_texts_checksum(module, row.language)
    db.session.flush()


def add_lesson(course: Course, module: Module, title: str, body: str, author: User) -> Lesson:
    taken = set(db.session.scalars(select(Lesson.slug).where(Lesson.course_id == course.id)))  # retired ones too
    slug = slugify(title, taken, "lesson")
    lesson = Lesson(slug=slug, course=course, module=module, position=len(module.lessons))
    db.session.add(lesson)
    db.session.flush()
    save_lesson_text(lesson, course.source_language, title, body, base_version=0, author=author)
    return lesson


def move(siblings: list, item, offset: int) -> None:
    """Move a module or lesson up (-1) or down (+1) among its siblings, renumbering them."""
    ordered = sorted(siblings, key=lambda s: s.position)
    index = ordered.index(item)
    target = min(max(index + offset, 0), len(ordered) - 1)
    ordered.insert(target, ordered.pop(index))
    for position, sibling in enumerate(ordered):
        sibling.position = position
    db.session.flush()


def save_lesson_text(lesson: Lesson, language: str, title: str, body: str, *, base_version: int,
                     author: User | None, source_checksum: str | None = None) -> LessonTranslation:
    """Save a new version of a lesson's text; refuses (StaleEdit) if ``base_version`` is not the newest."""
    row = next((t for t in lesson.translations if t.language == language), None)
    if row is None:
        row = LessonTranslation(language=language, version=0)
        lesson.translations.append(row)
    if (row.version or 0) != base_version:
        raise StaleEdit(row)
    body = _normalise(body)
    row.title, row.body_md, row.body_html = title.strip(), body, render_markdown(body)
    row.checksum = checksum(row.title, row.body_md)
    row.version = (row.version or 0) + 1
    row.edited_by_id = author.id if author else None
    if language != lesson.course.source_language:
        row.source_checksum, row.review_status, row.reviewed_by_id = source_checksum, "draft", None
    db.session.add(LessonVersion(lesson_id=lesson.id, language=language, number=row.version, title=row.title,
                                 body_md=body, author_id=row.edited_by_id))
    db.session.flush()
    return row


def versions(lesson: Lesson, language: str) -> list[LessonVersion]:
    return list(db.session.scalars(
        select(LessonVersion).where(LessonVersion.lesson_id == lesson.id, LessonVersion.language == language)
        .order_by(LessonVersion.number.desc())))


def restore_version(lesson: Lesson, version: LessonVersion, author: User) -> LessonTranslation:
    """Make an old version the newest again (as a new version: history is never rewritten)."""
    row = next(t for t in lesson.translations if t.language == version.language)
    return save_lesson_text(lesson, version.language, version.title, version.body_md, base_version=row.version,
                            author=author, source_checksum=row.source_checksum)


@dataclass
class DiffLine:
    #: "same", "added" or "removed"
    kind: str
    text: str


def diff_versions(old: LessonVersion, new: LessonVersion) -> list[DiffLine]:
    """Line by line, as a reader sees it: what ``new`` removed from and added to ``old``."""
    old_lines = [f"# {old.title}", *old.body_md.splitlines()]
    new_lines = [f"# {new.title}", *new.body_md.splitlines()]
    kinds = {" ": "same", "+": "added", "-": "removed"}
    return [DiffLine(kinds[line[0]], line[2:]) for line in difflib.ndiff(old_lines, new_lines) if line[0] in kinds]


def mark_reviewed(course: Course, row: CourseTranslation | LessonTranslation | ModuleTranslation,
                  reviewer: User) -> bool:
    """Mark a translation (a lesson, a module's texts, the course page) reviewed; False if the course wants a
    reviewer other than its translator."""
    if course.require_independent_review and row.edited_by_id == reviewer.id:
        return False
    row.review_status, row.reviewed_by_id = "reviewed", reviewer.id
    db.session.flush()
    return True


@dataclass
class ChoiceInput:
    text: str
    feedback: str
    correct: bool


def save_question(module: Module, question: Question | None, *, language: str, prompt: str, kind: str,
                  choices: list[ChoiceInput]) -> Question:
    """Create or replace a question of ``module`` in its source language (validated by the form)."""
    if question is None:
        taken = {q.slug for q in module.questions}
        question = Question(slug=f"q{len(taken) + 1}", position=len(module.questions), kind=kind)
        while question.slug in taken:
            question.slug += "x"
        module.questions.append(question)
    question.kind = kind
    _set_text(question.translations, QuestionTranslation, language, prompt=prompt.strip())
    existing = {c.slug: c for c in question.choices}
    slugs = "abcdefgh"
    for position, item in enumerate(choices):
        choice = existing.pop(slugs[position], None)
        if choice is None:
            choice = Choice(slug=slugs[position], position=position)
            question.choices.append(choice)
        choice.correct = item.correct
        _set_text(choice.translations, ChoiceTranslation, language, text=item.text.strip(),
                  feedback=item.feedback.strip())
    for leftover in existing.values():
        question.choices.remove(leftover)
    if module.pass_mark is None:
        module.pass_mark = 70
    refresh_module_checksums(module)
    return question


def delete_question(module: Module, question: Question) -> None:
    module.questions.remove(question)
    for position, q in enumerate(module.questions):
        q.position = position
    if not module.questions:
        module.pass_mark = None
    refresh_module_checksums(module)


def _set_text(collection: list, model: type, language: str, **values) -> None:
    row = next((t for t in collection if t.language == language), None)
    if row is None:
        row = model(language=language)
        collection.append(row)
    for name, value in values.items():
        setattr(row, name, value)


def store_image(course: Course, data: bytes, uploaded_by: User) -> Image:
    """Check, shrink and re-encode an uploaded image; raises NotAnImage (its message is translated).

    The pixel count is checked from the header before anything is decoded (``lms.uploads.decode_image``).
    """
    try:
        picture = course_image(data)
    except UploadRefused as refused:
        raise NotAnImage(str(refused)) from None
    image = Image(course_id=course.id, name=f"{secrets.token_urlsafe(12)}.webp", content_type="image/webp",
                  data=picture.data, width=picture.width, height=picture.height, uploaded_by_id=uploaded_by.id)
    db.session.add(image)
    db.session.flush()
    return image


def _normalise(text: str) -> str:
    """Unix line ends and one final newline, as in the course files."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return text + "\n"


def text_in(rows, language: str):
    """The row of ``rows`` in ``language``, or None."""
    return next((row for row in rows if row.language == language), None)


def state_of(rows, language: str, source_language: str) -> str:
    """The state of a text's translation into ``language`` (``lms.content.coverage.STATES``)."""
    source, row = text_in(rows, source_language), text_in(rows, language)
    return translation_state(row and row.source_checksum, source and source.checksum, row and row.review_status,
                             row is not None)


@dataclass
class TranslationStatus:
    #: A Lesson or a Module (its title and quiz texts).
    item: Lesson | Module
    title: str
    #: "missing", "outdated", "draft" or "reviewed"
    status: str


@dataclass
class TranslationOverview:
    """Every text of a course to translate into one language, each with its state."""

    page: str
    lessons: list[TranslationStatus]
    modules: list[TranslationStatus]

    def tally(self, statuses: list[TranslationStatus]) -> Tally:
        tally = Tally()
        for status in statuses:
            tally.add(status.status)
        return tally


def translation_statuses(course: Course, language: str) -> TranslationOverview:
    """The course page's, each lesson's and each module's state in ``language``, for the translator's overview."""
    source = course.source_language

    def listed(items: list) -> list[TranslationStatus]:
        return [TranslationStatus(item, getattr(text_in(item.translations, source), "title", None) or item.slug,
                                  state_of(item.translations, language, source)) for item in items]

    return TranslationOverview(state_of(course.translations, language, source), listed(course.lessons),
                               listed(course.modules))


def translation_rows(course: Course) -> list:
    """Every text of the course that has a review state: its page, its modules' and its lessons', in every language."""
    return [*course.translations, *(t for m in course.modules for t in m.translations),
            *(t for lesson in course.lessons for t in lesson.translations)]


def translation_key(row) -> tuple:
    return row.checksum, row.source_checksum, row.review_status


def import_archive(data: bytes, user: User) -> ImportReport:
    """Import the courses of a zip, all or nothing; the importer owns the new ones. A translation the zip adds or
    changes arrives as the importer's draft, whatever state the zip gives it: reviews are made in the portal, where
    the course's rule on independent review holds and the reviewer is recorded.

    Raises CourseProblems when the files are wrong or a course belongs to someone else.
    """
    bundles = read_zip(data)
    existing = {c.slug: c for c in db.session.scalars(select(Course).where(
        Course.slug.in_([b.slug for b in bundles])))}
    refused = [Problem(f"{slug}/course.toml", 0, _(
        "This course's address \"%(slug)s\" is already used: choose another slug.", slug=slug))
               for slug, course in existing.items() if not can_edit_course(user, course)]
    if refused:
        raise CourseProblems(refused)
    before = {row: translation_key(row) for course in existing.values() for row in translation_rows(course)}
    report = import_bundles(bundles)
    for course in db.session.scalars(select(Course).where(Course.slug.in_([b.slug for b in bundles]))):
        for row in translation_rows(course):
            if row.language != course.source_language and before.get(row) != translation_key(row):
                # A zip may say "reviewed" of any text: what the import brings in is the importer's draft.
                row.review_status, row.edited_by_id, row.reviewed_by_id = "draft", user.id, None
    for slug in report.created:
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        db.session.add(CourseEditor(course_id=course.id, user_id=user.id, role="owner"))
    db.session.flush()
    return report


@dataclass
class QuestionTexts:
    prompt: str
    #: choice slug -> (text, feedback)
    choices: dict[str, tuple[str, str]]


def save_module_texts(module: Module, language: str, title: str, questions: dict[str, QuestionTexts],
                      translator: User | None = None) -> list[str]:
    """Translate a module's title and quiz, a draft made from the current source; returns problems (and writes
    nothing) if a question has only some of its choices translated."""
    problems = []
    if len(title.strip()) > 200:
        problems.append(_("A title has at most %(n)d characters.", n=200))
    for question in module.questions:
        texts = questions.get(question.slug)
        given = [c for c in question.choices if texts and texts.choices.get(c.slug, ("", ""))[0].strip()]
        if given and len(given) != len(question.choices):
            problems.append(_("Question \"%(id)s\" has %(n)d choices but %(given)d are translated.",
                              id=question.slug, n=len(question.choices), given=len(given)))
    if problems:
        return problems
    for question in module.questions:
        texts = questions.get(question.slug) or QuestionTexts("", {})
        _set_or_drop(question.translations, QuestionTranslation, language, prompt=texts.prompt.strip())
        for choice in question.choices:
            text, feedback = texts.choices.get(choice.slug, ("", ""))
            _set_or_drop(choice.translations, ChoiceTranslation, language, text=text.strip(),
                         feedback=feedback.strip())
    # The module's row holds the state of all its texts in the language: there is one while any text is.
    has_quiz_text = any(text_in(q.translations, language) or any(text_in(c.translations, language) for c in q.choices)
                        for q in module.questions)
    row = text_in(module.translations, language)
    if title.strip() or has_quiz_text:
        if row is None:
            row = ModuleTranslation(language=language)
            module.translations.append(row)
        row.title = title.strip() or None
        _translated_by(row, translator, text_in(module.translations, module.course.source_language))
    elif row is not None:
        module.translations.remove(row)
    refresh_module_checksums(module)
    return []


def _set_or_drop(collection: list, model: type, language: str, **values) -> None:
    """A text row with these values, or none at all when the main value is empty (the source shows)."""
    if next(iter(values.values())):
        _set_text(collection, model, language, **values)
    else:
        for row in [r for r in collection if r.language == language]:
            collection.remove(row)
