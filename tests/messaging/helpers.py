"""What the messaging tests share: members who may be texted, and the rows of their messages."""
from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import TextMessage


def texted_member(create_user, phone: str, **fields):
    """A member whose ``phone`` is confirmed (committed)."""
    user = create_user(phone=phone, **fields)
    user.phone_confirmed_at = clock.utcnow()
    db.session.commit()
    return user


def rows() -> list[TextMessage]:
    """Every message's row as the database holds it now, in the order queued."""
    db.session.expire_all()
    return list(db.session.scalars(select(TextMessage).order_by(TextMessage.id)))


def as_utc(moment: datetime) -> datetime:
    """A moment read back from the database, aware (SQLite gives it back naive, in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def eventually(check, seconds: float = 10):
    """``check()``'s first true answer within ``seconds`` (the gateway's reports come from another thread), else
    its last answer."""
    deadline = time.monotonic() + seconds
    while not (answer := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return answer
