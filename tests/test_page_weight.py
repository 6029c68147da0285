"""Every page type stays within its weight budget (bench/budgets.toml): members pay for each byte."""
from __future__ import annotations

from bench import page_weight


def test_every_page_type_is_within_budget(app):
    results = page_weight.measure_all(app)
    assert {w.page for w in results} == set(page_weight.PAGES)
    assert [(w.page, w.over) for w in results if w.over] == []
