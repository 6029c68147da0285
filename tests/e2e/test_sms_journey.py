"""A member without e-mail on a small phone, in a real browser: signs up with a phone number and SMS, confirms the
number with the code sent, forgets the password and chooses a new one with a code, then signs in with a code.
The codes are read from the SMS queued (the gateway's side is tested elsewhere). Every page is scanned with axe-core
in English, Arabic and Khmer; the same journey works with JavaScript off."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import TextMessage
from tests.e2e.helpers import sign_up_by_sms

NEW_PASSWORD = "a new password for the union"
NUMBER = "+51987654321"


def code_number(count: int) -> str:
    """The code of the ``count``-th SMS to the number, once the live server has queued it (after its answer)."""
    deadline = time.monotonic() + 10
    while True:
        db.session.expire_all()
        texts = db.session.scalars(select(TextMessage.text).where(TextMessage.phone == NUMBER)
                                   .order_by(TextMessage.id)).all()
        if len(texts) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(texts) == count
    return re.search(r"\d{6}", texts[-1]).group(0)


@pytest.mark.parametrize("language, direction, javascript",
                         [("en", "ltr", True), ("ar", "rtl", True), ("km", "ltr", True), ("en", "ltr", False)])
def test_a_member_without_email_lives_by_sms_codes(browser, live_server, app_ctx, sms_enabled, axe, language,
                                                   direction, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 360, "height": 640},
                                  locale="en-GB")
    page = context.new_page()

    def scan() -> None:
        assert page.get_attribute("html", "lang") == language
        assert page.get_attribute("html", "dir") == direction
        if javascript:  # axe-core is a script
            axe.scan(page)

    def submit() -> None:
        page.click("main form button[type=submit]")

    sign_up_by_sms(page, live_server, language)
    page.wait_for_url(f"{live_server}/profile/phone?next=/")
    scan()
    page.fill("#code", "000000")
    submit()
    assert page.locator(".error").count() == 1
    scan()
    page.fill("#code", code_number(1))
    submit()
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/profile")
    scan()
    page.click("header form[data-sign-out] button")
    page.wait_for_selector('header a[href="/sign-in"]')  # signed out (a script may first empty the offline copies)

    page.goto(f"{live_server}/sign-in?lang={language}")  # signed out: the visitor's language again
    page.click('main a[href="/forgot-password"]')
    page.fill("#identifier", "awa.k")
    submit()
    assert page.locator('main [role="status"] p').count() == 2
    scan()
    page.fill("#code", code_number(2))
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    submit()
    page.wait_for_url(f"{live_server}/sign-in")
    assert page.locator(".flash-success").count() == 1

    page.click('main a[href="/sign-in/code"]')
    scan()
    page.fill("#identifier", "+51 987 654 321")
    submit()
    scan()
    page.fill("#code", code_number(3))
    submit()
    page.wait_for_url(f"{live_server}/")
    assert page.locator('header form[action="/sign-out"]').count() == 1  # signed in
    context.close()
    assert axe.violations == []
    assert len(axe.scanned) == (6 if javascript else 0)
