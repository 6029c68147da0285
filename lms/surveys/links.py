"""Short links to a survey, for reminders by SMS: ``<PUBLIC_URL>/s/<token>``.

The token is random (``secrets``: 64 bits, 11 URL-safe characters) and kept only as its SHA-256, tied to one
reminder of one invitation. It is a pointer, not a key: it opens nothing by itself. The member it was sent to,
signed in, is taken to the survey's consent page; a visitor, whatever the token, to the sign-in page, which comes
back to the link; anyone else signed in, and every link that no longer works, gets one neutral page with one status
(lms/surveys/views/answering.py), which says neither whether the link existed nor whose it was.

Short-lived rather than single-use: a link works until the next reminder may come (``REMINDER_MIN_DAYS`` after
its SMS may go) or until the wave closes, whichever is first; and no longer once the survey is answered,
declined or withdrawn from, or the member erased. Single use would fail the phones it is made for: an SMS app
that opens the link for a preview, or a member who taps it, must sign in first and taps it again, would find it
spent; and since the link gives nothing without the member's own sign-in, a second use gives nobody anything.
Dead links are deleted (``forget_dead_links``), so that the token left in the SMS's row then points at nothing.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy import select

from lms.database.portable import insert_new
from lms.extensions import db
from lms.models import SurveyInvitation, SurveyLink, SurveyWave, User

#: Bytes of randomness in a token: 8 make 64 bits, written as 11 URL-safe characters.
TOKEN_BYTES = 8


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def link_expiry(invitation: SurveyInvitation, starts_at: datetime) -> datetime:
    """When the link of a reminder that may reach the member at ``starts_at`` stops working: REMINDER_MIN_DAYS
    later, or at the end of the wave's last day (the portal's day, UTC), whichever is first."""
    end = starts_at + timedelta(days=current_app.config["REMINDER_MIN_DAYS"])
    closes_on = invitation.wave.closes_on
    if closes_on is not None:
        end = min(end, datetime.combine(closes_on + timedelta(days=1), time(0), tzinfo=UTC))
    return end


def new_link(invitation: SurveyInvitation, starts_at: datetime) -> str | None:
    """A token for the link of the invitation's latest reminder (flushed), or None if that reminder has one already:
    a retry, or another runner, then queues nothing more."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    made = insert_new(SurveyLink, [{"token_hash": token_hash(token), "invitation_id": invitation.id,
                                    "reminder": invitation.reminders_sent,
                                    "expires_at": link_expiry(invitation, starts_at)}],
                      ["invitation_id", "reminder"])
    return token if made else None


def link_url(token: str) -> str:
    """The link as the member gets it, starting with PUBLIC_URL."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for("surveys.open_link", token=token, _external=True)


def open_invitations():
    """SQL condition on SurveyInvitation: still waiting for an answer (not answered, declined or withdrawn from)."""
    return sa.and_(SurveyInvitation.answered.is_(False),
                   sa.or_(SurveyInvitation.consent.is_(None), SurveyInvitation.consent == "given"))


def invitation_for(token: str, user: User, now: datetime) -> SurveyInvitation | None:
    """The invitation the link opens for ``user`` at ``now``; None if it is unknown, someone else's or dead."""
    return db.session.scalar(
        select(SurveyInvitation).join(SurveyLink, SurveyLink.invitation_id == SurveyInvitation.id).join(SurveyWave)
        .where(SurveyLink.token_hash == token_hash(token), SurveyLink.expires_at > now,
               SurveyInvitation.user_id == user.id, open_invitations(),
               sa.or_(SurveyWave.closes_on.is_(None), SurveyWave.closes_on >= now.date())))


def forget_dead_links(now: datetime) -> int:
    """Delete the links that no longer work: expired, or of an invitation answered, declined, withdrawn from or
    gone (an erased member's: SQLite leaves them behind, and a new invitation could take the old id)."""
    alive = sa.exists().where(SurveyInvitation.id == SurveyLink.invitation_id, open_invitations())
    result = db.session.execute(sa.delete(SurveyLink).where(sa.or_(SurveyLink.expires_at <= now, ~alive))
                                .execution_options(synchronize_session=False))
    return result.rowcount
