"""A trainer undoes authoring in a real browser: deletes a lesson through its confirmation page and reorders
quiz questions, in English, Arabic and Khmer, every page scanned with axe-core; then deletes a module with
JavaScript off."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import Course, CourseEditor
from tests.e2e.helpers import sign_in
from tests.helpers import BUNDLED_COURSE

C = f"/author/courses/{BUNDLED_COURSE}"


@pytest.fixture
def owner(create_user, library):
    user = create_user("tina", role="trainer")
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    db.session.add(CourseEditor(course_id=course.id, user_id=user.id, role="owner"))
    db.session.commit()
    return user


def question_order(page) -> list[str]:
    return [href.split("/questions/")[1] for href in page.eval_on_selector_all(
        "main ol.feedback a[href$='/delete']", "links => links.map(a => a.getAttribute('href'))")]


@pytest.mark.parametrize("language, direction", [("en", "ltr"), ("ar", "rtl"), ("km", "ltr")])
def test_trainer_deletes_a_lesson_and_reorders_questions(page, live_server, owner, axe, language, direction):
    sign_in(page, live_server, "tina")
    page.goto(f"{live_server}{C}?lang={language}")
    assert page.get_attribute("html", "dir") == direction
    axe.scan(page)
    page.click(f'a[href="{C}/lessons/who-takes-part/delete"]')
    assert page.url.endswith(f"{C}/lessons/who-takes-part/delete")
    assert page.locator("main ul li").count() >= 1  # what goes with it
    axe.scan(page)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}{C}")
    assert page.locator(f'a[href="{C}/lessons/who-takes-part"]').count() == 0
    axe.scan(page)

    page.goto(f"{live_server}{C}/modules/what-and-who/quiz")
    before = [slug.removesuffix("/delete") for slug in question_order(page)]
    second = before[1]
    page.click(f'form[action="{C}/modules/what-and-who/questions/{second}/move"]:has(input[value="up"]) button')
    page.wait_for_load_state("load")
    after = [slug.removesuffix("/delete") for slug in question_order(page)]
    assert after == [before[1], before[0], *before[2:]]
    axe.scan(page)
    page.goto(f"{live_server}{C}/modules/what-and-who/questions/{second}/delete")
    axe.scan(page)
    page.goto(f"{live_server}{C}/delete")
    axe.scan(page)
    page.goto(f"{live_server}/author/?show=archived")
    axe.scan(page)
    page.goto(f"{live_server}{C}/lessons/what-is-social-dialogue/history")
    axe.scan(page)
    assert axe.violations == [], axe.violations


def test_trainer_deletes_a_module_without_javascript(browser, live_server, owner):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server, "tina")
    page.goto(f"{live_server}{C}")
    page.click(f'a[href="{C}/modules/what-and-who/delete"]')
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}{C}")
    assert page.locator(f'a[href="{C}/modules/what-and-who/quiz"]').count() == 0
    assert page.locator(".flash").count() == 1
    context.close()
