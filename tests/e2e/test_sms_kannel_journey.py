"""The issue's journey, end to end through a real Kannel: a member without e-mail signs up with a phone, confirms it
with the code that reaches the phone (fakesmsc), forgets the password and chooses a new one with a code by SMS, is
invited to a follow-up survey months later and gets exactly one reminder, whose link opens the survey; replies STOP,
gets the confirmation, and nothing more."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.learn import services as learning
from lms.messaging.delivery import send_due
from lms.models import User
from lms.surveys.invitations import sync_invitations
from lms.surveys.reminders import send_reminders
from tests.e2e.helpers import sign_up_by_sms
from tests.helpers import BUNDLED_COURSE, complete_course

NUMBER = "+51987654321"
NEW_PASSWORD = "a new password for the union"
CODE = re.compile(r"\b(\d{6})\b")


def test_a_member_without_email_is_reached_by_sms_through_kannel(browser, live_server, app_ctx, library, kannel,
                                                                 make_survey, frozen_clock):
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(course=course, waves=["follow_up"])  # 90 days after the training
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="en-GB")
    page = context.new_page()

    def submit() -> None:
        page.click("main form button[type=submit]")

    sign_up_by_sms(page, live_server)
    assert "/profile/phone" in page.url
    (code,) = kannel.received(1)
    assert code.number == NUMBER and CODE.search(code.text)
    page.fill("#code", CODE.search(code.text).group(1))
    submit()
    assert page.url == f"{live_server}/"

    page.click("header form[data-sign-out] button")
    page.wait_for_selector('header a[href="/sign-in"]')  # signed out (a script may first empty the offline copies)
    page.goto(f"{live_server}/forgot-password")
    page.fill("#identifier", "awa.k")
    submit()
    recovery = kannel.received(2)[-1]
    assert recovery.number == NUMBER
    page.fill("#code", CODE.search(recovery.text).group(1))
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    submit()
    assert page.locator(".flash-success").count() == 1

    # She takes the course; three months later the follow-up survey is due and the reminder job runs, twice.
    member_id = db.session.scalar(select(User.id).where(User.username == "awa.k"))
    learning.enrol(member_id, course)
    complete_course(member_id)
    later = frozen_clock(clock.utcnow() + timedelta(days=91))
    assert sync_invitations(later.date()) == 1
    assert send_reminders(later.date()) == 1 and send_reminders(later.date()) == 0
    assert send_due() == 1 and send_due() == 0
    messages = kannel.received(3, linger=1)
    assert len(messages) == 3
    reminder = messages[-1]
    assert reminder.number == NUMBER and "Awa" not in reminder.text and "Workers" not in reminder.text
    link = re.search(r"http\S+/s/[A-Za-z0-9_-]+", reminder.text)[0]
    assert reminder.text.endswith("\nReply STOP to stop.")
    assert link.startswith(f"{live_server}/s/")

    # The link: her session ended long ago, so she signs in, and lands on the survey.
    page.goto(link)
    page.fill("#identifier", "awa.k")
    page.fill("#password", NEW_PASSWORD)
    submit()
    assert "/surveys/invitations/" in page.url and page.locator("text=Yes, I agree: start").count() == 1

    kannel.send_from(NUMBER, "stop")
    confirmation = kannel.received(4)[-1]
    assert confirmation.number == NUMBER
    frozen_clock(later + timedelta(days=8))  # the next reminder is due: counted, but nothing goes to her phone
    assert send_reminders((later + timedelta(days=8)).date()) == 1
    assert send_due() == 0
    assert len(kannel.received(5, seconds=2)) == 4
    context.close()
