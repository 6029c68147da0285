"""Every page type stays within its weight budget (bench/budgets.toml): members pay for each byte."""
from __future__ import annotations

from bench import page_weight


def test_every_page_type_is_within_budget(app):
    client, paths = page_weight.member_client(app)
    signed_out = {"sign-in", "sign-up"}
    results = page_weight.measure(client, {k: v for k, v in paths.items() if k not in signed_out})
    results += page_weight.measure(app.test_client(), {k: paths[k] for k in signed_out})
    assert {w.page for w in results} == set(page_weight.PAGES)
    assert [(w.page, w.over) for w in results if w.over] == []
