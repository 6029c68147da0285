"""A live server on a free local port, and headless Chromium driven by Playwright."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import ROOT
from tests.surveys.conftest import make_survey  # noqa: F401 - the survey factory, for the survey pages

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    missing = [str(p) for p in (Path(CHROMIUM), AXE) if not p.exists()]
    if missing:
        pytest.fail(f"Browser tests need {', '.join(missing)}: run `make test`, which installs them.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


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


@pytest.fixture
def axe():
    return AxeScanner()
