"""The reports dashboard in a real browser with the axe scan, in English and in Arabic (right to left)."""
from __future__ import annotations

import re
from datetime import date

from lms.extensions import db
from lms.learn import services as learning
from tests.conftest import BUNDLED_COURSE
from tests.e2e.test_group_pages import sign_in


def test_the_dashboard_is_accessible_with_its_charts(page, live_server, library, create_user, axe):
    course = learning.find_course(BUNDLED_COURSE)
    for i in range(12):
        member = create_user(f"m{i}", country="PE", gender="woman" if i % 3 else "man", birth_year=1990 + i)
        learning.enrol(member.id, course)
    db.session.commit()
    create_user("carlos", role="coordinator", coordinated_countries=["PE"])
    sign_in(page, live_server, "carlos")
    page.goto(f"{live_server}/reports?year={date.today().year}")
    assert page.locator("svg.chart").count() >= 2
    assert re.search(r"\b(10|15)\b", page.inner_text("#by_country-title + svg + .table-scroll"))  # 12, published
    axe.scan(page)
    page.goto(f"{live_server}/reports?year={date.today().year}&lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    axe.scan(page)
    assert axe.violations == []
