"""The server's record of each signed-in session, and of "Keep me signed in": plain functions that flush.

- A session is a row of ``user_sessions``. The browser holds a random session id in Flask's signed
  cookie; the row keeps only its SHA-256, so a copy of the database opens no session. Deleting the row
  ends the session wherever its cookie was copied.
- "Keep me signed in" is a split token (selector + validator) in a cookie of its own: the selector finds
  the row, the validator is compared in constant time with the SHA-256 kept there. Each use replaces the
  validator (and the session id); a cookie whose selector is known but whose validator is not the current
  one is an old copy used after that replacement: someone used a copy, so every session of the account ends
  (the thief's and the member's) and the member is asked to sign in again. It is checked on every request
  that carries it, before the session cookie, so the member's stale cookie is never dropped unseen.
- Times are kept to ``RESOLUTION`` (they are activity data), and ``last_seen_at`` is written at most once
  in that time, so that reading pages does not write to the database.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import select

from lms.clock import as_utc
from lms.extensions import db
from lms.models import User, UserSession

#: How precisely session times are kept and how often "last seen" is written.
RESOLUTION = timedelta(minutes=5)


#: How long a replaced remember validator is still taken for the browser's own requests sent before the new
#: cookie reached it (from the next whole minute: so 1 to 2 minutes, and the time kept only to the minute).
GRACE = timedelta(minutes=1)


def next_minute(moment: datetime) -> datetime:
    return datetime.fromtimestamp((int(as_utc(moment).timestamp()) // 60 + 1) * 60, UTC)


def coarse(moment: datetime) -> datetime:
    """``moment`` rounded down to ``RESOLUTION``."""
    moment = as_utc(moment)
    step = int(RESOLUTION.total_seconds())
    return datetime.fromtimestamp(int(moment.timestamp()) // step * step, UTC)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Limits:
    """How long sessions last (from the configuration)."""

    idle: timedelta
    max_age: timedelta
    remember: timedelta

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                   max_age=timedelta(hours=config["SESSION_MAX_HOURS"]),
                   remember=config["REMEMBER_COOKIE_DURATION"])


@dataclass(frozen=True)
class Opened:
    """A session just opened or restored: its row, the id for the session cookie, the remember cookie."""

    record: UserSession
    session_id: str
    #: "selector.validator" for the remember cookie; None for a session not kept.
    remember_token: str | None = None


def open_session(user: User, *, now: datetime, remembered: bool, limits: Limits,
                 browser: str | None = None, system: str | None = None) -> Opened:
    """A new session for ``user`` (flushed). Sessions that are over, anyone's, are deleted on the way."""
    purge_over(now, limits)
    session_id, start = secrets.token_urlsafe(32), coarse(now)
    record = UserSession(token_hash=digest(session_id), user_id=user.id, created_at=start, last_seen_at=start,
                         expires_at=start + (limits.remember if remembered else limits.max_age),
                         browser=browser, system=system, remembered=remembered)
    token = None
    if remembered:
        selector, validator = secrets.token_urlsafe(18), secrets.token_urlsafe(32)
        record.remember_selector, record.remember_hash = selector, digest(validator)
        token = f"{selector}.{validator}"
    db.session.add(record)
    db.session.flush()
    return Opened(record, session_id, token)


@dataclass(frozen=True)
class Found:
    record: UserSession
    user: User | None
    #: The rows of the query read with the session (``find``'s ``alongside``), as tuples of its columns.
    alongside: list[tuple] | None = None


def find(session_id: str | None, alongside: tuple[sa.Select, dict] | None = None) -> Found | None:
    """The session whose id the cookie holds, if it still exists (over or not), and its account, in one query.

    ``alongside``: a query and its parameters, read in the same query, for the account of the session (its
    condition on the account: ``SESSION_ACCOUNT``): a page's first read costs no round trip of its own."""
    if not session_id or not isinstance(session_id, str) or len(session_id) > 100:
        return None
    parameters = {"token_hash": digest(session_id)}
    if alongside is None:
        row = db.session.execute(SESSION_AND_ACCOUNT, parameters).first()
        return Found(row[0], row[1]) if row is not None else None
    query, more = alongside
    rows = db.session.execute(_session_and(query), {**more, **parameters}).all()
    return Found(rows[0][0], rows[0][1], [tuple(row[2:]) for row in rows]) if rows else None


#: A session row by the hash of its id, and its account (built once: this runs on every request).
SESSION_AND_ACCOUNT = (select(UserSession, User).outerjoin(User, User.id == UserSession.user_id)
                       .where(UserSession.token_hash == sa.bindparam("token_hash")))
#: The account of the session being looked up, for a query read with it.
SESSION_ACCOUNT = select(UserSession.user_id).where(UserSession.token_hash == sa.bindparam("token_hash")
                                                     ).scalar_subquery()


@lru_cache(maxsize=16)
def _session_and(query: sa.Select) -> sa.Select:
    """The session and its account, with ``query``'s rows beside them (one row with no value if it has none)."""
    rows = query.subquery()
    return SESSION_AND_ACCOUNT.add_columns(*rows.c).outerjoin(rows, sa.true())


def why_over(record: UserSession, now: datetime, limits: Limits) -> str | None:
    """None while the session lasts; else "expired" (too old) or "idle" (unused too long)."""
    now, created = as_utc(now), as_utc(record.created_at)
    if record.remembered:
        return "expired" if now >= min(as_utc(record.expires_at), created + limits.remember) else None
    if now >= min(as_utc(record.expires_at), created + limits.max_age):
        return "expired"
    if now - as_utc(record.last_seen_at) > limits.idle:
        return "idle"
    return None


def touch(record: UserSession, now: datetime) -> bool:
    """Note the session as seen now, if it was last noted ``RESOLUTION`` ago or more; True if it wrote."""
    seen = coarse(now)
    if as_utc(record.last_seen_at) >= seen:
        return False
    result = db.session.execute(
        sa.update(UserSession).where(UserSession.id == record.id, UserSession.last_seen_at < seen)
        .values(last_seen_at=seen).execution_options(synchronize_session=False))
    return result.rowcount == 1


@dataclass(frozen=True)
class Restored:
    """What a remember cookie gave: ``outcome`` is "restored", "unknown", "expired", "reused" or "raced"."""

    outcome: str
    opened: Opened | None = None
    #: The account whose session an old copy of the cookie ended ("reused").
    user_id: int | None = None


def _remembered(cookie: str) -> tuple[UserSession | None, str]:
    """The session row a remember cookie's selector finds (if any), and the validator it carries."""
    selector, _dot, validator = (cookie or "").partition(".")
    if not selector or not validator or len(selector) > 32 or len(validator) > 100:
        return None, ""
    return db.session.scalar(select(UserSession).where(UserSession.remember_selector == selector)), validator


def just_replaced(record: UserSession, validator: str, now: datetime) -> bool:
    """The validator is the one the last use replaced, and that happened moments ago: a request the same browser
    sent before the new cookie reached it, not a copy used elsewhere."""
    until = record.previous_remember_until
    return (until is not None and as_utc(now) < as_utc(until)
            and hmac.compare_digest(record.previous_remember_hash or "", digest(validator)))


def stolen_from(cookie: str, now: datetime) -> int | None:
    """The account whose remember cookie this is an old copy of (its selector known, its validator replaced
    since, and not just now), else None: someone used a copy first. Every session of that account is ended
    (flushed)."""
    record, validator = _remembered(cookie)
    if record is None or hmac.compare_digest(record.remember_hash or "", digest(validator)) \
            or just_replaced(record, validator, now):
        return None
    end_sessions(record.user_id)
    return record.user_id


def restore(cookie: str, now: datetime, limits: Limits) -> Restored:
    """The session a remember cookie keeps, with a new session id and a new validator (flushed).

    - "unknown": no such selector (signed out, ended, or not ours); "expired": REMEMBER_DAYS are over;
      both delete nothing else.
    - "reused": the selector is known but the validator is an old one: every session of the account is
      deleted (``stolen_from``).
    - "raced": another request replaced the validator at the same moment, or moments ago (a browser opening
      two pages at once, a page and its scripts); nothing is changed, and the browser gets the new cookie from
      that other answer.
    """
    record, validator = _remembered(cookie)
    if record is None:
        return Restored("unknown")
    if just_replaced(record, validator, now):
        return Restored("raced")
    if not hmac.compare_digest(record.remember_hash or "", digest(validator)):
        end_sessions(record.user_id)
        return Restored("reused", user_id=record.user_id)
    user = db.session.get(User, record.user_id)
    if why_over(record, now, limits) or user is None or not user.is_active:
        end_session_record(record.id)
        return Restored("expired")
    session_id, new_validator = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    replaced = db.session.execute(
        sa.update(UserSession).where(UserSession.id == record.id, UserSession.remember_hash == record.remember_hash)
        .values(token_hash=digest(session_id), remember_hash=digest(new_validator), last_seen_at=coarse(now),
                previous_remember_hash=record.remember_hash, previous_remember_until=next_minute(now) + GRACE)
        .execution_options(synchronize_session=False))
    if replaced.rowcount != 1:
        return Restored("raced")
    db.session.refresh(record)
    return Restored("restored", Opened(record, session_id, f"{record.remember_selector}.{new_validator}"))


def renew(record: UserSession) -> Opened:
    """The same session under a new id, and a new remember token (selector too) if it is kept (flushed):
    copies of its cookies taken before (a change of password, say) no longer open it."""
    session_id = secrets.token_urlsafe(32)
    record.token_hash = digest(session_id)
    token = None
    if record.remembered:
        selector, validator = secrets.token_urlsafe(18), secrets.token_urlsafe(32)
        record.remember_selector, record.remember_hash = selector, digest(validator)
        token = f"{selector}.{validator}"
    db.session.flush()
    return Opened(record, session_id, token)


def end_session_record(record_id: int) -> None:
    db.session.execute(sa.delete(UserSession).where(UserSession.id == record_id)
                       .execution_options(synchronize_session=False))


def end_sessions(user_id: int, keep: int | None = None) -> int:
    """End every session of the account, but the one with id ``keep``; how many ended (flushed)."""
    query = sa.delete(UserSession).where(UserSession.user_id == user_id)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return db.session.execute(query.execution_options(synchronize_session=False)).rowcount


def end_one(user_id: int, record_id: int) -> bool:
    """End one session of the account (the profile's "Sign out" button); False if it is not theirs."""
    result = db.session.execute(sa.delete(UserSession).where(UserSession.id == record_id,
                                                             UserSession.user_id == user_id)
                                .execution_options(synchronize_session=False))
    return result.rowcount == 1


def sessions_of(user_id: int, now: datetime, limits: Limits) -> list[UserSession]:
    """The account's sessions that are not over, the most recently used first."""
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)
                              .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))
    return [row for row in rows if why_over(row, now, limits) is None]


def purge_over(now: datetime, limits: Limits) -> int:
    """Delete every session that is over (past its end, or idle too long when not kept)."""
    result = db.session.execute(
        sa.delete(UserSession).where(sa.or_(
            UserSession.expires_at <= now,
            sa.and_(UserSession.remembered.is_(False), UserSession.last_seen_at < now - limits.idle),
            sa.and_(UserSession.remembered.is_(False), UserSession.created_at <= now - limits.max_age),
            UserSession.created_at <= now - limits.remember))
        .execution_options(synchronize_session=False))
    return result.rowcount
