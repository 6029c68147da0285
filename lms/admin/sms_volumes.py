"""What administrators read of the SMS the portal sends: volumes by country and day and by kind, and why some
failed, over a period. Counts of messages only: no member, number or text."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from lms.core.forms import PlainForm
from lms.extensions import db
from lms.models import TextMessage
from lms.reports.figures import day_of
from lms.vocabulary import SMS_KINDS

#: The period shown when none is asked for: this many days, up to today.
DEFAULT_DAYS = 30
#: The longest period one page adds up.
MAX_DAYS = 366
#: Failure reasons listed, the most frequent first.
TOP_REASONS = 10
#: A run of digits a gateway's reason might quote (a phone number): never shown.
DIGITS = re.compile(r"\+?\d[\d ().-]{4,}\d")


class PeriodForm(PlainForm):
    """GET filter: the first and last day (UTC) of the period; it changes nothing."""

    start = DateField(_l("First day"), validators=[Optional()])
    end = DateField(_l("Last day"), validators=[Optional()])

    def validate_end(self, field) -> None:
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The last day comes before the first day."))
            if (field.data - self.start.data).days >= MAX_DAYS:
                raise ValidationError(_l("Choose a period of %(days)d days at most.", days=MAX_DAYS))

    def period(self, today: date) -> tuple[date, date]:
        """The period asked for; the last DEFAULT_DAYS days (to today) for what is missing or wrong."""
        if self.errors or not (self.start.data or self.end.data):
            return today - timedelta(days=DEFAULT_DAYS - 1), today
        end = self.end.data or min(today, self.start.data + timedelta(days=DEFAULT_DAYS - 1))
        start = self.start.data or end - timedelta(days=DEFAULT_DAYS - 1)
        return start, end


@dataclass
class Volume:
    """Messages, their segments, and how many of them were delivered or failed for good."""

    messages: int = 0
    segments: int = 0
    delivered: int = 0
    failed: int = 0

    def add(self, other: Volume) -> None:
        self.messages += other.messages
        self.segments += other.segments
        self.delivered += other.delivered
        self.failed += other.failed


@dataclass
class DayRow:
    day: date
    country: str | None
    volume: Volume
    #: The gateway's most frequent reason for this day's failures in this country, if it gave one.
    main_reason: str | None = None


@dataclass
class Volumes:
    start: date
    end: date
    total: Volume
    by_day: list[DayRow]
    by_kind: dict[str, Volume]
    #: (reason, country, failures), the most frequent first.
    reasons: list[tuple[str, str | None, int]] = field(default_factory=list)


def shown_reason(reason: str) -> str:
    """A gateway's reason as shown: what looks like a phone number taken out."""
    return DIGITS.sub("…", reason).strip()


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _counts():
    return (func.count(TextMessage.id), func.coalesce(func.sum(TextMessage.segments), 0),
            func.sum(sa.case((TextMessage.status == "delivered", 1), else_=0)),
            func.sum(sa.case((TextMessage.status == "failed", 1), else_=0)))


def volumes(start: date, end: date) -> Volumes:
    """The SMS queued from ``start`` to ``end`` (UTC days, both included), as they stand now."""
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    in_period = (TextMessage.created_at >= since, TextMessage.created_at < until)
    day = day_of(TextMessage.created_at)
    rows = {}
    for queued_on, country, n, segments, delivered, failed in db.session.execute(
            select(day, TextMessage.country, *_counts()).where(*in_period).group_by(day, TextMessage.country)):
        key = (_as_date(queued_on), country)
        rows[key] = DayRow(key[0], country, Volume(n, int(segments), int(delivered or 0), int(failed or 0)))
    failures: dict[tuple[date, str | None], Counter] = defaultdict(Counter)
    by_reason: Counter = Counter()
    for queued_on, country, reason, n in db.session.execute(
            select(day, TextMessage.country, TextMessage.reason, func.count()).where(
                *in_period, TextMessage.status == "failed", TextMessage.reason.is_not(None))
            .group_by(day, TextMessage.country, TextMessage.reason)):
        shown = shown_reason(reason)
        failures[_as_date(queued_on), country][shown] += n
        by_reason[shown, country] += n
    for key, reasons in failures.items():
        if key in rows:
            rows[key].main_reason = reasons.most_common(1)[0][0]
    by_kind = {kind: Volume() for kind in SMS_KINDS}
    for kind, n, segments, delivered, failed in db.session.execute(
            select(TextMessage.kind, *_counts()).where(*in_period).group_by(TextMessage.kind)):
        by_kind.setdefault(kind, Volume()).add(Volume(n, int(segments), int(delivered or 0), int(failed or 0)))
    total = Volume()
    for volume in by_kind.values():
        total.add(volume)
    return Volumes(start, end, total, list(rows.values()), by_kind,
                   [(reason, country, n) for (reason, country), n in by_reason.most_common(TOP_REASONS)])


@dataclass(frozen=True)
class Waiting:
    """Messages the gateway has not taken yet although they were tried (it was down, or refused them for now): how
    many, since when, and its latest answer. What an operator looks at first in an outage."""

    messages: int
    oldest: datetime | None
    reason: str | None


def waiting() -> Waiting:
    tried = (TextMessage.status == "queued", TextMessage.attempts > 0)
    n, oldest = db.session.execute(select(func.count(), func.min(TextMessage.created_at)).where(*tried)).one()
    reason = db.session.scalar(select(TextMessage.reason).where(*tried, TextMessage.reason.is_not(None))
                               .order_by(TextMessage.id.desc()).limit(1))
    return Waiting(n, oldest, shown_reason(reason) if reason else None)
