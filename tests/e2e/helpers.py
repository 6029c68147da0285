"""What the browser tests call: Chromium and axe-core, a sign-in through the page, and the steps of the offline
journeys. Fixtures (live_server, browser, page, axe) are in conftest.py."""
from __future__ import annotations

import os

from tests.helpers import BUNDLED_COURSE, PASSWORD, ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

#: True once every stylesheet of the page has loaded its rules.
STYLED = """() => document.styleSheets.length > 0 && [...document.styleSheets].every(sheet => {
  try { return sheet.cssRules.length > 0; } catch (error) { return true; }
})"""


class AxeScanner:
    """Scans each page it is shown with axe-core; the test asserts no page had a violation."""

    def __init__(self):
        self.script = AXE.read_text(encoding="utf-8")
        self.scanned: list[str] = []
        self.violations: list[str] = []

    def scan(self, page) -> None:
        # Scan the page as a reader sees it: loaded, with its stylesheet applied (on a busy machine a
        # scan could otherwise see the bare HTML and report its links as too small to tap).
        page.wait_for_load_state("load")
        page.wait_for_function(STYLED)
        page.evaluate(self.script)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        self.scanned.append(page.url)
        for violation in result["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            self.violations.append(f"{page.url}: {violation['id']}: {violation['help']} {targets}")


def sign_in(page, live_server, username: str, password: str = PASSWORD, *, wait_for_home: bool = False) -> None:
    """Sign in through the sign-in page; ``wait_for_home`` waits until the portal's home page is shown."""
    page.goto(f"{live_server}/sign-in")
    page.fill("#identifier", username)
    page.fill("#password", password)
    page.click("main form button[type=submit]")
    if wait_for_home:
        page.wait_for_url(live_server + "/")


def sign_up_by_sms(page, live_server, language: str = "en") -> None:
    """Awa signs up with a Peruvian number written the local way, no e-mail, and chooses to be reached by SMS."""
    page.goto(f"{live_server}/sign-up?lang={language}")
    page.fill("#username", "awa.k")
    page.fill("#display_name", "Awa")
    page.fill("#phone", "987 654 321")
    page.select_option("#country", "PE")
    page.check('input[name="gender"][value="woman"]')
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.check('input[name="reach"][value="sms"]')
    page.check("#consent")
    page.click("main form button[type=submit]")


def save_course(page, live_server) -> None:
    """On the course page (the course started): Save on this phone, then a reload so that the service worker
    controls the page."""
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}")
    page.locator(".offline-save").wait_for(state="visible")
    page.click("[data-offline-save]")
    page.wait_for_function("() => document.querySelector('.offline-state').textContent.includes('Saved on this')")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def start_course(page, live_server) -> None:
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}")
    page.click('form[action$="/start"] button')  # starts the course, opens the first lesson
    page.wait_for_url("**/lessons/**")


def shows_no_saved_page(page) -> None:
    """The page shown without a connection is the "No connection" page, not a saved lesson or course."""
    assert page.inner_text("h1") == "No connection"
    assert page.locator("article").count() == 0 and page.locator(".course-status").count() == 0
