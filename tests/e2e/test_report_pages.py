"""The reports dashboard and the trainer family tree in a real browser with the axe scan, in English and in Arabic
(right to left)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from lms import clock
from lms.extensions import db
from lms.groups import services as groups
from lms.learn.services import find_course
from tests.e2e.helpers import sign_in
from tests.helpers import BUNDLED_COURSE, complete_course
from tests.reports.helpers import enrolled_last_month, last_month, last_month_query


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


def test_the_trainer_family_tree_is_accessible_as_nested_lists(page, live_server, library, create_user, axe):
    """Bea, made a trainer last month after Ana's training of trainers, stands under Ana."""
    start, _end = last_month()
    with clock.freeze(datetime(start.year, start.month, 10, 10, tzinfo=UTC)):
        ana = create_user("ana", display_name="Ana", role="trainer")
        bea = create_user("bea", display_name="Bea")
        cora = create_user("cora", role="coordinator", coordinated_countries=["PE"])
        group = groups.create_group(trainer=ana, course=find_course(BUNDLED_COURSE), name="ToT Lima", country="PE",
                                    place="Lima", mode="in-person", starts_on=start, ends_on=start,
                                    trains_trainers=True)
        groups.add_member(group, bea)
        db.session.commit()
        complete_course(bea.id)
        assert groups.promote_to_trainer(group, bea, cora)
        db.session.commit()
    sign_in(page, live_server, "cora")
    page.goto(f"{live_server}/reports/family-tree?{last_month_query()}")
    assert page.inner_text("ul.family-tree > li > bdi") == "Ana"
    assert page.inner_text("ul.family-tree ul.family-tree > li > bdi") == "Bea"
    axe.scan(page)
    page.goto(f"{live_server}/reports/family-tree?{last_month_query()}&lang=ar")
    axe.scan(page)
    assert axe.violations == []
