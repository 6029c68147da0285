"""Every page type stays within its budget (bench/budgets.toml), measured in Chromium: members pay for each byte."""
from __future__ import annotations

from bench import page_weight


def test_every_page_type_is_within_budget_on_a_first_and_a_repeat_visit(app, browser, live_server):
    results = page_weight.measure_all(app, browser, live_server)
    assert {w.page for w in results} == set(page_weight.PAGES)
    assert [(w.page, w.over) for w in results if w.over] == []
    for weight in results:
        # The stylesheet, script and icon come from the cache. A page a visitor reads is a 304 when unchanged; a
        # page drawn for a signed-in reader is never kept by the browser (no-store), so it comes again, alone.
        assert weight.repeat.requests == 1, (weight.page, weight.repeat.urls)
        if page_weight.READER.get(weight.page, "bench-member") is None:
            assert weight.repeat.bytes < 1000, (weight.page, weight.repeat.bytes)
        else:
            assert abs(weight.repeat.bytes - weight.first.html_bytes) < 100, weight.page  # the same page again
        assert all("?v=" in url for url in weight.first.urls if "/static/" in url), weight.first.urls
