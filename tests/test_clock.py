"""The portal's one clock: the real time by default, one moment while frozen, and the real time again after."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from lms import clock

MOMENT = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


def test_the_clock_reads_the_real_time_in_utc():
    assert clock.utcnow().tzinfo is UTC
    assert abs(clock.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)
    assert abs(clock.timestamp() - time.time()) < 5
    just_before = datetime.now(UTC) - timedelta(minutes=1)  # a test run across midnight
    assert clock.today() in {just_before.date(), datetime.now(UTC).date()}


def test_a_frozen_clock_answers_one_moment_then_runs_again_even_after_an_error():
    with pytest.raises(RuntimeError), clock.freeze(MOMENT):
        assert clock.utcnow() == MOMENT and clock.timestamp() == MOMENT.timestamp()
        assert clock.today() == MOMENT.date()  # the UTC day, whatever the server's time zone
        with clock.freeze(MOMENT + timedelta(days=1)):
            assert clock.utcnow() == MOMENT + timedelta(days=1)
        assert clock.utcnow() == MOMENT
        raise RuntimeError
    assert clock.frozen_at is None and abs(clock.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_fixture_stops_the_clock_and_moves_it(frozen_clock):
    assert clock.utcnow() == clock.utcnow()
    frozen_clock(MOMENT)
    assert clock.utcnow() == MOMENT


#: Where lms/ may read the system clock: the clock itself, and Flask-Limiter's windows, which it times itself.
READS_THE_SYSTEM_CLOCK = {"lms/clock.py": 1, "lms/auth/throttle.py": 1}


def system_clock_reads(source: str) -> int:
    """Calls of date.today(), datetime.now(), datetime.utcnow(), datetime.today() and time.time()."""
    import ast

    reads = 0
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if (name, node.func.attr) in {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"),
                                          ("datetime", "today"), ("time", "time")}:
                reads += 1
    return reads


def test_nothing_but_the_clock_reads_the_system_clock():
    from tests.helpers import ROOT

    found = {str(path.relative_to(ROOT)): n for path in sorted((ROOT / "lms").rglob("*.py"))
             if (n := system_clock_reads(path.read_text()))}
    assert found == READS_THE_SYSTEM_CLOCK
    assert system_clock_reads("from datetime import date\nday = date.today()\nimport time\nt = time.time()") == 2
