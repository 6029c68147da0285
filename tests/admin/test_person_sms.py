"""The SMS state on an administrator's page of one person: number, confirmation, STOP of the account and of the
number, the channel per topic, and the last messages without their text; nobody else sees it."""
from __future__ import annotations

import re
from datetime import timedelta

from lms import clock, signals
from lms.extensions import db
from lms.messaging.outbox import queue_sms
from lms.models import ContactPreference
from tests.helpers import sign_in
from tests.messaging.helpers import texted_member


def page_of(client, person) -> str:
    return re.sub(r"\s+", " ", client.get(f"/admin/people/{person.id}").get_data(as_text=True))


def test_the_person_page_shows_the_sms_state_and_the_last_ten_messages_without_their_text(
        client, create_user, sms_enabled, frozen_clock):
    create_user("ada", role="admin")
    rosa = texted_member(create_user, "+51987654321", display_name="Rosa Quispe")
    db.session.add(ContactPreference(user_id=rosa.id, topic="group_news", channel="sms"))
    for n in range(12):
        message = queue_sms(rosa.phone, f"Secret text {n}", "group_news", user=rosa)
        message.created_at = clock.utcnow() - timedelta(minutes=20 - n)
    message.status, message.reason = "failed", "Absent subscriber +51987654321"
    queue_sms("+51912345678", "Someone else's", "group_news")
    db.session.commit()
    signals.sms_received.send(rosa.phone, text="STOP")
    db.session.commit()
    sign_in(client, "ada")
    page = page_of(client, rosa)
    assert "+51 987 654 321" in page and "Secret text" not in page and "Someone else" not in page
    sms = page.split('id="sms"')[1].split('id="placement"')[0]
    assert "Number confirmed</dt><dd>Yes, on" in sms
    assert "SMS stopped for the account</dt><dd>Yes, since" in sms
    assert "SMS stopped for the number</dt><dd>Yes, since" in sms
    assert "News from your training groups</dt><dd>By SMS</dd>" in sms
    assert "Reminders of surveys waiting for you</dt><dd>By SMS (not chosen: the default)" in sms
    assert sms.count("<tr>") == 1 + 10  # the heading and the last ten
    assert "Answers to texts (STOP, START, HELP)" not in sms  # an answer's row keeps no account
    assert "Absent subscriber …" in sms and "51987654321" not in sms.replace("+51 987 654 321", "")


def test_a_person_without_a_number_or_messages(client, create_user):
    create_user("ada", role="admin")
    koffi = create_user("koffi", country="BJ")
    sign_in(client, "ada")
    sms = page_of(client, koffi).split('id="sms"')[1]
    assert "Phone</dt><dd>None" in sms and "No SMS sent to this person." in sms
    assert "Number confirmed" not in sms


def test_a_coordinator_of_another_country_still_cannot_see_the_page(client, create_user, sms_enabled):
    create_user("cora", role="coordinator", coordinated_countries=["BJ"])
    rosa = texted_member(create_user, "+51987654321")
    sign_in(client, "cora")
    response = client.get(f"/admin/people/{rosa.id}")
    assert response.status_code == 403 and "987" not in response.get_data(as_text=True)
