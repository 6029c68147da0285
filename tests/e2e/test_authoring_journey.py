"""A trainer in a real browser: writes a lesson, previews it, publishes it, translates it to French
and creates a group; a member joins with the code and reads the lesson. Every page visited is
scanned with axe-core."""
from __future__ import annotations

from datetime import timedelta

from lms import clock
from tests.e2e.helpers import sign_in


def test_trainer_writes_publishes_and_translates_a_lesson(browser, page, live_server, create_user, axe):
    create_user("tina", role="trainer")
    sign_in(page, live_server, "tina")
    page.click('header a[href="/author/"]')
    axe.scan(page)
    page.click('a[href="/author/courses/new"]')
    page.fill("#title", "Safe work in mines")
    page.fill("#summary", "What every miner should know.")
    page.fill("#intro", "Mining can be safe when workers have a say.")
    page.check('input[name="topics"][value="health-and-safety"]')
    axe.scan(page)
    page.click("main form button[type=submit]")
    base = "/author/courses/safe-work-in-mines"
    assert page.url.endswith(base)
    page.fill("#module-title", "Dangers underground")
    page.click('form[action$="/modules"] button')
    page.fill("#lesson-title-dangers-underground", "Gas and dust")
    page.click('form[action$="/lessons"] button')
    axe.scan(page)

    page.fill("#body", "## Gas\n\nTest the air **before** every shift.")
    # The script refreshes the preview as the trainer types...
    page.locator("#live-preview .prose strong").wait_for()
    assert page.inner_text("#live-preview .prose strong") == "before"
    # ...and the Preview button works without it.
    page.click("#preview")
    assert page.inner_html(".preview .prose").count("<strong>before</strong>") == 1
    axe.scan(page)
    page.click("#save")
    assert "2" in page.inner_text(".flash")
    page.goto(live_server + base)
    page.click(f'form[action="{base}/publish"] button')
    axe.scan(page)

    page.click(f'a[href="{base}/translate/fr"]')
    axe.scan(page)
    page.click(f'a[href="{base}/translate/fr/lessons/gas-and-dust"]')
    page.fill("#title", "Gaz et poussière")
    page.fill("#body", "## Gaz\n\nTestez l'air **avant** chaque poste.")
    page.click("#save")
    axe.scan(page)
    page.click('a[href*="/history"]')
    axe.scan(page)
    page.goto(f"{live_server}{base}/translate/fr/modules/dangers-underground")
    axe.scan(page)

    # A training group for the course, with its join code.
    page.click('header a[href="/groups"]')
    axe.scan(page)
    page.click('a[href="/groups/new"]')
    page.fill("#name", "Miners of Potosí")
    page.select_option("#course", "safe-work-in-mines")
    page.select_option("#country", "BO")
    page.check('input[name="mode"][value="in-person"]')
    page.fill("#place", "Potosí")
    page.fill("#starts_on", clock.today().isoformat())
    page.fill("#ends_on", (clock.today() + timedelta(days=14)).isoformat())
    axe.scan(page)
    page.click("main form button[type=submit]")
    code = page.inner_text("strong.code")
    axe.scan(page)
    page.click('a[href$="/code"]')
    assert page.locator(".qr svg").count() == 1
    axe.scan(page)

    # A member signs up, joins with the code and reads the lesson in French.
    create_user("rosa", locale="fr")
    member = browser.new_context().new_page()
    sign_in(member, live_server, "rosa")
    member.goto(f"{live_server}/join")
    axe.scan(member)
    member.fill("#code", code.lower())
    member.click("main form button[type=submit]")
    assert "/groups/" in member.url
    axe.scan(member)
    member.click('main a[href="/courses/safe-work-in-mines"]')
    member.click('a[href="/courses/safe-work-in-mines/lessons/gas-and-dust"]')
    assert member.inner_text("article h1") == "Gaz et poussière"
    axe.scan(member)
    member.context.close()

    # The trainer's group table now has the member.
    page.goto(page.url.removesuffix("/code"))
    assert "rosa" in page.inner_text("table")
    axe.scan(page)

    assert axe.violations == []
