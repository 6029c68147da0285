"""Pages of groups the journeys do not pass, in a real browser with the axe scan: bulk accounts and
their printable sheet, first sign-in with a one-time password, paper scores, a certificate and its
public check."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.groups.services import create_group
from lms.models import Certificate, Course
from tests.e2e.helpers import sign_in
from tests.helpers import BUNDLED_COURSE, complete_course


def test_group_pages_are_accessible(browser, page, live_server, library, create_user, axe):
    trainer = create_user("tina", role="trainer")
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    group = create_group(trainer=trainer, course=course, name="Dakar market women", country="SN", place="Dakar",
                         mode="in-person", starts_on=clock.today(), ends_on=clock.today() + timedelta(days=5))
    db.session.commit()
    sign_in(page, live_server, "tina")
    page.goto(f"{live_server}/groups/{group.id}/members/bulk")
    axe.scan(page)
    page.fill("#members", "Awa Ndiaye\nFatou Sow, fatou.s")
    page.click("main form button[type=submit]")
    axe.scan(page)
    password = page.inner_text("table.sheet tbody tr:nth-child(2) td:nth-child(3)")
    page.goto(f"{live_server}/groups/{group.id}/paper-scores/what-and-who")
    axe.scan(page)
    page.goto(f"{live_server}/groups/{group.id}")
    axe.scan(page)

    member = browser.new_context().new_page()
    sign_in(member, live_server, "fatou.s", password.strip())
    assert member.url.endswith("/first-password")
    axe.scan(member)
    member.context.close()

    graduate = create_user("rosa", display_name="Rosa Quispe")
    full = complete_course(graduate.id)
    code = db.session.scalar(select(Certificate.code))
    reader = browser.new_context().new_page()
    sign_in(reader, live_server, "rosa")
    reader.goto(f"{live_server}/certificates/{full.id}")
    axe.scan(reader)
    reader.goto(f"{live_server}/verify/{code}")
    axe.scan(reader)
    reader.context.close()
    assert axe.violations == []


def test_organisations_page_is_accessible(page, live_server, create_user, axe):
    create_user("ada", role="admin")
    sign_in(page, live_server, "ada")
    page.click('header a[href="/admin/organisations"]')
    page.fill("#name", "Hotel workers' union")
    page.fill("#acronym", "HWU")
    page.select_option("#country", "PE")
    page.fill("#sector", "hotels")
    page.click("main form[method=post] button[type=submit]")
    assert "HWU" in page.inner_text("table")
    axe.scan(page)
    assert axe.violations == []
