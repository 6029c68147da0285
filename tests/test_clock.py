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
SYSTEM_CLOCK = {"datetime.date.today", "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
                "time.time", "time.time_ns"}


def system_clock_reads(source: str, *, aware_allowed: bool = False) -> int:
    """How often ``source`` names one of SYSTEM_CLOCK, called or passed on, whatever it was imported as;
    ``aware_allowed``: ``datetime.now(UTC)`` does not count (a test may read the real time in UTC)."""
    import ast

    tree = ast.parse(source)
    bound = {}  # a local name -> what it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound.update({alias.asname or alias.name.split(".")[0]: alias.name if alias.asname
                          else alias.name.split(".")[0] for alias in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module in ("datetime", "time"):
            bound.update({alias.asname or alias.name: f"{node.module}.{alias.name}" for alias in node.names})

    def dotted(expr) -> str | None:
        if isinstance(expr, ast.Name):
            return bound.get(expr.id, expr.id)
        if isinstance(expr, ast.Attribute):
            base = dotted(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None

    with_a_zone = {id(node.func) for node in ast.walk(tree)
                   if isinstance(node, ast.Call) and (node.args or node.keywords)}
    return sum(1 for node in ast.walk(tree) if isinstance(node, (ast.Name, ast.Attribute))
               and dotted(node) in SYSTEM_CLOCK
               and not (aware_allowed and dotted(node) == "datetime.datetime.now" and id(node) in with_a_zone))


def test_nothing_but_the_clock_reads_the_system_clock():
    from tests.helpers import ROOT

    found = {str(path.relative_to(ROOT)): n for path in sorted((ROOT / "lms").rglob("*.py"))
             if (n := system_clock_reads(path.read_text()))}
    assert found == READS_THE_SYSTEM_CLOCK


def test_tests_read_the_portals_day_not_the_machines():
    """The portal's day is UTC's (clock.today()): a test that reads the machine's local date fails in Lima after
    7 pm. The real time in UTC (datetime.now(UTC)) is fine; so are the limiters' windows, which the tests wait on."""
    from tests.helpers import ROOT

    paths = [path for folder in ("tests", "bench") for path in sorted((ROOT / folder).rglob("*.py"))]
    found = {str(path.relative_to(ROOT)): n for path in paths
             if path.name != "test_clock.py" and (n := system_clock_reads(path.read_text(), aware_allowed=True))}
    assert found == {}


@pytest.mark.parametrize("source, reads", [
    ("from datetime import date\nday = date.today()", 1),
    ("import time\nt = time.time()\nu = time.time_ns()", 2),
    ("from datetime import datetime as dt\nnow = dt.now()", 1),
    ("from time import time\nstamp = time()", 1),
    ("import datetime\nwhen = datetime.datetime.now()", 1),
    ("from datetime import datetime\nColumn(default=datetime.now)", 1),  # passed on, called later
    ("from lms import clock\nday = clock.today()\nnow = clock.utcnow()", 0),
    ("import time\nstart = time.monotonic()", 0),
])
def test_every_way_of_reading_the_system_clock_is_seen(source, reads):
    assert system_clock_reads(source) == reads


def test_the_real_time_in_utc_is_allowed_in_tests_only():
    source = "from datetime import UTC, datetime\nnow = datetime.now(UTC)"
    assert system_clock_reads(source) == 1 and system_clock_reads(source, aware_allowed=True) == 0


def test_the_clock_is_frozen_only_at_an_aware_moment():
    with pytest.raises(ValueError), clock.freeze(datetime(2026, 3, 4, 9, 30)):
        pass
    assert clock.frozen_at is None
