""""How may we reach you?": a channel per topic on the profile, one for all at sign-up; SMS only with a gateway and
a number it serves, e-mail only with an address; without a gateway nothing about SMS shows."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.messaging.channels import channel_for
from lms.models import ContactPreference, User
from tests.auth.sms_helpers import NUMBER, code_sent_to, confirmed_member, texts
from tests.helpers import on_page, post_form, sign_in, sign_up

ALL_SMS = {"reach-survey_reminders": "sms", "reach-group_news": "sms", "reach-account_codes": "sms"}


def checked(page: str) -> dict[str, str]:
    """Topic -> the channel the profile shows chosen."""
    found = re.findall(r'<input[^>]*checked[^>]*name="reach-(\w+)"[^>]*value="(\w+)"|'
                       r'<input[^>]*name="reach-(\w+)"[^>]*value="(\w+)"[^>]*checked', page)
    return {(a or c): (b or d) for a, b, c, d in found}


def offered(page: str, topic: str = "group_news") -> list[str]:
    return re.findall(rf'name="reach-{topic}"[^>]*value="(\w+)"', page)


def save_choices(client, choices: dict[str, str]):
    return post_form(client, "/profile/channels", choices, page="/profile")


def chosen(user: User) -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.scalars(select(ContactPreference).where(ContactPreference.user_id == user.id))
    return {row.topic: row.channel for row in rows}


def test_the_profile_shows_each_topic_with_the_choice_in_force(client, sms_enabled, create_user):
    create_user("amina", email="amina@example.org", phone=NUMBER)
    sign_in(client, "amina")
    page = client.get("/profile").get_data(as_text=True)
    assert "How may we reach you?" in page and "Codes to sign in or choose a new password" in page
    assert offered(page) == ["sms", "email", "none"]
    assert checked(page) == {"survey_reminders": "email", "group_news": "email", "account_codes": "email"}
    assert "“Not at all”: no code can reach you if you forget your password" in page
    assert f"Your phone number {on_page('+51 987 654 321')} is not confirmed yet." in page
    assert 'href="/profile/phone"' in page


def test_choices_are_saved_per_topic_and_shown(client, sms_enabled, create_user):
    amina = confirmed_member(create_user, email="amina@example.org")
    sign_in(client, "amina")
    saved = save_choices(client, {"reach-survey_reminders": "sms", "reach-group_news": "none",
                                  "reach-account_codes": "email"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/profile#reach"
    assert chosen(amina) == {"survey_reminders": "sms", "group_news": "none", "account_codes": "email"}
    page = client.get("/profile").get_data(as_text=True)
    assert "Your choices are saved." in page
    assert checked(page) == {"survey_reminders": "sms", "group_news": "none", "account_codes": "email"}
    user = db.session.get(User, amina.id)
    assert [channel_for(user, t) for t in ("survey_reminders", "group_news", "account_codes")] == [
        "sms", None, "email"]


def test_sms_for_no_number_or_an_unserved_one_is_refused_and_changes_nothing(app, client, sms_enabled, create_user):
    nophone = create_user("nophone", email="n@example.org")
    sign_in(client, "nophone")
    assert "To be reached by SMS, add your phone number first." in client.get(
        "/profile").get_data(as_text=True)
    refused = save_choices(client, ALL_SMS)
    assert refused.status_code == 400
    assert "To be reached by SMS, add your phone number first." in refused.get_data(as_text=True)
    assert chosen(nophone) == {}

    far = create_user("far", phone="+2290197123456")
    client = app.test_client()
    sign_in(client, "far")
    app.config["SMS_COUNTRIES"] = "PE"
    try:
        refused = save_choices(client, ALL_SMS)
    finally:
        app.config["SMS_COUNTRIES"] = ""
    assert refused.status_code == 400 and "We cannot send SMS to numbers of this country." in refused.get_data(
        as_text=True)
    assert chosen(far) == {}


def test_email_is_offered_only_with_an_address_and_what_is_missing_is_said(client, sms_enabled, create_user):
    member = create_user("amina", phone=NUMBER)
    sign_in(client, "amina")
    page = client.get("/profile").get_data(as_text=True)
    assert offered(page) == ["sms", "none"]
    assert "To be reached by e-mail, add your e-mail address first." in page
    assert checked(page)["account_codes"] == "sms"  # the default without an address
    assert "Nothing goes to your number by SMS until you confirm it." in page
    refused = save_choices(client, {**ALL_SMS, "reach-group_news": "email"})
    assert refused.status_code == 400 and chosen(member) == {}


def test_choosing_sms_for_a_number_not_yet_confirmed_leads_to_its_confirmation(client, sms_enabled, create_user):
    create_user("amina", phone=NUMBER, email="amina@example.org")
    sign_in(client, "amina")
    saved = save_choices(client, ALL_SMS)
    assert saved.headers["Location"] == "/profile/phone?next=/profile"


def test_sign_up_asks_once_for_every_topic_and_takes_the_member_to_confirm_the_number(client, sms_enabled,
                                                                                     app_ctx):
    page = client.get("/sign-up").get_data(as_text=True)
    assert "How may we reach you?" in page and re.findall(r'name="reach"[^>]*value="(\w+)"', page) == [
        "sms", "email", "none"]
    done = sign_up(client, phone="987 654 321", reach="sms")
    assert done.status_code == 302 and done.headers["Location"] == "/profile/phone?next=/"
    user = db.session.scalar(select(User))
    assert chosen(user) == {"survey_reminders": "sms", "group_news": "sms", "account_codes": "sms"}
    [message] = texts(NUMBER)
    assert message.kind == "service"
    page = client.get("/profile/phone?next=/").get_data(as_text=True)
    assert f"We sent a code by SMS to {on_page('+51 987 654 321')}" in page
    confirmed = post_form(client, "/profile/phone?next=/", {"code": code_sent_to(NUMBER)})
    assert confirmed.headers["Location"] == "/"


@pytest.mark.parametrize("changes, error", [
    ({"reach": "sms"}, "To be reached by SMS, add your phone number first."),
    ({"reach": "email"}, "To be reached by e-mail, add your e-mail address first."),
])
def test_sign_up_refuses_a_way_that_cannot_reach_the_member(client, sms_enabled, app_ctx, changes, error):
    refused = sign_up(client, **changes)
    assert refused.status_code == 200 and error in refused.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_sign_up_without_a_choice_keeps_the_defaults(client, sms_enabled, app_ctx):
    assert sign_up(client, email="rosa@example.org").headers["Location"] == "/"
    assert chosen(db.session.scalar(select(User))) == {} and texts() == []


def test_without_a_gateway_nothing_about_sms_shows(client, create_user, app_ctx):
    page = client.get("/sign-up").get_data(as_text=True)
    assert re.findall(r'name="reach"[^>]*value="(\w+)"', page) == ["email", "none"] and "SMS" not in page
    refused = sign_up(client, phone="987 654 321", reach="sms")
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    assert "SMS" not in client.get("/sign-in").get_data(as_text=True)
    assert "SMS" not in client.get("/forgot-password").get_data(as_text=True)
    assert sign_up(client, phone="987 654 321", reach="none").headers["Location"] == "/"
    page = client.get("/profile").get_data(as_text=True)
    assert "SMS" not in page and offered(page) == ["none"] and checked(page)["account_codes"] == "none"
    assert texts() == []


def test_staff_are_told_that_no_code_comes_to_them_by_sms(client, sms_enabled, create_user):
    create_user("tina", role="trainer", email="tina@example.org", phone=NUMBER)
    sign_in(client, "tina")
    save_choices(client, {"reach-survey_reminders": "sms", "reach-group_news": "sms", "reach-account_codes": "sms"})
    page = client.get("/profile").get_data(as_text=True)
    assert checked(page)["account_codes"] == "sms"
    assert "Staff accounts get no codes by SMS" in page


def test_members_are_not_given_the_staff_note(client, sms_enabled, create_user):
    confirmed_member(create_user, email="amina@example.org")
    sign_in(client, "amina")
    save_choices(client, ALL_SMS)
    assert "Staff accounts get no codes by SMS" not in client.get("/profile").get_data(as_text=True)
