"""Admin › People in a real browser with the axe scan: an administrator finds a member, gives her a new one-time
password, and she signs in with it and must choose her own; every new page in English, Arabic and Khmer; the list
with JavaScript off."""
from __future__ import annotations

import re

from lms.extensions import db
from lms.models import Organisation
from tests.e2e.helpers import sign_in

NEW_PASSWORD = "a tiger in the rice field"


def people_world(create_user):
    union = Organisation(name="Hotel workers", acronym="HWU", country="PE", sector="hotels")
    db.session.add(union)
    db.session.commit()
    create_user("ada", role="admin", display_name="Ada Admin")
    create_user("cora", role="coordinator", display_name="Cora Coordinator", coordinated_countries=["PE"])
    for number in range(55):
        create_user(f"member{number:02}", display_name=f"Member {number:02}", country="BJ")
    return create_user("rosa", display_name="Rosa Quispe", phone="987 654 321", organisation_id=union.id)


def scan_new_pages(page, live_server, axe, rosa_id: int, language: str) -> None:
    """Every page of Admin › People in ``language``; the sheet after a real reset."""
    for path in ("/admin/people", "/admin/people?q=quispe", "/admin/audit", f"/admin/people/{rosa_id}",
                 f"/admin/people/{rosa_id}/suspension", f"/admin/people/{rosa_id}/erase",
                 f"/people/{rosa_id}/password"):
        page.goto(f"{live_server}{path}{'&' if '?' in path else '?'}lang={language}")
        assert page.get_attribute("html", "lang") == language
        axe.scan(page)
    page.click("main form button[type=submit]")  # the password page: give a new one
    assert page.locator("[data-one-time-password]").count() == 1
    axe.scan(page)


def test_an_admin_resets_a_members_password_and_she_chooses_her_own(browser, page, live_server, create_user, axe):
    rosa = people_world(create_user)
    sign_in(page, live_server, "ada")
    page.wait_for_selector('header a[href="/admin/people"]')  # signed in, on the staff home
    for language in ("ar", "km"):
        scan_new_pages(page, live_server, axe, rosa.id, language)
    page.goto(f"{live_server}/?lang=en")

    page.click('header a[href="/admin/people"]')
    page.fill("#list-search", "Quispe")
    page.click("form.filters button[type=submit]")
    page.click("main table a:has-text('Rosa Quispe')")
    assert "HWU" in page.inner_text("main dl")
    axe.scan(page)
    page.click("main a:has-text('Give a new one-time password')")
    axe.scan(page)
    page.click("main form button[type=submit]")
    axe.scan(page)
    password = page.inner_text("[data-one-time-password]").strip()
    assert re.fullmatch(r"[a-z0-9]{8}", password)

    member = browser.new_context().new_page()
    sign_in(member, live_server, "rosa", password)
    member.wait_for_url(re.compile(r".*/first-password$"))
    member.fill("#password", NEW_PASSWORD)
    member.fill("#confirm", NEW_PASSWORD)
    member.click("main form button[type=submit]")
    member.wait_for_url(live_server + "/")
    assert "Your password is changed." in member.inner_text("main")
    member.context.close()

    again = browser.new_context().new_page()
    sign_in(again, live_server, "rosa", password)  # the one-time password is spent
    assert again.url.endswith("/sign-in") and "wrong" in again.inner_text("main")
    sign_in(again, live_server, "rosa", NEW_PASSWORD, wait_for_home=True)
    again.context.close()

    scan_new_pages(page, live_server, axe, rosa.id, "en")
    assert axe.violations == []


def test_the_people_list_works_without_javascript(browser, live_server, create_user):
    people_world(create_user)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server, "ada")
    page.goto(f"{live_server}/admin/people")
    assert "Page 1 of 2" in page.inner_text("main")
    page.click("nav.pager a[rel=next]")
    assert "Page 2 of 2" in page.inner_text("main")
    page.click("main th a:has-text('Name')")  # sorted by name, descending now: Rosa first
    assert page.inner_text("main tbody tr:first-child td:first-child").startswith("Rosa Quispe")
    page.select_option("#people-role", "coordinator")
    page.click("form.filters button[type=submit]")
    assert page.locator("main tbody tr").count() == 1 and "Cora Coordinator" in page.inner_text("main tbody")
    page.fill("#list-search", "987 654")
    page.click("form.filters button[type=submit]")
    assert "Nothing matches" in page.inner_text("main")  # the filter on coordinators still holds
    page.select_option("#people-role", "")
    page.click("form.filters button[type=submit]")
    assert page.locator("main tbody tr").count() == 1 and "Rosa Quispe" in page.inner_text("main tbody")
    page.click("main a:has-text('Show all')")
    assert "Page 1 of 2" in page.inner_text("main")
    context.close()
