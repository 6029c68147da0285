"""A member's learning: enrolments, lessons done and quiz attempts."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.extensions import db
from lms.models.courses import Course, Lesson, Module
from lms.models.record_keys import record_key_column


class Enrolment(db.Model):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    enrolled_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    #: Set once every lesson is done and every quiz passed.
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: Last time the member marked a lesson done or sent a quiz here; orders "continue".
    last_activity_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    #: Random and permanent; added up into the cell key of every published figure that counts it.
    record_key: Mapped[int] = record_key_column()

    course: Mapped[Course] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id"),
        # The reports' periods: enrolments begun, completed, and completed since a summary was built.
        sa.Index("ix_enrolments_enrolled_at", "enrolled_at"),
        sa.Index("ix_enrolments_completed_at", "completed_at", "enrolled_at"),
    )


class LessonCompletion(db.Model):
    __tablename__ = "lesson_completions"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)

    lesson: Mapped[Lesson] = relationship()


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"))
    #: Percent of questions answered right, 0-100.
    score: Mapped[int]
    passed: Mapped[bool]
    #: Question slug -> list of choice slugs ticked.
    answers: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    #: The trainer who entered a score from a quiz taken on paper; None when taken online.
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The group a paper score was entered for: only that group's managers may correct or delete it.
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_groups.id", ondelete="SET NULL"))
    #: A paper score as written on the sheet: ``mark`` out of ``out_of`` (``score`` is its percentage, rounded
    #: down); None when taken online.
    mark: Mapped[int | None]
    out_of: Mapped[int | None]
    #: Taken before any lesson of the module was done: the "before" score of the knowledge gain.
    before_lessons: Mapped[bool] = mapped_column(default=False)
    #: Random and permanent; added up into the cell key of every published figure that counts it.
    record_key: Mapped[int] = record_key_column()

    module: Mapped[Module] = relationship()

    __table_args__ = (
        # A member's attempts in the order the knowledge gain reads them (first before, last after the lessons).
        sa.Index("ix_quiz_attempts_member_order", "user_id", "module_id", "before_lessons", "submitted_at", "id"),
        # The reports' periods: who made an attempt in one (lms/reports/summaries).
        sa.Index("ix_quiz_attempts_submitted_at", "submitted_at"),
    )


class SyncedOperation(db.Model):
    """Something a member did without a connection (a lesson done, a quiz answered), applied once.

    The id is the one the member's phone gave it: a sync sent again, or twice at once, finds it here
    and changes nothing.
    """

    __tablename__ = "synced_operations"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    #: When the member did it, by their phone's clock (kept between their enrolment and the sync).
    done_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
