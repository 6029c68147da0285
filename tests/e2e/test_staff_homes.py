"""Staff homes in Chromium: a trainer and a coordinator sign in and land on their home (with JavaScript and
without), axe in English, Arabic and Khmer; staff pages use a desktop's width while a member's lesson keeps its
column, and on a phone no staff page scrolls sideways as a whole (tables scroll in their own box)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.groups import services as groups
from lms.models import Course, CourseEditor, GroupMember
from tests.e2e.helpers import sign_in
from tests.helpers import BUNDLED_COURSE, PASSWORD

pytestmark = pytest.mark.browser

LESSON = f"/courses/{BUNDLED_COURSE}/lessons/who-takes-part"
MAIN_WIDTH = "() => document.querySelector('main').getBoundingClientRect().width"
SIDEWAYS = "() => document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.fixture
def staff(library, create_user, make_survey):
    """A trainer in Peru and her group (a member in it, a survey waiting), the coordinator of Peru, an admin."""
    trainer = create_user("tania", role="trainer", country="PE")
    create_user("carmen", role="coordinator", country="PE", coordinated_countries=["PE"])
    create_user("adela", role="admin", country="PE")
    member = create_user("mateo", country="PE")
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    today = clock.today()
    group = groups.create_group(trainer=trainer, course=course, name="Hotel workers of Miraflores, evening group",
                                country="PE", place="Lima", mode="in-person", starts_on=today - timedelta(days=30),
                                ends_on=today + timedelta(days=10))
    db.session.add(GroupMember(group_id=group.id, user_id=member.id))
    db.session.add(CourseEditor(course_id=course.id, user_id=trainer.id, role="owner"))
    db.session.commit()
    make_survey(code="evening-voice", privacy="identified", creator=trainer, group=group, waves=["baseline"],
                indicators=False)
    return group


def sign_in_without_script(browser, live_server, username: str, viewport=(390, 844)):
    context = browser.new_context(java_script_enabled=False, viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    page.goto(f"{live_server}/sign-in")
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    return context, page


@pytest.mark.parametrize("username, home, heading", [("tania", "/today", "Today"),
                                                     ("carmen", "/overview", "Overview")])
def test_staff_land_on_their_home_which_passes_axe_in_three_languages(page, live_server, staff, axe, username,
                                                                      home, heading):
    sign_in(page, live_server, username)
    page.wait_for_url(live_server + home)
    assert page.inner_text("h1") == heading
    assert "Hotel workers of Miraflores" in page.inner_text("main")
    axe.scan(page)
    for language in ("ar", "km"):
        page.goto(f"{live_server}{home}?lang={language}")
        assert page.get_attribute("html", "lang") == language
        axe.scan(page)
    page.goto(f"{live_server}/surveys/manage")
    axe.scan(page)
    assert axe.violations == []


def test_staff_land_on_their_home_without_javascript(browser, live_server, staff):
    for username, home in (("tania", "/today"), ("carmen", "/overview"), ("adela", "/overview")):
        context, page = sign_in_without_script(browser, live_server, username)
        assert page.url == live_server + home, username
        page.click("text=My work")
        assert page.url == live_server + home and "Hotel workers of Miraflores" in page.inner_text("main")
        context.close()
    context, page = sign_in_without_script(browser, live_server, "mateo")
    assert page.url.rstrip("/") == live_server and page.locator("text=My work").count() == 0
    context.close()


def test_staff_pages_use_a_desktops_width_and_a_members_lesson_keeps_its_column(browser, live_server, staff):
    context, page = sign_in_without_script(browser, live_server, "tania", viewport=(1366, 900))
    for path in ("/today", f"/groups/{staff.id}", "/surveys/manage", "/author/"):
        page.goto(live_server + path)
        assert page.evaluate(MAIN_WIDTH) > 900, path
    context.close()
    context, page = sign_in_without_script(browser, live_server, "mateo", viewport=(1366, 900))
    page.goto(live_server + LESSON)
    assert page.evaluate(MAIN_WIDTH) <= 900
    context.close()


def test_no_staff_page_scrolls_sideways_on_a_phone(browser, live_server, staff):
    last_year = clock.today().year - 1
    pages = {"tania": ["/today", "/groups", f"/groups/{staff.id}", f"/groups/{staff.id}/code", "/surveys/manage",
                       "/surveys/manage/evening-voice", "/surveys/manage/evening-voice/results", "/workplaces",
                       "/author/", f"/author/courses/{BUNDLED_COURSE}",
                       f"/author/courses/{BUNDLED_COURSE}/translate/fr",
                       f"/author/courses/{BUNDLED_COURSE}/lessons/who-takes-part/history"],
             "carmen": ["/overview", "/today", f"/reports?year={last_year}"],
             "adela": ["/overview", "/admin/organisations", "/admin/audit"]}
    for username, paths in pages.items():
        context, page = sign_in_without_script(browser, live_server, username)
        for path in paths:
            assert page.goto(live_server + path).status == 200, path
            assert page.evaluate(SIDEWAYS) <= 0, (username, path)
        context.close()
