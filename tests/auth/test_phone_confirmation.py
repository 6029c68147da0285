"""A member's number is confirmed by a code sent by SMS, typed on /profile/phone or sent back by SMS, before
anything else goes to it; a new number, however it is set, is unconfirmed again."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms import clock, signals
from lms.auth import channel_choices
from lms.extensions import db
from lms.messaging import numbers
from lms.messaging.channels import may_text
from lms.messaging.delivery import send_due
from lms.models import User
from tests.auth.sms_helpers import NUMBER, OTHER_NUMBER, code_sent_to, confirmed_member, texts
from tests.helpers import PASSWORD, on_page, post_form, save_profile, sign_in


@pytest.fixture
def amina(create_user):
    """A member with a number, not confirmed."""
    return create_user("amina", phone=NUMBER, locale="en")


def ask_code(client, query: str = ""):
    return post_form(client, f"/profile/phone/code{query}", page="/profile/phone")


def type_code(client, code: str, query: str = ""):
    return post_form(client, f"/profile/phone{query}", {"code": code})


def confirmed(user: User) -> bool:
    db.session.expire_all()
    return db.session.get(User, user.id).phone_confirmed_at is not None


def test_a_code_by_sms_confirms_the_number(client, sms_enabled, amina):
    sign_in(client, "amina")
    page = client.get("/profile/phone")
    assert page.status_code == 200 and on_page("+51 987 654 321") in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]
    assert texts() == []  # nothing goes until the member asks
    sent = ask_code(client, "?next=/my-learning")
    assert sent.status_code == 302 and sent.headers["Location"] == "/profile/phone?next=/my-learning"
    [message] = texts()
    assert (message.phone, message.kind, message.user_id, message.status) == (NUMBER, "service", amina.id, "queued")
    assert f"We sent a code by SMS to {on_page('+51 987 654 321')}. It works 10 minutes." in client.get(
        "/profile/phone").get_data(as_text=True)
    done = type_code(client, code_sent_to(NUMBER), "?next=/my-learning")
    assert done.status_code == 302 and done.headers["Location"] == "/my-learning"
    assert confirmed(amina) and may_text(db.session.get(User, amina.id))
    assert "is confirmed" in client.get("/profile/phone").get_data(as_text=True)


def test_wrong_expired_and_worn_out_codes_are_refused_with_a_message(app, client, sms_enabled, amina, frozen_clock):
    sign_in(client, "amina")
    ask_code(client)
    code = code_sent_to(NUMBER)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = type_code(client, wrong)
    assert refused.status_code == 400 and "This code is wrong" in refused.get_data(as_text=True)
    assert type_code(client, "12345").status_code == 400
    assert "A code has 6 digits." in type_code(client, "12345").get_data(as_text=True)
    for _ in range(app.config["SMS_CODE_ATTEMPTS"] - 1):
        type_code(client, wrong)
    spent = type_code(client, code)
    assert "Too many wrong tries with this code" in spent.get_data(as_text=True) and not confirmed(amina)

    ask_code(client)  # a new code replaces the dead one
    fresh = code_sent_to(NUMBER)
    frozen_clock(clock.utcnow() + timedelta(minutes=11))
    expired = type_code(client, fresh)
    assert "This code has expired" in expired.get_data(as_text=True) and not confirmed(amina)


def test_replying_with_the_code_by_sms_confirms_the_number_it_came_from(app, client, sms_enabled, amina):
    sign_in(client, "amina")
    ask_code(client)
    code = code_sent_to(NUMBER)
    for sender, text in [(OTHER_NUMBER, code), (NUMBER, "START"), (NUMBER, "hello")]:
        signals.sms_received.send(sender, text=text)
        db.session.commit()
    # A code from another number confirms nothing, and is told to type it on the page; START is answered
    # (lms/messaging/keywords.py); a text sent through the signal alone (not the callback) is not.
    assert not confirmed(amina) and [text.kind for text in texts()] == ["service", "reply", "reply"]
    signals.sms_received.send(NUMBER, text=f" {code[:3]} {code[3:]} ")
    db.session.commit()
    assert confirmed(amina)
    reply = texts()[-1]
    assert (reply.phone, reply.kind, reply.text) == (NUMBER, "service", "Fair Work Learning: your number is confirmed.")
    signals.sms_received.send(NUMBER, text=code)  # the code is spent: it confirms nothing more
    db.session.commit()
    assert [text.kind for text in texts()][3:] == ["service", "reply"] and confirmed(amina)


def test_a_wrong_code_sent_back_confirms_nothing_and_counts_a_try(app, sms_enabled, app_ctx, amina):
    from lms.auth import phone

    phone.send_code(amina, "en", "127.0.0.1")
    code = code_sent_to(NUMBER)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(app.config["SMS_CODE_ATTEMPTS"]):
        signals.sms_received.send(NUMBER, text=wrong)
    signals.sms_received.send(NUMBER, text=code)
    db.session.commit()
    assert not confirmed(amina) and [text.kind for text in texts()].count("service") == 1


def test_a_new_number_anywhere_is_unconfirmed(client, sms_enabled, create_user):
    amina = confirmed_member(create_user, email="amina@example.org")
    channel_choices.save(amina, {"group_news": "sms"})
    db.session.commit()
    sign_in(client, "amina")
    saved = save_profile(client, phone=OTHER_NUMBER, email="amina@example.org", current_password=PASSWORD)
    assert saved.headers["Location"] == "/profile/phone?next=/profile" and not confirmed(amina)  # SMS chosen
    saved = save_profile(client, display_name="Amina Q", phone=OTHER_NUMBER, email="amina@example.org")
    assert saved.headers["Location"] == "/profile"  # the same number: nothing to confirm again

    user = db.session.get(User, amina.id)
    user.phone_confirmed_at = clock.utcnow()
    db.session.commit()
    user.phone = NUMBER  # as staff tools or the command line would
    db.session.commit()
    assert not confirmed(amina)

    user.phone_confirmed_at = clock.utcnow()
    db.session.commit()
    user.phone, user.display_name = NUMBER, "Amina Q"  # the same number again, and another change
    db.session.commit()
    assert confirmed(amina)


def test_a_code_sent_to_the_old_number_does_not_confirm_the_new_one(client, sms_enabled, create_user):
    amina = create_user("amina", phone=NUMBER, email="amina@example.org")
    sign_in(client, "amina")
    ask_code(client)
    code = code_sent_to(NUMBER)
    save_profile(client, phone=OTHER_NUMBER, email="amina@example.org", current_password=PASSWORD)
    refused = type_code(client, code)
    assert refused.status_code == 400 and "This code is wrong" in refused.get_data(as_text=True)
    for sender in (NUMBER, OTHER_NUMBER):
        signals.sms_received.send(sender, text=code)
    db.session.commit()
    assert not confirmed(amina)


def test_codes_sent_are_limited_per_number_and_per_address(app, client, sms_enabled, amina, create_user):
    saved = app.config["SMS_CODE_LIMIT_ADDRESS"]
    app.config["SMS_CODE_LIMIT_ADDRESS"] = "4 per hour"
    try:
        sign_in(client, "amina")
        # Beyond the limits no code goes, and the page is the same (a number's codes spent by strangers would
        # otherwise show that it is a member's); the phone page says in general words why a code may not come.
        assert [ask_code(client).status_code for _ in range(4)] == [302] * 4
        create_user("rosa", phone=OTHER_NUMBER)
        other = app.test_client()
        sign_in(other, "rosa")
        assert [ask_code(other).status_code for _ in range(2)] == [302, 302]  # 3 + 1 from this address
    finally:
        app.config["SMS_CODE_LIMIT_ADDRESS"] = saved
    assert [message.phone for message in texts()] == [NUMBER] * 3 + [OTHER_NUMBER]


def test_no_code_goes_without_a_number_to_an_unserved_country_or_after_stop(app, client, sms_enabled, create_user):
    create_user("nophone")
    sign_in(client, "nophone")
    page = client.get("/profile/phone").get_data(as_text=True)
    assert "Your profile has no phone number" in page and 'name="code"' not in page
    assert ask_code(client).status_code == 302 and texts() == []

    member = create_user("stopped", phone=NUMBER)
    member.sms_stopped_at = clock.utcnow()  # as STOP from the number leaves it (lms/messaging/keywords.py)
    numbers.set_stopped(NUMBER, True)
    db.session.commit()
    client = app.test_client()
    sign_in(client, "stopped")
    # A number this account has not confirmed is shown alike whatever it did (outside tester 2 learnt from this
    # page that a number had replied STOP): the code is queued, and never goes.
    page = client.get("/profile/phone").get_data(as_text=True)
    assert "You replied STOP" not in page and "A number that replied STOP to our SMS gets none" in page
    ask_code(client)
    send_due()
    assert [message.status for message in texts()] == ["failed"]

    app.config["SMS_COUNTRIES"] = "BJ,ML"
    try:
        member.sms_stopped_at = None
        numbers.set_stopped(NUMBER, False)
        db.session.commit()
        assert "We cannot send SMS to numbers of this country." in client.get("/profile/phone").get_data(
            as_text=True)
        ask_code(client)
        assert len(texts()) == 1
    finally:
        app.config["SMS_COUNTRIES"] = ""


def test_without_a_gateway_the_phone_pages_lead_back_to_the_profile(client, amina):
    sign_in(client, "amina")
    assert client.get("/profile/phone").headers["Location"] == "/profile"
    asked = post_form(client, "/profile/phone/code", page="/profile")
    assert asked.headers["Location"] == "/profile" and texts() == []
