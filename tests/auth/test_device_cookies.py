"""Device cookies: strangers who name a member's account spend the shared budgets of codes and pause the account's
sign-ins, but the member, on a phone where she signed in, still gets her codes and still signs in; everyone else is
refused as before, and no page answers differently for a cookie (lms/auth/device_cookies.py)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import clock
from lms.auth import channel_choices, services
from lms.extensions import db
from lms.models import User
from tests.auth.sms_helpers import (
    NEW_PASSWORD,
    NUMBER,
    ask_recovery,
    ask_sign_in_code,
    code_sent_to,
    confirmed_member,
    page_text,
    recover_with_code,
    texts,
    type_sign_in_code,
)
from tests.helpers import PASSWORD, csrf_token, post_form, sign_in

WRONG = "The username or password is wrong, or this account is paused for a few minutes after too many tries."
ENTRY = re.compile(r"[0-9a-f]{16}-\d{5}-[0-9a-f]{32}")


@pytest.fixture
def amina(create_user):
    """A member with a confirmed number and an e-mail address, who takes account codes by SMS."""
    member = confirmed_member(create_user, email="amina@example.org")
    channel_choices.save(member, {"account_codes": "sms"})
    db.session.commit()
    return member


def device_cookie(client):
    return client.get_cookie(client.application.config["DEVICE_COOKIE_NAME"])


def entries(client) -> list[str]:
    cookie = device_cookie(client)
    return cookie.value.split(".") if cookie is not None else []


def sign_out(client) -> None:
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})


def owners_phone(app, address: str = "198.51.100.7"):
    """The member's phone, where she signed in once with her password (and then signed out)."""
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = address
    assert sign_in(phone, "amina").status_code == 302
    sign_out(phone)
    assert device_cookie(phone) is not None
    return phone


def stranger(app, number: int):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = f"203.0.113.{number}"
    return browser


def test_signing_in_leaves_a_long_lived_cookie_that_names_no_account(app, client, amina, create_user):
    response = sign_in(client, "amina")
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("device="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert f"Max-Age={180 * 24 * 3600}" in header
    [entry] = entries(client)
    assert ENTRY.fullmatch(entry)
    nonce, day, mac = entry.split("-")
    assert str(amina.id) not in (nonce, day, mac) and "amina" not in entry
    # Another phone of the same account shares nothing with this one but the day.
    other = app.test_client()
    sign_in(other, "amina@example.org")
    [other_entry] = entries(other)
    assert other_entry.split("-")[0] != nonce and other_entry.split("-")[2] != mac
    sign_out(client)
    assert entries(client) == [entry]  # a device, not a session: signing out keeps it


def test_the_cookie_is_secure_when_the_app_says_so(app, client, amina, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    response = sign_in(client, "amina")
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("device="))
    assert "Secure" in header


def test_a_shared_phone_keeps_the_newest_accounts_first(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "DEVICE_COOKIE_ACCOUNTS", 2)
    for name in ("rosa", "lucia", "amina"):
        create_user(name)
        sign_in(client, name)
        sign_out(client)
    held = entries(client)
    assert len(held) == 2
    sign_in(client, "lucia")  # again: her entry moves first, keeping its nonce (and so its count)
    assert entries(client)[0].split("-")[0] == held[1].split("-")[0] and len(entries(client)) == 2


def test_strangers_spending_the_numbers_codes_do_not_keep_the_owner_from_hers_on_her_phone(app, sms_enabled,
                                                                                           amina):
    phone = owners_phone(app)
    for address in range(1, 4):  # three addresses, three codes each: the number's 8 a day are spent
        browser = stranger(app, address)
        for _ in range(3):
            assert ask_sign_in_code(browser, NUMBER).status_code == 200
    assert len(texts(NUMBER)) == 8
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.8"
    refused = ask_sign_in_code(elsewhere, NUMBER)
    assert len(texts(NUMBER)) == 8  # without her cookie: refused, silently, as before
    mine = ask_sign_in_code(phone, "+51 987 654 321")
    assert len(texts(NUMBER)) == 9
    assert page_text(mine) == page_text(refused)
    assert type_sign_in_code(phone, NUMBER, code_sent_to(NUMBER)).status_code == 302
    assert phone.get("/profile").status_code == 200


def test_the_owners_phone_has_its_own_budget_of_codes_and_a_limit_too(app, sms_enabled, amina, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_CODE_LIMIT_DEVICE", "2 per day")
    phone = owners_phone(app)
    assert [ask_sign_in_code(phone, NUMBER).status_code for _ in range(3)] == [200, 200, 200]  # alike, silently
    assert len(texts(NUMBER)) == 2
    assert ask_sign_in_code(stranger(app, 1), NUMBER).status_code == 200  # the shared budgets were not spent
    assert len(texts(NUMBER)) == 3


def test_strangers_spending_the_recovery_codes_do_not_keep_the_owner_from_hers(app, sms_enabled, amina):
    phone = owners_phone(app)
    for name in (NUMBER, "amina@example.org"):  # five a name an hour: the number's 8 codes a day are spent
        for address in range(1, 6):
            ask_recovery(stranger(app, address), name)
    sent = len(texts(NUMBER))
    assert sent == 8
    assert ask_recovery(stranger(app, 9), "amina").status_code == 200 and len(texts(NUMBER)) == sent
    assert ask_recovery(phone, "amina").status_code == 200
    assert len(texts(NUMBER)) == sent + 1
    assert recover_with_code(phone, "amina", code_sent_to(NUMBER)).status_code == 302
    # She chose the new password with a code on her phone: it is still hers (a new entry for the new password).
    assert sign_in(phone, "amina", NEW_PASSWORD).status_code == 302


def pause_account(app, times: int) -> None:
    """Strangers name the account by its e-mail address with wrong passwords, from as many addresses: its silent
    count is spent (the name they typed is 429 for everyone; her username is not)."""
    for address in range(1, times + 1):
        sign_in(stranger(app, address), "amina@example.org", "not the password")


def test_strangers_failures_do_not_pause_the_owner_on_her_phone(app, amina, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per minute")
    phone = owners_phone(app)
    pause_account(app, 3)
    assert sign_in(stranger(app, 9), "amina@example.org").status_code == 429  # the name as typed: spent
    paused = sign_in(stranger(app, 10), "amina")  # the account: paused, answered as a wrong password
    assert paused.status_code == 200 and WRONG in paused.get_data(as_text=True)
    assert sign_in(phone, "amina").status_code == 302
    sign_out(phone)
    assert sign_in(phone, NUMBER).status_code == 302


def test_a_429_is_the_same_on_every_device(app, amina, monkeypatch):
    """A 429 lifted by a device cookie would tell whoever holds the device (a workplace PC) that the owner of the
    number typed signed in there (outside tester 2b)."""
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per minute")
    phone = owners_phone(app)
    for address in range(1, 4):
        sign_in(stranger(app, address), NUMBER, "not the password")
    assert sign_in(phone, NUMBER).status_code == 429
    assert sign_in(stranger(app, 9), NUMBER).status_code == 429


def test_guessing_on_the_owners_phone_is_limited_by_its_own_count(app, amina, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per minute")
    phone = owners_phone(app)  # one attempt, counted as a stranger's
    answers = [sign_in(phone, name, "not the password").status_code
               for name in ("amina@example.org", NUMBER, "amina@example.org", NUMBER)]
    assert answers == [200, 200, 200, 200]
    assert WRONG in sign_in(phone, "amina").get_data(as_text=True)  # her count on the phone is spent
    assert sign_in(stranger(app, 1), "amina").status_code == 302  # the shared count had one attempt


def test_signing_in_again_on_the_phone_gives_no_fresh_count(app, amina, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "2 per minute")
    phone = owners_phone(app)
    for name in (NUMBER, "amina@example.org"):
        assert sign_in(phone, name).status_code == 302
        sign_out(phone)
    assert WRONG in sign_in(phone, "amina").get_data(as_text=True)


def test_a_tampered_or_foreign_cookie_is_ignored(app, amina, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "2 per minute")
    create_user("rosa")
    phone = owners_phone(app)
    [entry] = entries(phone)
    rosas = app.test_client()
    sign_in(rosas, "rosa")
    sign_out(rosas)
    pause_account(app, 2)
    nonce, day, mac = entry.split("-")
    forged = [f"{nonce}-{day}-{mac[:-1]}{'0' if mac[-1] != '0' else '1'}",  # one digit changed
              f"{nonce[::-1]}-{day}-{mac}",  # another nonce
              f"{nonce}-{int(day) - 1}-{mac}",  # another day
              entries(rosas)[0]]  # another account's
    for value in forged:
        browser = app.test_client()
        browser.set_cookie("device", value)
        assert sign_in(browser, "amina").status_code != 302
    assert sign_in(phone, NUMBER).status_code == 302


def test_an_old_cookie_is_ignored(app, amina, monkeypatch, frozen_clock):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "2 per minute")
    start = frozen_clock(clock.utcnow())
    phone = owners_phone(app)
    pause_account(app, 2)
    frozen_clock(start + timedelta(days=181))
    assert WRONG in sign_in(phone, NUMBER).get_data(as_text=True)


def test_the_pages_answer_alike_with_and_without_cookies(app, sms_enabled, amina, create_user):
    create_user("rosa")
    phone = owners_phone(app)
    rosas = app.test_client()
    sign_in(rosas, "rosa")
    sign_out(rosas)
    bare = app.test_client()
    for identifier in ("amina", "nobody"):
        pages = {page_text(sign_in(browser, identifier, "not the password")) for browser in (phone, rosas, bare)}
        assert len(pages) == 1
    for number in (NUMBER, "+51955555555"):
        pages = {page_text(ask_sign_in_code(browser, number)) for browser in (phone, rosas, bare)}
        assert len(pages) == 1
        pages = {page_text(type_sign_in_code(browser, number, "000000")) for browser in (phone, rosas, bare)}
        assert len(pages) == 1


def test_a_new_password_ends_the_accounts_cookies_but_the_phone_where_she_chose_it(app, amina, create_user,
                                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per minute")
    phone = owners_phone(app)
    stolen = app.test_client()
    stolen.set_cookie("device", device_cookie(phone).value)
    assert sign_in(phone, "amina").status_code == 302
    changed = post_form(phone, "/profile/password", {"pw-current": PASSWORD, "pw-password": NEW_PASSWORD,
                                                     "pw-confirm": NEW_PASSWORD}, page="/profile")
    assert changed.status_code == 302
    sign_out(phone)
    pause_account(app, 3)
    assert WRONG in sign_in(stolen, NUMBER, NEW_PASSWORD).get_data(as_text=True)  # the copy names nobody now
    assert sign_in(phone, "amina", NEW_PASSWORD).status_code == 302


def test_a_password_set_by_someone_else_ends_the_accounts_cookies(app, app_ctx, amina, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "2 per minute")
    phone = owners_phone(app)
    admin = create_user("admin-person", role="admin")
    member = db.session.scalar(select(User).where(User.username == "amina"))
    services.set_password(member, NEW_PASSWORD, by=admin)
    db.session.commit()
    pause_account(app, 2)
    assert WRONG in sign_in(phone, NUMBER, NEW_PASSWORD).get_data(as_text=True)


def test_a_first_password_chosen_on_the_phone_keeps_it_the_members(app, create_user, monkeypatch):
    """A trainer's one-time password signs in, then the member chooses her own: the phone is still hers."""
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per minute")
    member = create_user("kofi", email="kofi@example.org")
    member.must_change_password = True
    db.session.commit()
    phone = app.test_client()
    sign_in(phone, "kofi")
    chosen = post_form(phone, "/first-password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert chosen.status_code == 302
    sign_out(phone)
    for address in range(1, 4):
        sign_in(stranger(app, address), "kofi@example.org", "not the password")
    assert WRONG in sign_in(stranger(app, 3), "kofi", NEW_PASSWORD).get_data(as_text=True)
    assert sign_in(phone, "kofi", NEW_PASSWORD).status_code == 302


def test_a_strangers_wrong_tries_or_new_request_leave_the_code_she_asked_on_her_phone(app, sms_enabled, amina):
    """Outside tester 2d: five wrong tries from anywhere used up her code, and a stranger's request replaced it."""
    phone = owners_phone(app)
    ask_sign_in_code(phone, NUMBER)
    code = code_sent_to(NUMBER)
    browser = stranger(app, 1)
    for _ in range(5):
        type_sign_in_code(browser, NUMBER, "000000")
    ask_sign_in_code(stranger(app, 2), NUMBER)
    assert type_sign_in_code(phone, NUMBER, code).status_code == 302
    assert phone.get("/profile").status_code == 200
