"""Module quizzes: questions and choices, language-neutral, with texts per language."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.courses import Module

QUESTION_KINDS = ("single", "multiple")


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int]
    #: "single": one correct choice; "multiple": right when exactly the correct choices are ticked.
    kind: Mapped[str] = mapped_column(sa.String(8))

    module: Mapped[Module] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="Choice.position"
    )
    translations: Mapped[list[QuestionTranslation]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("module_id", "slug"),
        sa.CheckConstraint(sa.column("kind").in_(QUESTION_KINDS), name="kind"),
    )


class QuestionTranslation(db.Model):
    __tablename__ = "question_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(12))
    prompt: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("question_id", "language"),)


class Choice(db.Model):
    __tablename__ = "choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int]
    correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="choices")
    translations: Mapped[list[ChoiceTranslation]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("question_id", "slug"),)


class ChoiceTranslation(db.Model):
    __tablename__ = "choice_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    choice_id: Mapped[int] = mapped_column(sa.ForeignKey("choices.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(12))
    text: Mapped[str] = mapped_column(sa.Text)
    #: Shown after an attempt to whoever picked this choice: why it is right or wrong.
    feedback: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("choice_id", "language"),)
