"""Lighthouse's mobile profile on the lesson page: accessibility 100, best practices and performance 95 or more."""
from __future__ import annotations

import pytest

from bench import lighthouse


def test_the_lesson_page_meets_the_lighthouse_goals(app, browser, live_server, tmp_path):
    if not lighthouse.LIGHTHOUSE.exists():
        pytest.fail("Lighthouse is missing: run `make test`, which installs it with npm ci.")
    found = lighthouse.measure(app, browser, live_server, tmp_path)
    assert {k: v for k, v in found.items() if v < lighthouse.GOALS[k]} == {}, found
