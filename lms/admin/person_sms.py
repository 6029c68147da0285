"""What an administrator reads of one person's SMS on their page: the number and its state, the channel per topic,
and the last messages (their kind, status, the gateway's reason and dates; never their text)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lms.admin.sms_volumes import shown_reason
from lms.auth.phone import shown
from lms.extensions import db
from lms.messaging.channels import chosen_channels, default_channel
from lms.messaging.numbers import stopped_since
from lms.models import TextMessage, User
from lms.vocabulary import MESSAGE_TOPICS

#: Messages listed on a person's page, the latest first.
LAST_MESSAGES = 10


@dataclass
class SentText:
    kind: str
    status: str
    #: The gateway's reason for a failure, what looks like a number taken out.
    reason: str | None
    queued_at: datetime
    sent_at: datetime | None
    finished_at: datetime | None


@dataclass
class SmsState:
    #: The number as people write it, or None.
    number: str | None
    confirmed_at: datetime | None
    #: When the account was stopped (STOP from its number), and when the number itself replied STOP.
    account_stopped_at: datetime | None
    number_stopped_at: datetime | None
    #: Topic -> (channel, whether the member chose it: False for the default).
    channels: dict[str, tuple[str, bool]]
    last: list[SentText]


def sms_state(person: User) -> SmsState:
    chosen = chosen_channels(person)
    channels = {topic: (chosen.get(topic) or default_channel(person), topic in chosen) for topic in MESSAGE_TOPICS}
    last = [SentText(row.kind, row.status, shown_reason(row.reason) if row.reason else None, row.created_at,
                     row.sent_at, row.finished_at)
            for row in db.session.scalars(select(TextMessage).where(TextMessage.user_id == person.id)
                                          .order_by(TextMessage.created_at.desc(), TextMessage.id.desc())
                                          .limit(LAST_MESSAGES))]
    return SmsState(shown(person.phone) if person.phone else None, person.phone_confirmed_at, person.sms_stopped_at,
                    stopped_since(person.phone), channels, last)
