"""A trainer writes to a group in a real browser: the live SMS count as they type (static JavaScript, no inline
script), the preview (a page of its own: Back after sending shows it again, sent), the confirmation and the list;
the administrators' SMS page; the member reading it on the group's page in English, Arabic and Khmer. Every page
passes axe."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.groups.services import create_group
from lms.learn.services import find_course
from lms.models import GroupMember, TextMessage
from tests.e2e.helpers import sign_in
from tests.helpers import BUNDLED_COURSE

KHMER = "សូមអញ្ជើញមកប្រជុំក្រុមនៅថ្ងៃព្រហស្បតិ៍ម៉ោងដប់ព្រឹកនៅសាលប្រជុំសហជីពរបស់យើងក្នុងក្រុងភ្នំពេញ"


def test_a_trainer_sees_the_length_as_they_type_previews_and_sends(page, live_server, library, create_user, axe,
                                                                   sms_enabled):
    trainer = create_user("tina", role="trainer", country="BJ")
    member = create_user("sam", country="PE", phone="+51912345678", locale="en")
    member.phone_confirmed_at = clock.utcnow()
    group = create_group(trainer=trainer, course=find_course(BUNDLED_COURSE), name="Cotonou hotels", country="BJ",
                         place="Cotonou", mode="in-person", starts_on=clock.today(),
                         ends_on=clock.today() + timedelta(days=5))
    db.session.add(GroupMember(group_id=group.id, user_id=member.id))
    group_id = group.id
    db.session.commit()
    sign_in(page, live_server, "tina")
    page.goto(f"{live_server}/groups/{group_id}")
    page.click("text=Send a message")
    page.fill("#text", "Thursday's session moves to Friday.")
    assert "1 SMS so far (basic SMS alphabet" in page.inner_text("[data-sms-count]")
    # the portal's name and the way to stop count: 120 typed characters are 160 with them, 121 take two SMS
    page.fill("#text", "a" * 120)
    assert "1 SMS so far" in page.inner_text("[data-sms-count]")
    page.fill("#text", "a" * 121)
    assert "2 SMS so far (basic SMS alphabet" in page.inner_text("[data-sms-count]")
    # a curly quote and a dash typed on a phone are sent plain: still the basic alphabet, as the server counts it
    page.fill("#text", "Don’t forget – " + "a" * 105)
    assert "1 SMS so far (basic SMS alphabet" in page.inner_text("[data-sms-count]")
    page.fill("#text", KHMER)
    assert "2 SMS so far (letters outside the basic SMS alphabet" in page.inner_text("[data-sms-count]")
    axe.scan(page)
    page.click("main form button[type=submit]")
    assert "/messages/drafts/" in page.url  # the preview is a page of its own (Post/Redirect/Get)
    assert "UCS-2" in page.inner_text("main") and "(sam)" in page.inner_text("main .names")
    axe.scan(page)
    page.click("text=Send the message")
    assert page.url.endswith(f"/groups/{group_id}/messages")
    page.go_back()  # no ERR_CACHE_MISS: the preview again, saying it was sent, and no button to send it twice
    assert "This message was sent on" in page.inner_text("main")
    assert page.locator("text=Send the message").count() == 0
    page.go_forward()
    live_server.wait_until_idle()  # the SMS was handed over after the answer: the gateway nobody answers refused it
    page.reload()
    assert "Waiting: 1" in page.inner_text("main table")
    axe.scan(page)
    db.session.rollback()
    assert db.session.scalar(select(func.count(TextMessage.id))) == 1

    create_user("ada", role="admin", country="PE")
    admin = page.context.browser.new_context().new_page()
    sign_in(admin, live_server, "ada")
    admin.click('header a[href="/admin/messages"]')
    assert "Group news" in admin.inner_text("main")
    axe.scan(admin)
    admin.context.close()

    # The member reads it on the group's page, in their language, whatever channel reached them.
    reader = page.context.browser.new_context().new_page()
    sign_in(reader, live_server, "sam")
    for language, direction in (("en", "ltr"), ("ar", "rtl"), ("km", "ltr")):
        reader.goto(f"{live_server}/groups/{group_id}?lang={language}")
        assert reader.get_attribute("html", "dir") == direction
        assert KHMER in reader.inner_text("main .messages")
        axe.scan(reader)
    reader.context.close()
    assert axe.violations == []
