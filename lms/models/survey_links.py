"""The short links of survey reminders sent by SMS (lms/surveys/links.py)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class SurveyLink(db.Model):
    """The link of one reminder of one invitation, ``/s/<token>``: only a hash of the token is kept.

    Nothing here that the invitation does not already hold: no survey, no member, no time but when it stops working.
    """

    __tablename__ = "survey_links"

    #: SHA-256 of the token, in hex: the token itself is only in the SMS.
    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_invitations.id", ondelete="CASCADE"))
    #: The reminder it was made for (the invitation's ``reminders_sent`` then): one link, and one SMS, per reminder.
    reminder: Mapped[int]
    #: It works until then (lms/surveys/links.py says why that long), and is deleted after.
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)

    __table_args__ = (sa.UniqueConstraint("invitation_id", "reminder"),)
