"""Lighthouse's mobile profile on the lesson page: accessibility 100, best practices 95 or more.

Its performance score times the page on this machine's CPU (a trace under simulated throttling): it is a benchmark,
run by `bench/lighthouse.py` with the other goals, not asserted here (it fell to 0.73 on a machine running two to
three times slower than an hour before, with the same code).
"""
from __future__ import annotations

import pytest

from bench import lighthouse

#: The categories that do not depend on how fast the machine is.
CHECKED = ("accessibility", "best-practices")


def test_the_lesson_page_meets_the_lighthouse_goals(app, browser, live_server, tmp_path):
    if not lighthouse.LIGHTHOUSE.exists():
        pytest.fail("Lighthouse is missing: run `make test`, which installs it with npm ci.")
    found = lighthouse.measure(app, browser, live_server, tmp_path)
    assert {k: found[k] for k in CHECKED if found[k] < lighthouse.GOALS[k]} == {}, found
