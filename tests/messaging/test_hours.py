"""SMS that can wait go within the sending hours of the member's time, wherever in their country they may be."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.messaging.hours import sending_time


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("now", "phone", "country", "expected"), [
    (utc(5, 12), "+51987654321", "PE", utc(5, 13)),  # 7:00 in Lima: waits until 8:00
    (utc(5, 22), "+51987654321", "PE", utc(5, 22)),  # 17:00 in Lima: at once
    (utc(5, 3), "+22997000000", "BJ", utc(5, 7)),  # no zone for the number: Benin's, UTC+1
    (utc(5, 22), None, "MM", utc(6, 1, 30)),  # Myanmar is UTC+6:30: 8:00 there is 1:30 UTC
    (utc(5, 12), None, "ID", utc(6, 1)),  # 21:00 in Jayapura: wait until 8:00 in Jakarta, 10:00 in Jayapura
    (utc(5, 12), "+6281234567890", "ID", utc(5, 12)),  # a Jakarta number: 19:00 there
    (utc(5, 3), None, None, utc(5, 3)),  # no zone at all: at once
])
def test_a_message_waits_for_the_sending_hours(app, now, phone, country, expected):
    with app.app_context():
        assert sending_time(now, phone, country) == expected


def test_hours_from_0_to_24_send_at_once(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_SENDING_HOURS", "0-24")
    with app.app_context():
        assert sending_time(utc(5, 3), None, "PE") == utc(5, 3)
