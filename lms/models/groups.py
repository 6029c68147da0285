"""Training groups: who takes a course together, their sessions, attendance and certificates."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.extensions import db
from lms.models.courses import Course, Lesson
from lms.models.organisations import Organisation
from lms.models.record_keys import record_key_column
from lms.models.users import User
from lms.vocabulary import GROUP_MODES

if TYPE_CHECKING:
    from lms.models.surveys import Workplace


def start_of_today() -> datetime:
    """Midnight (UTC) of today."""
    return datetime.combine(clock.today(), time.min, tzinfo=UTC)


class TrainingGroup(db.Model):
    __tablename__ = "training_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="RESTRICT"))
    trainer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    #: The workplace the training is held at or for (one hotel, one factory), of the group's country: its workplace
    #: survey rounds are read before and after the training. A workplace deleted leaves its groups, untied.
    workplace_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workplaces.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    country: Mapped[str] = mapped_column(sa.String(2))
    #: Town or venue; None for a group that meets online.
    place: Mapped[str | None] = mapped_column(sa.String(120))
    mode: Mapped[str] = mapped_column(sa.String(10))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: Short code members type (or scan as a QR code) to join; unique while the group exists.
    join_code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    #: A training of trainers: a coordinator may make those who complete it trainers.
    trains_trainers: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    #: Set when the group is archived: out of the default lists, its join code refused; its data still counts.
    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    course: Mapped[Course] = relationship()
    trainer: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    workplace: Mapped[Workplace | None] = relationship()
    members: Mapped[list[GroupMember]] = relationship(back_populates="group", cascade="all, delete-orphan")
    sessions: Mapped[list[GroupSession]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupSession.held_on")

    __table_args__ = (sa.CheckConstraint(sa.column("mode").in_(GROUP_MODES), name="mode"),)


class GroupMember(db.Model):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(sa.ForeignKey("training_groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    #: The day only (midnight UTC): a time could be matched with a log line, and nothing needs it.
    joined_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=start_of_today)
    #: Random and permanent; added up into the cell key of every published figure that counts it.
    record_key: Mapped[int] = record_key_column()

    group: Mapped[TrainingGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class GroupSession(db.Model):
    """A meeting of the group, online or in a room, with its attendance."""

    __tablename__ = "group_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("training_groups.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(sa.String(200))
    #: Random and permanent; added up into the cell key of every published figure that counts it.
    record_key: Mapped[int] = record_key_column()

    group: Mapped[TrainingGroup] = relationship(back_populates="sessions")
    attendance: Mapped[list[Attendance]] = relationship(cascade="all, delete-orphan")
    #: The lessons the session went through: those present have them marked done.
    lessons: Mapped[list[Lesson]] = relationship(secondary="group_session_lessons", order_by="Lesson.id")

    __table_args__ = (sa.Index("ix_group_sessions_group_id_held_on", "group_id", "held_on"),)


class GroupSessionLesson(db.Model):
    """A lesson a session covered."""

    __tablename__ = "group_session_lessons"

    session_id: Mapped[int] = mapped_column(sa.ForeignKey("group_sessions.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)


class Attendance(db.Model):
    __tablename__ = "attendance"

    session_id: Mapped[int] = mapped_column(sa.ForeignKey("group_sessions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: Random and permanent; added up into the cell key of every published figure that counts it.
    record_key: Mapped[int] = record_key_column()


class TrainerPromotion(db.Model):
    """Who made whom a trainer after which training of trainers: the trainer family tree.

    A promotion reversed by an administrator stays, marked ``revoked_at``: the training of trainers took
    place, and figures count promotions made in a period whatever happened after (lms/reports/figures.py).
    A person made a trainer again has a second row.
    """

    __tablename__ = "trainer_promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("training_groups.id", ondelete="RESTRICT"), index=True)
    promoted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    promoted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow, index=True)
    #: When an administrator made the person a participant again; None while the promotion stands.
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: Random and permanent; added up into the cell key of every published figure that counts it.
    record_key: Mapped[int] = record_key_column()


class Certificate(db.Model):
    """Proof that a member completed a course; anyone with the code can verify it."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    #: Random verification code printed on the certificate.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    #: The name as it was when the certificate was issued.
    name: Mapped[str] = mapped_column(sa.String(80))
    completed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    #: The partner organisation that ran the member's group, as named when issued; None: the portal's organisation.
    issuer: Mapped[str | None] = mapped_column(sa.String(250))

    course: Mapped[Course] = relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)
