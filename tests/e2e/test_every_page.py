"""Every page type, as its reader sees it, in English, Arabic (right to left) and Khmer: no axe violation,
every control reachable by keyboard with a visible focus, and every journey without JavaScript."""
from __future__ import annotations

import pytest

from bench import page_weight
from lms import clock

#: The outline drawn by :focus-visible (site.css); an element without it has no visible focus.
FOCUS_STYLE = """() => {
  const element = document.activeElement;
  // Past the last control, focus leaves the page for the browser's own controls.
  if (!element || element === document.body || !element.matches(':focus')) return null;
  const style = getComputedStyle(element);
  return {tag: element.tagName, text: (element.textContent || element.value || '').trim().slice(0, 40),
          html: element.outerHTML.slice(0, 100),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


@pytest.fixture
def readers(app, browser, live_server):
    """Each page type's path and the session cookies of the member, trainer and coordinator."""
    paths = page_weight.prepare(app)
    names = {name for name in page_weight.READER.values() if name} | {"bench-member"}
    return paths, {name: page_weight.session_cookies(browser, live_server, name) for name in names}


def open_as_reader(browser, cookies, page_type: str):
    """A new browser context signed in as the page type's reader (or signed out), and its page."""
    reader = page_weight.READER.get(page_type, "bench-member")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    if reader:
        context.add_cookies(cookies[reader])
    return context, context.new_page()


@pytest.mark.parametrize("language", ["en", "ar", "km"])
def test_every_page_type_passes_axe(browser, live_server, readers, axe, language):
    paths, cookies = readers
    for page_type, path in paths.items():
        context, page = open_as_reader(browser, cookies, page_type)
        page.goto(f"{live_server}{path}{'&' if '?' in path else '?'}lang={language}")
        assert page.get_attribute("html", "lang") == language
        axe.scan(page)
        context.close()
    assert len(axe.scanned) == len(paths)


def test_every_control_of_every_page_type_is_reached_by_keyboard_with_a_visible_focus(
        browser, live_server, readers):
    paths, cookies = readers
    for page_type, path in paths.items():
        context, page = open_as_reader(browser, cookies, page_type)
        page.goto(live_server + path)
        controls = page.locator("a[href]:visible, button:visible, input:not([type=hidden]):visible, "
                                "select:visible, textarea:visible, summary:visible").count()
        seen = []
        for _ in range(controls + 3):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_STYLE)
            if focused:
                seen.append(focused)
        assert len(seen) >= controls, (page_type, len(seen), controls)
        assert [f for f in seen if not f["outline"]] == [], page_type
        context.close()


def test_the_member_journey_works_without_javascript(browser, live_server, readers):
    paths, _cookies = readers
    context, page = no_script_sign_in(browser, live_server, "bench-member")
    assert page.url.rstrip("/") == live_server, (page.url, page.inner_text("main")[:300])
    page.goto(live_server + paths["lesson"])
    assert page.locator(".offline-save").count() == 0 or not page.locator(".offline-save").is_visible()
    page.click('form[action$="/done"] button')  # marks the lesson done and goes on
    assert page.url != live_server + paths["lesson"]
    page.goto(live_server + paths["quiz"])
    page.click("main form button[type=submit]")  # nothing answered: the form says so
    assert page.locator(".error").count() >= 1
    for question in page.locator("main fieldset").all():
        question.locator("input").first.check()
    page.click("main form button[type=submit]")
    assert page.url.endswith("/quiz/result")
    page.goto(live_server + paths["survey"])  # the baseline survey, consent already given
    for question in page.locator("main fieldset").all():
        question.locator("input").first.check()
    for number in page.locator("main form input[inputmode=decimal]").all():
        number.fill("40")
    page.click("main form button[type=submit]")
    assert "Your answers are saved." in page.inner_text("main")
    page.goto(live_server + paths["course"] + "/print")
    assert page.locator(".handout-module").count() >= 1
    context.close()


def no_script_sign_in(browser, live_server, username: str):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server + "/sign-in")
    page.fill("#identifier", username)
    page.fill("#password", page_weight.PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    return context, page


def test_authoring_and_reports_work_without_javascript(browser, live_server, readers):
    paths, _cookies = readers
    context, page = no_script_sign_in(browser, live_server, "bench-trainer")
    page.goto(live_server + paths["author-lesson"])
    page.fill("#body", "## Without a script\n\nThe **preview** button works too.")
    page.click("#preview")
    assert page.inner_html(".preview .prose").count("<strong>preview</strong>") == 1
    page.click("#save")
    assert page.locator(".flash").count() == 1
    context.close()

    context, page = no_script_sign_in(browser, live_server, "bench-coordinator")
    page.goto(live_server + paths["dashboard"])
    page.click(".filters summary")
    quarter = (clock.today().month - 1) // 3 + 1  # the bench member enrolled today
    page.select_option("#quarter", str(quarter))
    page.click(".filters button[type=submit]")
    assert f"quarter={quarter}" in page.url and page.locator("#by_country-title").count() == 1
    with page.expect_download() as download:
        page.click('a[href*="/reports/report.zip"]')
    assert download.value.suggested_filename.endswith(".zip")
    context.close()
