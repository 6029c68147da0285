"""The member's journey in a real browser: sign up, switch language, take a lesson, pass a quiz,
sign out, sign in, continue. Every page on the way is scanned with axe-core."""
from __future__ import annotations

import re

import pytest

from tests.helpers import BUNDLED_COURSE, PASSWORD


@pytest.mark.parametrize("language, direction", [("fr", "ltr"), ("ar", "rtl"), ("km", "ltr")])
def test_member_journey(page, live_server, library, axe, language, direction):
    bundle = library[BUNDLED_COURSE]
    first_module = bundle.modules[0]

    page.goto(live_server + "/")
    axe.scan(page)

    # Sign up: first with a mistake, then right.
    page.click('header a[href="/sign-up"]')
    page.click("main form button[type=submit]")
    assert page.locator(".error").count() >= 3
    axe.scan(page)
    page.fill("#username", "awa.k")
    page.fill("#display_name", "Awa Koné")
    page.select_option("#country", "CI")
    page.check('input[name="gender"][value="woman"]')
    page.fill("#birth_year", "1999")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.check("#consent")
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server + "/")
    assert "Awa Koné" in page.inner_text("main")
    axe.scan(page)

    # Switch language with the switcher (a disclosure: it works without JavaScript).
    page.click(".languages summary")
    axe.scan(page)
    page.click(f'a[hreflang="{language}"]')
    assert page.get_attribute("html", "lang") == language
    assert page.get_attribute("html", "dir") == direction
    axe.scan(page)

    # Find the course in the catalogue, start it, read the first lessons.
    page.click('header a[href="/courses"]')
    axe.scan(page)
    page.click(f'a[href="/courses/{BUNDLED_COURSE}"]')
    axe.scan(page)
    page.click('form[action$="/start"] button')
    assert page.url.endswith(f"/lessons/{first_module.lessons[0]}")
    axe.scan(page)
    content = bundle.languages.get(language, bundle.languages[bundle.source_language])
    assert page.inner_text("article h1") == content.lessons[first_module.lessons[0]].title
    if language not in bundle.languages:  # the source, marked as such inside the page
        assert page.get_attribute("article", "lang") == bundle.source_language
    for _ in first_module.lessons:
        page.click('form[action$="/done"] button')
    assert page.url.endswith(f"/modules/{first_module.id}/quiz")
    axe.scan(page)

    # Pass the quiz.
    for question in first_module.questions:
        for choice in question.correct:
            page.check(f'input[name="q_{question.id}"][value="{choice}"]')
    page.click("main form button[type=submit]")
    assert page.url.endswith("/quiz/result")
    assert page.locator("main .flash-success").count() == 1
    assert page.locator(".is-wrong").count() == 0
    axe.scan(page)

    # Sign out, sign in again, continue where we left off.
    page.click("header form button")
    page.click('header a[href="/sign-in"]')
    axe.scan(page)
    page.fill("#identifier", "awa.k")
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server + "/")
    assert page.get_attribute("html", "lang") == language  # kept in the profile
    axe.scan(page)
    page.click(".resume a.button")
    assert page.url.endswith(f"/lessons/{bundle.modules[1].lessons[0]}")
    axe.scan(page)
    page.click('header a[href="/my-learning"]')
    assert re.search(r"\d+", page.inner_text("main .progress"))
    axe.scan(page)

    assert len(axe.scanned) >= 13
    assert axe.violations == []


def test_pages_work_without_javascript(browser, live_server, library):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}/lessons/{library[BUNDLED_COURSE].lesson_ids[0]}?lang=es")
    assert page.get_attribute("html", "lang") == "es"
    page.click('a[href^="/sign-in"]')
    assert page.locator("#identifier").count() == 1
    context.close()


def test_other_pages_are_accessible(page, live_server, library, create_user, axe):
    """Pages the journey does not pass: a failed quiz, the profile, errors, Spanish, a fallback."""
    create_user("scan", password=PASSWORD)
    module = library[BUNDLED_COURSE].modules[1]
    page.goto(f"{live_server}/sign-in?lang=es")
    page.fill("#identifier", "scan")
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}/modules/{module.id}/quiz")
    page.click("main form button[type=submit]")  # nothing answered: errors on every question
    assert page.locator(".error").count() == len(module.questions)
    axe.scan(page)
    for question in module.questions:
        wrong = next(c for c in question.choices if c not in question.correct)
        page.check(f'input[name="q_{question.id}"][value="{wrong}"]')
    page.click("main form button[type=submit]")
    assert page.locator(".is-wrong").count() == len(module.questions)
    axe.scan(page)
    for path in ("/profile", "/my-learning", f"/courses/{BUNDLED_COURSE}", "/courses/nope", "/courses?topic=zz"):
        page.goto(live_server + path)
        assert page.get_attribute("html", "lang") == "es"
        axe.scan(page)
    assert axe.violations == []
