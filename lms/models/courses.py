"""The course library: courses, modules and lessons, each with a row of text per language."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.extensions import db

if TYPE_CHECKING:
    from lms.models.quizzes import Question

REVIEW_STATUSES = ("draft", "reviewed")


class TranslatedText:
    """Columns shared by every per-language text row."""

    language: Mapped[str] = mapped_column(sa.String(12))
    #: Checksum of this row's own text (see ``lms.content.checksum``).
    checksum: Mapped[str] = mapped_column(sa.String(16))
    #: For a translation: the checksum of the source text it was made from. None on the source.
    source_checksum: Mapped[str | None] = mapped_column(sa.String(16))
    #: "draft" or "reviewed" for a translation; None on the source.
    review_status: Mapped[str | None] = mapped_column(sa.String(8))
    #: Who last wrote this text in the browser, and who marked it reviewed.
    edited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable id, never translated: the folder name in ``courses/``.
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    source_language: Mapped[str] = mapped_column(sa.String(12))
    published: Mapped[bool] = mapped_column(default=False)
    #: When set, a translation must be marked reviewed by someone other than its last translator.
    require_independent_review: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    #: Set when its authors archive it: out of the catalogue and of new groups; who started it keeps it.
    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    topics: Mapped[list[CourseTopic]] = relationship(
        cascade="all, delete-orphan", order_by="CourseTopic.position"
    )
    translations: Mapped[list[CourseTranslation]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )
    #: The modules in use; retired ones keep their rows (members' attempts point to them) but are not listed.
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="Module.position",
        primaryjoin="and_(Course.id == Module.course_id, Module.retired_at.is_(None))",
    )

    @property
    def lessons(self) -> list[Lesson]:
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def languages(self) -> list[str]:
        return sorted(t.language for t in self.translations)


class CourseTopic(db.Model):
    __tablename__ = "course_topics"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class CourseTranslation(TranslatedText, db.Model):
    __tablename__ = "course_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(400))
    intro_md: Mapped[str] = mapped_column(sa.Text)
    #: ``intro_md`` rendered and sanitised once, on save.
    intro_html: Mapped[str] = mapped_column(sa.Text)

    course: Mapped[Course] = relationship(back_populates="translations")

    __table_args__ = (sa.UniqueConstraint("course_id", "language"),)


class Module(db.Model):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int]
    #: Percent of questions to answer right to pass the module's quiz; None when it has no quiz.
    pass_mark: Mapped[int | None]
    #: Set when an author deletes the module: hidden from the course, kept for the history that points to it.
    retired_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    course: Mapped[Course] = relationship(back_populates="modules")
    translations: Mapped[list[ModuleTranslation]] = relationship(
        back_populates="module", cascade="all, delete-orphan"
    )
    #: The lessons in use; retired ones keep their rows (members' lessons done point to them).
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="Lesson.position",
        primaryjoin="and_(Module.id == Lesson.module_id, Lesson.retired_at.is_(None))",
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="Question.position"
    )

    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    @property
    def has_quiz(self) -> bool:
        return bool(self.questions)


class ModuleTranslation(TranslatedText, db.Model):
    """A module's texts in one language as one unit: its title and its quiz (the prompts, choices and feedback
    of ``QuestionTranslation`` and ``ChoiceTranslation`` rows in that language). The checksums, the review and
    going out of date are the unit's (``lms.content.bundle.module_checksum``)."""

    __tablename__ = "module_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"))
    #: None in a translation that has quiz texts but no title yet (the source title is shown).
    title: Mapped[str | None] = mapped_column(sa.String(200))

    module: Mapped[Module] = relationship(back_populates="translations")

    __table_args__ = (sa.UniqueConstraint("module_id", "language"),)


class Lesson(db.Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Denormalised from the module so that a lesson id is unique in its course.
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"))
    #: Stable id: the file name without number and extension, the same in every language.
    slug: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int]
    #: Set when an author deletes the lesson: hidden from the course, kept for the history that points to it.
    retired_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    course: Mapped[Course] = relationship()
    module: Mapped[Module] = relationship(back_populates="lessons")
    translations: Mapped[list[LessonTranslation]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)


class LessonTranslation(TranslatedText, db.Model):
    __tablename__ = "lesson_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    body_md: Mapped[str] = mapped_column(sa.Text)
    #: ``body_md`` rendered and sanitised once, on save.
    body_html: Mapped[str] = mapped_column(sa.Text)
    #: Number of the newest LessonVersion; a save based on an older one is refused (lost update).
    version: Mapped[int] = mapped_column(default=0)

    lesson: Mapped[Lesson] = relationship(back_populates="translations")

    __table_args__ = (sa.UniqueConstraint("lesson_id", "language"),)


class ContentVersion(db.Model):
    """One row whose stamp is drawn anew at every change to course content (``lms/learn/reading.py``), so that
    each app process knows when the courses it keeps for reading are stale. Random, so never seen twice."""

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(sa.String(32))
