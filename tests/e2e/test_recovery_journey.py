"""A member who forgot their password, in a real browser: from the sign-in page to the e-mail (received by a
local SMTP server), through its link to a new password, and signed in with it. Every new page is scanned with
axe-core in English, Arabic and Khmer; the same journey works with JavaScript off."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

NEW_PASSWORD = "a new password for the union"
LINK = re.compile(r"https?://\S+/reset-password\?token=\S+")


@pytest.mark.parametrize("language, direction, javascript",
                         [("en", "ltr", True), ("ar", "rtl", True), ("km", "ltr", True), ("en", "ltr", False)])
def test_forgotten_password_journey(browser, live_server, create_user, inbox, axe, language, direction, javascript):
    create_user("amina", email="amina@example.org", display_name="Amina", locale=language)
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 390, "height": 844},
                                  locale="en-GB")
    page = context.new_page()

    def scan() -> None:
        assert page.get_attribute("html", "lang") == language
        assert page.get_attribute("html", "dir") == direction
        if javascript:  # axe-core is a script
            axe.scan(page)

    page.goto(f"{live_server}/sign-in?lang={language}")
    scan()
    page.click('main a[href="/forgot-password"]')
    scan()
    page.click("main form button[type=submit]")  # nothing written: told so
    assert page.locator(".error").count() == 1
    scan()
    page.fill("#identifier", "Amina@example.org")
    page.click("main form button[type=submit]")
    assert page.locator('main [role="status"] p').count() == 2
    scan()

    [message] = inbox.wait_for(1)
    link = urlsplit(LINK.search(message["body"]).group(0))
    page.goto(f"{live_server}{link.path}?{link.query}")
    scan()
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/sign-in")
    assert page.locator(".flash-success").count() == 1
    scan()

    page.fill("#identifier", "amina")
    page.fill("#password", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert page.locator('header form[action="/sign-out"]').count() == 1  # signed in

    page.goto(f"{live_server}{link.path}?{link.query}")  # used: it no longer works
    assert page.locator('main a[href="/forgot-password"]').count() == 1
    scan()
    context.close()
    assert axe.violations == []
    assert len(axe.scanned) == (7 if javascript else 0)
