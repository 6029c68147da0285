"""The portal's one clock: the real time by default, one moment while frozen, and the real time again after."""
from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from lms import clock

MOMENT = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


def test_the_clock_reads_the_real_time_in_utc():
    assert clock.utcnow().tzinfo is UTC
    assert abs(clock.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)
    assert abs(clock.timestamp() - time.time()) < 5
    assert clock.today() in (date.today(), date.today() - timedelta(days=1))  # a test run across midnight


def test_a_frozen_clock_answers_one_moment_then_runs_again_even_after_an_error():
    with pytest.raises(RuntimeError), clock.freeze(MOMENT):
        assert clock.utcnow() == MOMENT and clock.timestamp() == MOMENT.timestamp()
        assert clock.today() == MOMENT.astimezone().date()
        with clock.freeze(MOMENT + timedelta(days=1)):
            assert clock.utcnow() == MOMENT + timedelta(days=1)
        assert clock.utcnow() == MOMENT
        raise RuntimeError
    assert clock.frozen_at is None and abs(clock.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_fixture_stops_the_clock_and_moves_it(frozen_clock):
    assert clock.utcnow() == clock.utcnow()
    frozen_clock(MOMENT)
    assert clock.utcnow() == MOMENT
