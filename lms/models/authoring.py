"""Authoring: who may edit a course, every saved version of a lesson, and uploaded images."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.extensions import db
from lms.models.courses import Lesson
from lms.models.users import User

EDITOR_ROLES = ("owner", "editor")


class CourseEditor(db.Model):
    """A trainer who may edit a course: its owner, or one assigned to it."""

    __tablename__ = "course_editors"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(8), default="editor")

    user: Mapped[User] = relationship()

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(EDITOR_ROLES), name="role"),)


class LessonVersion(db.Model):
    """One saved state of a lesson in one language; the newest is the lesson's current text."""

    __tablename__ = "lesson_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(12))
    #: 1, 2, 3 ... per lesson and language.
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body_md: Mapped[str] = mapped_column(sa.Text)
    #: None when the version came from a file import.
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)

    author: Mapped[User | None] = relationship()
    lesson: Mapped[Lesson] = relationship()

    __table_args__ = (sa.UniqueConstraint("lesson_id", "language", "number"),)


class Image(db.Model):
    """An image uploaded for a course, resized and re-encoded on upload, served from the database."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    #: Random, unguessable name used in URLs and in Markdown: ``/media/<name>``.
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
