"""Codes sent by SMS (a phone's confirmation, a new password, a sign-in), kept only as HMACs."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms import clock
from lms.extensions import db

#: What a code is for: confirming the member's number, choosing a new password, signing in.
SMS_CODE_PURPOSES = ("confirm_phone", "recover", "sign_in")


class SmsCode(db.Model):
    """The latest code of one purpose for one subject: a new code replaces it (lms/auth/sms_codes.py).

    An identifier typed on "Forgot your password?" or "Sign in with a code" gets a row whether or not it names an
    account, so that what the pages answer afterwards (wrong, expired, too many tries) cannot tell which do.
    """

    __tablename__ = "sms_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))
    #: An HMAC of whom the code is for: an account (a phone's confirmation) or an identifier as typed.
    subject: Mapped[str] = mapped_column(sa.String(64))
    #: The account the code was sent to; None when it went to nobody (no such account, or none reachable by SMS).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: An HMAC (SECRET_KEY) of the code with its purpose, account and number: the code itself is never stored.
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    #: Codes typed so far (right or wrong); at SMS_CODE_ATTEMPTS the code is dead.
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.UniqueConstraint("purpose", "subject"),
        sa.CheckConstraint(sa.column("purpose").in_(SMS_CODE_PURPOSES), name="purpose"),
    )
