"""The portal's one source of "now": code asks this module for the time, so that a test can stop it.

Every reading comes from ``utcnow()``; ``today()`` and ``timestamp()`` are the same moment as a UTC date and
as seconds. Code imports the module (``from lms import clock``) and calls ``clock.utcnow()``, ``clock.today()``;
nothing else in lms/ reads the system clock (tests/test_clock.py), except Flask-Limiter's windows, which keep their
own (lms/auth/throttle.py). Durations are measured with ``time.monotonic()``/``time.perf_counter()``, not here.
A test freezes the clock with the ``frozen_clock`` fixture (tests/conftest.py) or ``with clock.freeze(moment):``;
it holds for everything in this process (a live server in a thread too), not for a subprocess.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

#: While set (an aware datetime), the moment every function below answers instead of the real time.
frozen_at: datetime | None = None


def utcnow() -> datetime:
    """Now, aware, in UTC (a column default: pass the function, not its value)."""
    return frozen_at if frozen_at is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in UTC: the portal's day, whatever the server's time zone (records are kept in UTC)."""
    return utcnow().date()


def as_utc(moment: datetime) -> datetime:
    """A datetime read from the database as UTC: SQLite gives them back naive."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def timestamp() -> float:
    """Now as seconds since the epoch (as ``time.time()``)."""
    return utcnow().timestamp()


@contextmanager
def freeze(moment: datetime) -> Iterator[datetime]:
    """Stops the clock at ``moment`` (aware) inside the ``with`` block, then puts back what was there."""
    if moment.tzinfo is None:
        raise ValueError("freeze the clock at an aware moment, e.g. datetime(2026, 3, 4, 9, 30, tzinfo=UTC)")
    global frozen_at
    before, frozen_at = frozen_at, moment
    try:
        yield moment
    finally:
        frozen_at = before
