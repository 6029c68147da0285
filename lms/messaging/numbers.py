"""What the portal keeps about a phone number itself, whoever holds it: whether it replied STOP, and how many
automatic answers it got today.

STOP belongs to the number, not to an account: the holder of a number someone mistyped, or gave before any
account confirmed it, must be able to stop the codes meant for another, and a number no account holds yet must
stay stopped when one is made with it. The number is kept only as an HMAC (a key derived from SECRET_KEY,
lms/core/keyed.py): a list of numbers that texted a union's portal would tell who may be a member. Rotating
SECRET_KEY forgets every STOP (docs/deploy.md).
"""
from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import func, select

from lms import clock
from lms.core.keyed import keyed_digest
from lms.database.portable import insert_new
from lms.extensions import db
from lms.models import SmsNumber, UnreadTexts


def number_key(number: str) -> str:
    """The HMAC that stands for ``number`` (E.164) in ``sms_numbers``."""
    return keyed_digest("sms-numbers", number)


def _row_for(number: str) -> str:
    """``number``'s row, made if missing (flushed); its key."""
    key = number_key(number)
    insert_new(SmsNumber, [{"number_hash": key, "stopped_at": None, "answered_on": None, "answers": 0}],
               ["number_hash"])
    return key


def stopped_since(number: str | None) -> datetime | None:
    """When ``number`` replied STOP, if it did and has not replied START since."""
    if not number:
        return None
    return db.session.scalar(select(SmsNumber.stopped_at).where(SmsNumber.number_hash == number_key(number)))


def is_stopped(number: str | None) -> bool:
    """Whether ``number`` asked for no SMS."""
    return stopped_since(number) is not None


def stop_time() -> datetime:
    """When a STOP is recorded: the start of its UTC day, not the moment, on the number's row and on its accounts
    alike, so that the two cannot be joined by their times, nor either to the time of an answer (outside tester 2c)."""
    return datetime.combine(clock.today(), time.min, tzinfo=UTC)


def set_stopped(number: str, stopped: bool) -> None:
    """Record STOP (``stopped``) or START from ``number`` (flushed); a repeated STOP keeps its first day."""
    key = _row_for(number) if stopped else number_key(number)
    stopped_at = sa.func.coalesce(SmsNumber.stopped_at, stop_time()) if stopped else None
    db.session.execute(sa.update(SmsNumber).where(SmsNumber.number_hash == key).values(stopped_at=stopped_at)
                       .execution_options(synchronize_session=False))


def answers_per_day() -> int:
    return current_app.config["SMS_ANSWERS_PER_DAY"]


def spend_answer(number: str) -> bool:
    """Count one automatic answer to ``number`` today (flushed); False, with nothing counted, once it has had
    SMS_ANSWERS_PER_DAY today. One conditional UPDATE: two texts at once cannot both take the last answer."""
    forget_idle()
    key = _row_for(number)
    today = clock.today()
    new_day = sa.or_(SmsNumber.answered_on.is_(None), SmsNumber.answered_on != today)
    counted = db.session.execute(
        sa.update(SmsNumber).where(SmsNumber.number_hash == key,
                                   sa.or_(new_day, SmsNumber.answers < answers_per_day()))
        .values(answers=sa.case((new_day, 1), else_=SmsNumber.answers + 1), answered_on=today)
        .execution_options(synchronize_session=False))
    return counted.rowcount == 1


def forget_idle() -> None:
    """Rows that only counted answers of an earlier day are deleted (flushed): nothing is kept of a number that
    texted once, beyond its day."""
    db.session.execute(sa.delete(SmsNumber).where(
        SmsNumber.stopped_at.is_(None), sa.or_(SmsNumber.answered_on.is_(None), SmsNumber.answered_on < clock.today()))
                       .execution_options(synchronize_session=False))


def count_unread() -> None:
    """Count one text the portal could not read, today (flushed): the count only, no number and no text."""
    today = clock.today()
    if not insert_new(UnreadTexts, [{"day": today, "texts": 1}], ["day"]):
        db.session.execute(sa.update(UnreadTexts).where(UnreadTexts.day == today)
                           .values(texts=UnreadTexts.texts + 1).execution_options(synchronize_session=False))


def unread_by_day(start, end) -> list[tuple]:
    """(day, texts) for the days from ``start`` to ``end`` (both included) with unread texts, the latest first."""
    return [(day, texts) for day, texts in db.session.execute(
        select(UnreadTexts.day, func.sum(UnreadTexts.texts)).where(UnreadTexts.day >= start, UnreadTexts.day <= end)
        .group_by(UnreadTexts.day).order_by(UnreadTexts.day.desc()))]
