"""The reports dashboard in a real browser with the axe scan, in English and in Arabic (right to left)."""
from __future__ import annotations

import re

from tests.e2e.helpers import sign_in
from tests.reports.helpers import enrolled_last_month, last_month_query


def test_the_dashboard_is_accessible_with_its_charts(page, live_server, library, create_user, axe):
    """Last month's dashboard: figures are published for periods that have ended."""
    for i in range(12):
        enrolled_last_month(create_user, f"m{i}", country="PE", gender="woman" if i % 3 else "man",
                            birth_year=1990 + i)
    create_user("carlos", role="coordinator", coordinated_countries=["PE"])
    sign_in(page, live_server, "carlos")
    page.goto(f"{live_server}/reports?{last_month_query()}")
    assert page.locator("svg.chart").count() >= 2
    assert re.search(r"\b(10|15)\b", page.inner_text("#by_country-title + figure + .table-scroll"))  # 12, published
    axe.scan(page)
    page.goto(f"{live_server}/reports?{last_month_query()}&lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    axe.scan(page)
    assert axe.violations == []
