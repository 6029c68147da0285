"""Headless Chromium driven by Playwright (the live server it visits is in tests/conftest.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import AXE, CHROMIUM, CHROMIUM_ARGS, AxeScanner


@pytest.fixture(autouse=True)
def _quiet_after(request):
    """After a browser test, wait until the live server has answered the browser's last fetches: their log
    lines then go to this test's output, not to a later test that reads its own."""
    yield
    if "live_server" in request.fixturenames:
        request.getfixturevalue("live_server").wait_until_idle()


def _click_and_arrive(click):
    """Playwright's click returns once a navigation it started has begun, before the new page has been read:
    a count taken then sees an empty document. Every click in these tests waits for the page it leads to."""
    def clicked(page, *args, **kwargs):
        click(page, *args, **kwargs)
        page.wait_for_load_state("load")
    return clicked


@pytest.fixture(scope="session")
def browser():
    missing = [str(p) for p in (Path(CHROMIUM), AXE) if not p.exists()]
    if missing:
        pytest.fail(f"Browser tests need {', '.join(missing)}: run `make test`, which installs them.")
    from playwright.sync_api import Page, sync_playwright

    Page.click = _click_and_arrive(Page.click)
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


@pytest.fixture
def axe():
    return AxeScanner()
