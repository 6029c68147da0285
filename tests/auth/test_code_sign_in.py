"""Signing in with a phone number and a code by SMS: the same answer whatever the number, then the code signs the
member in as the password does (a session, the audit log, suspension refused, the page wanted), once; the
sign-in limits apply."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import clock
from lms.auth import channel_choices
from lms.extensions import db
from lms.models import AuditEntry, UserSession
from tests.auth.sms_helpers import (
    NUMBER,
    OTHER_NUMBER,
    ask_recovery,
    ask_sign_in_code,
    code_sent_to,
    confirmed_member,
    page_text,
    texts,
    type_sign_in_code,
)
from tests.helpers import post_form


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
def amina(create_user):
    return confirmed_member(create_user)


def test_the_sign_in_page_offers_a_code_by_sms(client, sms_enabled):
    page = client.get("/sign-in?next=/surveys").get_data(as_text=True)
    assert 'href="/sign-in/code?next=/surveys"' in page and "Sign in with a code by SMS" in page
    form = client.get("/sign-in/code?next=/surveys").get_data(as_text=True)
    assert 'name="identifier"' in form and 'action="/sign-in/code?next=/surveys"' in form


def test_a_code_signs_the_member_in_once_and_on_to_the_page_wanted(app, client, sms_enabled, amina):
    asked = ask_sign_in_code(client, "+51 987 654 321", "?next=/surveys")
    assert asked.status_code == 200 and "no-store" in asked.headers["Cache-Control"]
    assert 'action="/sign-in/code/check?next=/surveys"' in asked.get_data(as_text=True)
    [message] = texts()
    assert (message.phone, message.kind, message.user_id) == (NUMBER, "account_codes", amina.id)
    code = code_sent_to(NUMBER)
    done = type_sign_in_code(client, "+51 987 654 321", code, "?next=/surveys")
    assert done.status_code == 302 and done.headers["Location"] == "/surveys"
    assert client.get("/profile").status_code == 200
    assert db.session.scalar(select(UserSession.user_id)) == amina.id
    assert db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "sign in")) == {
        "account": amina.id}

    again = type_sign_in_code(app.test_client(), NUMBER, code)
    assert again.status_code == 400 and "This code was already used" in again.get_data(as_text=True)


def test_every_number_gets_the_same_answer_and_only_an_account_reached_by_sms_a_code(app, sms_enabled, amina,
                                                                                   create_user):
    create_user("unconfirmed", phone=OTHER_NUMBER)
    chose_email = confirmed_member(create_user, "mailed", phone="+51911111111", email="m@example.org")
    channel_choices.save(chose_email, {"account_codes": "email"})
    suspended = confirmed_member(create_user, "suspended", phone="+51922222222")
    suspended.suspended_at = clock.utcnow()
    db.session.commit()
    numbers = [NUMBER, OTHER_NUMBER, "+51911111111", "+51922222222", "+51955555555"]
    answers = [ask_sign_in_code(app.test_client(), number) for number in numbers]
    assert [a.status_code for a in answers] == [200] * 5 and len({page_text(a) for a in answers}) == 1
    assert [m.phone for m in texts()] == [NUMBER]


def test_after_the_answer_codes_typed_get_the_same_answers_whether_an_account_is_there_or_not(
        app, sms_enabled, amina, frozen_clock):
    answers = {}
    for number in (NUMBER, "+51955555555"):
        client = app.test_client()
        ask_sign_in_code(client, number)
        code = code_sent_to(NUMBER)
        seen = [type_sign_in_code(client, number, wrong(code)) for _ in range(app.config["SMS_CODE_ATTEMPTS"])]
        seen.append(type_sign_in_code(client, number, code))
        answers[number] = [(r.status_code, page_text(r)) for r in seen]
    assert answers[NUMBER] == answers["+51955555555"]
    assert "wrong or no longer works" in answers[NUMBER][0][1]
    assert "wrong or no longer works" in answers[NUMBER][-1][1]
    failures = db.session.scalars(select(AuditEntry.details).where(AuditEntry.action == "sign in failed")).all()
    assert {"account": amina.id, "reason": "code by SMS refused"} in failures and {
        "reason": "code by SMS refused"} in failures

    client = app.test_client()
    ask_sign_in_code(client, NUMBER)
    frozen_clock(clock.utcnow() + timedelta(minutes=11))
    late = type_sign_in_code(client, NUMBER, code_sent_to(NUMBER))
    assert late.status_code == 400 and "wrong or no longer works" in late.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_a_code_for_another_purpose_or_another_number_is_refused(app, client, sms_enabled, amina, create_user):
    confirmed_member(create_user, "rosa", phone=OTHER_NUMBER)
    ask_recovery(client, NUMBER)
    assert type_sign_in_code(client, NUMBER, code_sent_to(NUMBER)).status_code == 400
    ask_sign_in_code(client, NUMBER)
    ask_sign_in_code(client, OTHER_NUMBER)
    refused = type_sign_in_code(client, OTHER_NUMBER, code_sent_to(NUMBER))
    assert refused.status_code == 400 and "This code is wrong" in refused.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_a_member_suspended_since_the_code_went_is_refused(client, sms_enabled, amina):
    ask_sign_in_code(client, NUMBER)
    amina.suspended_at = clock.utcnow()
    db.session.commit()
    refused = type_sign_in_code(client, NUMBER, code_sent_to(NUMBER))
    assert refused.status_code == 400 and "wrong or no longer works" in refused.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize("number, error", [
    ("987 654 321", "This number could be from more than one country"),  # Peru's and Viet Nam's
    ("12 34", "This is not a phone number we can read"),
    ("amina", "This is not a phone number we can read"),
    ("", "Please write your phone number."),
])
def test_a_number_that_cannot_be_read_is_refused(client, sms_enabled, amina, number, error):
    refused = ask_sign_in_code(client, number)
    assert refused.status_code == 400 and error in refused.get_data(as_text=True) and texts() == []


def test_a_number_of_a_country_the_gateway_does_not_serve_is_refused(app, client, sms_enabled, amina):
    app.config["SMS_COUNTRIES"] = "BJ"
    try:
        refused = ask_sign_in_code(client, NUMBER)
    finally:
        app.config["SMS_COUNTRIES"] = ""
    assert refused.status_code == 400
    assert "We cannot send SMS to numbers of this country." in refused.get_data(as_text=True) and texts() == []


def test_codes_asked_are_limited_per_number_and_per_address(app, sms_enabled, amina):
    client = app.test_client()
    assert [ask_sign_in_code(client, "+51 987 654 321").status_code for _ in range(4)] == [200] * 3 + [429]
    assert len(texts()) == 3
    saved = app.config["SMS_CODE_LIMIT_ADDRESS"]
    app.config["SMS_CODE_LIMIT_ADDRESS"] = "2 per hour"
    try:
        assert [ask_sign_in_code(client, f"+5198765430{n}").status_code for n in range(3)] == [200, 200, 429]
    finally:
        app.config["SMS_CODE_LIMIT_ADDRESS"] = saved


def test_one_address_asking_for_codes_does_not_keep_the_owner_from_theirs(app, sms_enabled, amina):
    """Codes asked for a number from one address spend that address's budget for it, not the owner's."""
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    answers = [ask_sign_in_code(stranger, "+51 987 654 321").status_code for _ in range(5)]
    assert answers == [200] * 3 + [429] * 2
    assert len(texts()) == 3
    owner = app.test_client()
    assert ask_sign_in_code(owner, "+51 987 654 321").status_code == 200
    assert len(texts()) == 4  # the owner's code went


def test_the_number_gets_no_more_codes_than_its_own_budget_whoever_asks(app, sms_enabled, amina, monkeypatch):
    """Beyond SMS_CODE_LIMIT_NUMBER, from any number of addresses, no SMS goes, and the page says the same."""
    monkeypatch.setitem(app.config, "SMS_CODE_LIMIT_NUMBER", "4 per day")
    pages = set()
    for address in range(6):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"203.0.113.{address + 1}"
        answer = ask_sign_in_code(browser, NUMBER)
        assert answer.status_code == 200
        pages.add(page_text(answer))
    assert len(texts()) == 4 and len(pages) == 1


def test_codes_typed_count_as_sign_in_attempts(app, client, sms_enabled, amina):
    ask_sign_in_code(client, NUMBER)
    code = code_sent_to(NUMBER)
    for _ in range(4):  # password tries on the same number share the count
        post_form(client, "/sign-in", {"identifier": NUMBER, "password": "wrong password"})
    tries = [type_sign_in_code(client, "+51 987 654 321", "000000").status_code for _ in range(7)]
    assert tries == [400] * 6 + [429]
    assert type_sign_in_code(client, NUMBER, code).status_code == 429


def test_without_a_gateway_the_code_pages_lead_back_to_sign_in(client, amina):
    assert client.get("/sign-in/code?next=/surveys").headers["Location"] == "/sign-in?next=/surveys"
    checked = post_form(client, "/sign-in/code/check", {"identifier": NUMBER, "code": "123456"}, page="/sign-in")
    assert checked.headers["Location"] == "/sign-in"
    recovered = post_form(client, "/forgot-password/code", {"identifier": NUMBER, "code": "123456"},
                          page="/sign-in")
    assert recovered.headers["Location"] == "/forgot-password" and texts() == []


def test_the_code_speaks_the_members_language_or_the_pages(app, sms_enabled, create_user):
    confirmed_member(create_user, "amina", locale="fr")
    confirmed_member(create_user, "rosa", phone=OTHER_NUMBER)  # no language chosen
    ask_sign_in_code(app.test_client(), NUMBER)
    client = app.test_client()
    client.get("/?lang=es")
    ask_sign_in_code(client, OTHER_NUMBER)
    assert texts(NUMBER)[0].text.startswith("Apprendre pour un travail équitable")  # the portal's name, in French
    assert texts(OTHER_NUMBER)[0].text.startswith("Aprender por el Trabajo Justo")


@pytest.mark.parametrize("role", ["trainer", "coordinator", "admin"])
def test_staff_get_no_code_by_sms_to_sign_in_or_recover_and_the_page_says_the_same(client, sms_enabled,
                                                                                    create_user, role):
    """A staff account opens members' records: whoever holds its SIM must not open it with a code alone."""
    confirmed_member(create_user, "staff", role=role)
    member_page = page_text(ask_sign_in_code(client, "+51 912 000 000"))  # nobody's number
    assert page_text(ask_sign_in_code(client, NUMBER)) == member_page
    ask_recovery(client, "staff")
    assert texts() == []


def test_a_stop_stays_with_the_account_when_the_number_changes_back_and_forth(app_ctx, create_user):
    member = confirmed_member(create_user)
    member.sms_stopped_at = clock.utcnow()
    member.phone = OTHER_NUMBER
    db.session.commit()
    member.phone = NUMBER
    db.session.commit()
    assert member.sms_stopped_at is not None and member.phone_confirmed_at is None


def test_a_code_asked_as_a_member_does_not_sign_in_once_the_account_is_staff(client, sms_enabled, amina):
    ask_sign_in_code(client, NUMBER)
    code = code_sent_to(NUMBER)
    amina.role = "trainer"
    db.session.commit()
    refused = type_sign_in_code(client, NUMBER, code)
    assert refused.status_code == 400 and "wrong or no longer works" in page_text(refused)
