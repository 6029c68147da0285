"""Signed-in sessions, one row each, so that a session can be ended wherever its cookie went."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class UserSession(db.Model):
    """One sign-in on one device, until it is signed out, ended by a change of the account, or expires.

    Times are coarse (to a few minutes, ``lms/auth/session_store.py``): they are activity data.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 (hex) of the random session id kept in the signed session cookie; the id itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: When the member signed in, to a few minutes.
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    #: The last request, to a few minutes; written at most once in that time, so a page view is no write.
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    #: When the session ends whatever the activity: SESSION_MAX_HOURS after signing in, or REMEMBER_DAYS
    #: with "Keep me signed in" (not moved by activity).
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    #: The browser and system named by the User-Agent ("Chrome", "Android"), from a short list; never the
    #: User-Agent itself, a device model or an address.
    browser: Mapped[str | None] = mapped_column(sa.String(40))
    system: Mapped[str | None] = mapped_column(sa.String(40))
    #: "Keep me signed in": the session has no idle limit and a remember cookie restores it.
    remembered: Mapped[bool] = mapped_column(default=False)
    #: The remember cookie is "selector.validator": the selector finds this row, and only the SHA-256 of the
    #: validator is kept (compared in constant time). Each use replaces the validator.
    remember_selector: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    remember_hash: Mapped[str | None] = mapped_column(sa.String(64))
    #: The validator it replaced, and until when (to the minute) that one is still taken for the browser's
    #: own requests sent before the new cookie reached it (a page and its scripts at once), not for a theft.
    previous_remember_hash: Mapped[str | None] = mapped_column(sa.String(64))
    previous_remember_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
