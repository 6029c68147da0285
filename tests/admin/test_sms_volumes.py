"""The administrators' SMS page: volumes by country and day and by kind, and the main failure reasons, over a
period; counts only, no member, number or text."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from lms import clock
from lms.admin.sms_volumes import Volume, volumes
from lms.extensions import db
from lms.messaging.outbox import queue_sms
from tests.helpers import sign_in

PERU, KENYA = "+51912345678", "+254712345678"


@pytest.fixture
def traffic(app_ctx, frozen_clock):
    """SMS in several statuses, kinds, countries and days; one 40 days ago."""
    now = clock.utcnow()

    def sms(phone, kind, status, days_ago=0, reason=None, text="Meeting moved to Friday"):
        message = queue_sms(phone, text, kind)
        message.status, message.reason = status, reason
        message.created_at = now - timedelta(days=days_ago)

    for _ in range(2):
        sms(PERU, "group_news", "delivered", text="x" * 200)  # 2 segments each
    sms(PERU, "group_news", "failed", reason=f"Absent subscriber {PERU}")
    sms(PERU, "account_codes", "queued")
    sms(KENYA, "survey_reminders", "failed", reason="Network error 34")
    sms(KENYA, "survey_reminders", "failed", reason="Network error 34")
    sms(KENYA, "survey_reminders", "delivered")
    sms(KENYA, "service", "delivered", days_ago=3)
    sms(PERU, "group_news", "delivered", days_ago=40)
    db.session.commit()
    return now.date()


def test_the_figures_add_up_by_kind_country_and_day_with_the_main_failure_reasons(traffic):
    figures = volumes(traffic - timedelta(days=29), traffic)
    assert figures.total == Volume(messages=8, segments=10, delivered=4, failed=3)
    assert figures.by_kind == {"group_news": Volume(3, 5, 2, 1), "account_codes": Volume(1, 1, 0, 0),
                               "survey_reminders": Volume(3, 3, 1, 2), "service": Volume(1, 1, 1, 0),
                               "reply": Volume()}
    by_day = {(row.day, row.country): (row.volume, row.main_reason) for row in figures.by_day}
    assert by_day == {
        (traffic, "PE"): (Volume(4, 6, 2, 1), "Absent subscriber …"),  # the number never shown
        (traffic, "KE"): (Volume(3, 3, 1, 2), "Network error 34"),
        (traffic - timedelta(days=3), "KE"): (Volume(1, 1, 1, 0), None),
    }
    assert figures.reasons == [("Network error 34", "KE", 2), ("Absent subscriber …", "PE", 1)]
    older = volumes(traffic - timedelta(days=40), traffic - timedelta(days=40))
    assert older.total == Volume(1, 1, 1, 0)


def page_text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def test_the_page_shows_the_last_30_days_by_default_and_no_member_number_or_text(client, create_user, traffic):
    create_user("ada", role="admin", country="PE")
    sign_in(client, "ada")
    response = client.get("/admin/messages")
    assert response.status_code == 200
    shown = page_text(response)
    assert "SMS sent" in shown and "Peru" in shown and "Kenya" in shown
    assert "Group news 3 5 2 1" in shown and "Survey reminders 3 3 1 2" in shown and "All 8 10 4 3" in shown
    assert "Network error 34 Kenya 2" in shown and "Absent subscriber … Peru 1" in shown
    body = response.get_data(as_text=True)
    assert "912345678" not in body and "712345678" not in body and "Meeting moved" not in body
    assert 'href="/admin/messages"' in client.get("/admin/audit").get_data(as_text=True)  # in the admin menu


def test_a_chosen_period_and_a_wrong_one(client, create_user, traffic):
    create_user("ada", role="admin", country="PE")
    sign_in(client, "ada")
    day = (traffic - timedelta(days=40)).isoformat()
    shown = page_text(client.get(f"/admin/messages?start={day}&end={day}"))
    assert "All 1 1 1 0" in shown
    wrong = page_text(client.get(f"/admin/messages?start={traffic.isoformat()}&end={day}"))
    assert "The last day comes before the first day." in wrong and "All 8 10 4 3" in wrong  # the last 30 days
    too_long = page_text(client.get(f"/admin/messages?start={date(2020, 1, 1).isoformat()}&end={day}"))
    assert "Choose a period of 366 days at most." in too_long


def test_only_administrators_see_it(app, client, create_user, traffic):
    for username, role in (("cora", "coordinator"), ("tina", "trainer"), ("mia", "participant")):
        create_user(username, role=role, country="PE", coordinated_countries=["PE"] if role == "coordinator" else [])
        other = app.test_client()
        sign_in(other, username)
        assert other.get("/admin/messages").status_code == 403
        assert 'href="/admin/messages"' not in other.get("/groups").get_data(as_text=True)


def test_the_page_counts_the_texts_the_portal_could_not_read_per_day(client, create_user, sms_enabled, frozen_clock):
    from lms.messaging.callbacks import receive

    create_user("ada", role="admin", country="PE")
    sign_in(client, "ada")
    assert "not the texts. None in this period." in page_text(client.get("/admin/messages"))
    today = clock.today()
    frozen_clock(clock.utcnow() - timedelta(days=2))
    receive(PERU, "hello?")
    frozen_clock(clock.utcnow() + timedelta(days=2))
    for text in ("hello?", "Who is this", "STOP", "123456"):  # a keyword and a code are read
        receive(KENYA, text)
    db.session.commit()
    shown = page_text(client.get("/admin/messages"))
    assert "3 texts in this period." in shown
    assert f"{format_day(today)} 2" in shown and f"{format_day(today - timedelta(days=2))} 1" in shown
    assert "Who is this" not in shown and "712345678" not in shown
    yesterday = (today - timedelta(days=1)).isoformat()
    assert "None in this period." in page_text(client.get(f"/admin/messages?start={yesterday}&end={yesterday}"))


def format_day(day: date) -> str:
    from babel.dates import format_date

    return format_date(day, "medium", locale="en")


def test_an_outage_shows_at_the_top_what_waits_for_the_gateway_and_its_answer(client, create_user, sms_enabled):
    """Outside tester 3 stopped the gateway: the page said "no failure" and showed nothing waiting."""
    waiting = queue_sms("+51987654321", "Code", "account_codes")
    waiting.attempts, waiting.reason = 2, "gateway unreachable"
    queue_sms("+51987654322", "Not tried yet", "account_codes")
    db.session.commit()
    create_user("admin", role="admin")
    sign_in(client, "admin")
    page = html.unescape(client.get("/admin/messages").get_data(as_text=True))
    assert "1 SMS waits for the gateway, tried and not taken since" in page
    assert "Its latest answer: gateway unreachable" in page
