"""Members' consent to what is sensitive about them, purpose by purpose."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms import clock
from lms.extensions import db

#: membership: keeping the member's training records (courses, progress, quizzes, groups, surveys),
#: which reveal that they take part in union training, hence their union membership (GDPR art. 9).
CONSENT_PURPOSES = ("membership",)
#: The wording a member agrees to, per purpose. A new key (new wording) asks everyone again.
CONSENT_VERSIONS = {"membership": "membership-2026-11"}


class Consent(db.Model):
    """One agreement to one purpose in one wording; withdrawing keeps the row, with the day it ended."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    #: The key of the text shown (``CONSENT_VERSIONS``), so that it is known what was agreed to.
    version: Mapped[str] = mapped_column(sa.String(40))
    given_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (sa.CheckConstraint(sa.column("purpose").in_(CONSENT_PURPOSES), name="purpose"),)
