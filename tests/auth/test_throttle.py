"""Failed sign-ins are slowed down per account and per address, never locking the owner out for good."""
from __future__ import annotations

import re
import time
import uuid

import pytest

from bench.server_load import gunicorn
from tests.helpers import PASSWORD, Browser, csrf_token, redis_or_skip, sign_in


def fail(client, identifier: str):
    return sign_in(client, identifier, "not the password")


def test_an_account_is_refused_after_its_failed_sign_ins_then_opens_again(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per 2 seconds")
    create_user("amina")
    create_user("rosa")
    for _ in range(3):
        assert fail(client, "amina").status_code == 200
    refused = sign_in(client, "AMINA ")  # the right password, the same account however it is spelled
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) <= 2
    assert "Too many attempts." in refused.get_data(as_text=True)
    assert sign_in(app.test_client(), "rosa").status_code == 302  # other accounts are not affected
    time.sleep(2.1)
    assert sign_in(client, "amina").status_code == 302  # no lasting lock-out


def test_the_refusal_is_translated(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "1 per 15 minutes")
    create_user("amina")
    client.get("/?lang=fr")
    fail(client, "amina")
    page = sign_in(client, "amina").get_data(as_text=True)
    assert "Trop de tentatives" in page and "15 minutes" in page


def test_an_address_is_refused_after_failures_on_many_accounts(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ADDRESS", "4 per minute")
    for name in ("a1", "a2", "a3", "a4"):
        create_user(name)
        assert fail(client, name).status_code == 200
    create_user("a5")
    assert sign_in(client, "a5").status_code == 429
    other_address = app.test_client()
    response = other_address.post("/sign-in", data={"identifier": "a5", "password": PASSWORD,
                                                    "csrf_token": csrf_token(other_address, "/sign-in")},
                                  environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 302


def test_every_attempt_counts_successful_ones_too(app, client, create_user, monkeypatch):
    """Counted before the password is checked (so that a burst cannot pass), and not cleared by a success
    (which would give whoever guesses a fresh allowance each time the owner signs in)."""
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "2 per minute")
    create_user("amina")
    for _ in range(2):  # browsers without amina's device cookie (tests/auth/test_device_cookies.py: with it)
        assert sign_in(app.test_client(), "amina").status_code == 302
    assert sign_in(client, "amina").status_code == 429


def test_unknown_accounts_get_the_same_answer_and_the_same_limit(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "2 per minute")
    create_user("amina")
    known, unknown = fail(client, "amina"), fail(client, "nobody-here")
    message = "The username or password is wrong, or this account is paused for a few minutes after too many tries."
    assert known.status_code == unknown.status_code == 200
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    fail(client, "amina"), fail(client, "nobody-here")
    assert fail(client, "amina").status_code == fail(client, "nobody-here").status_code == 429


def test_guessing_group_codes_is_slowed_down(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "CODE_LIMIT", "3 per minute")
    create_user("amina")
    sign_in(client, "amina")
    token = csrf_token(client, "/join")
    for code in ("AAAAAA", "BBBBBB", "CCCCCC"):
        assert client.post("/join", data={"code": code, "csrf_token": token}).status_code == 400
    assert client.post("/join", data={"code": "DDDDDD", "csrf_token": token}).status_code == 429


def test_guessing_certificate_codes_is_slowed_down(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "CODE_LIMIT", "2 per minute")
    assert client.get("/verify/NOPE-NOPE-01").status_code == 404
    assert client.get("/verify/NOPE-NOPE-02").status_code == 404
    assert client.get("/verify/NOPE-NOPE-03").status_code == 429


def test_production_refuses_to_count_in_one_process_only():
    from lms import UnsafeConfiguration, create_app
    from lms.config import TestConfig

    class Production(TestConfig):
        APP_ENV = "production"
        SECRET_KEY = "x" * 40
        PSEUDONYM_KEY = "y" * 40
        RATELIMIT_STORAGE_URI = "memory://"
        PUBLIC_URL = "https://portal.example.org"

    with pytest.raises(UnsafeConfiguration, match="RATELIMIT_STORAGE_URI"):
        create_app(Production)
    Production.RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
    assert create_app(Production).extensions["throttle"].storage.__class__.__name__ == "RedisStorage"



@pytest.mark.redis
def test_two_workers_share_the_count_in_redis(database_url, create_user, tmp_path):
    """gunicorn with two worker processes and Redis storage, as in production: the limit holds across them."""
    redis = redis_or_skip()
    create_user("amina")
    prefix = f"lms-test-{uuid.uuid4().hex[:8]}"
    settings = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "RATELIMIT_KEY_PREFIX": prefix,
                "SIGN_IN_LIMIT_ACCOUNT": "4 per minute", "SECRET_KEY": "k" * 40}
    try:
        with gunicorn(database_url, str(tmp_path), workers=2, settings=settings) as (base, _server):
            browser = Browser(base)

            def attempt(password: str) -> int:
                return browser.post("/sign-in", {"identifier": "amina", "password": password,
                                                 "csrf_token": browser.token("/sign-in")})

            assert [attempt("wrong") for _ in range(4)] == [200] * 4
            assert attempt(PASSWORD) == 429
        keys = [key.decode() for key in redis.keys(f"*{prefix}*")]
        assert keys, "the counts are kept in Redis"
        assert not any("amina" in key for key in keys), "account names are not written in clear"
    finally:
        for key in redis.keys(f"*{prefix}*"):
            redis.delete(key)


WRONG = "The username or password is wrong, or this account is paused for a few minutes after too many tries."


def test_the_username_e_mail_and_phone_of_one_account_share_one_count(app, client, create_user, monkeypatch):
    """The attack (limit_bypass.py): guessing by username, then by e-mail, then by phone gave three allowances
    for one account. Beyond the account's count the password is not checked, whichever identifier names it.
    Unknown identifiers still get one count each (per normal form)."""
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per minute")
    create_user("amina", email="amina@example.org", phone="+51 987654321", country="PE")
    for identifier in ("amina", "AMINA@example.org", "0051 987 654 321"):
        assert fail(client, identifier).status_code == 200
    for identifier in ("amina", "amina@example.org", "+51987654321"):
        paused = sign_in(app.test_client(), identifier)  # the right password
        assert paused.status_code == 200 and WRONG in paused.get_data(as_text=True)
    for identifier in ("nobody-1", "nobody-2", "nobody-3"):
        assert fail(client, identifier).status_code == 200
    assert fail(client, "NOBODY-1").status_code == 200


def answer(app, identifier: str, password: str = "not the password") -> tuple[int, str]:
    """What a fresh browser is told: the status, and the page without its form token."""
    response = sign_in(app.test_client(), identifier, password)
    page = re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))
    return response.status_code, page


def test_the_sign_in_limit_does_not_link_a_phone_to_an_e_mail(app, create_user, monkeypatch):
    """The attack (link_oracle.py): ten wrong passwords naming a phone number, then one try naming an e-mail
    address answered 429 only if both were of one account. Now the answer is a wrong password's either way."""
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "10 per 15 minutes")
    create_user("amina", email="amina@example.org", phone="+51 987654321", country="PE")
    create_user("rosa", email="rosa@example.org")
    for _ in range(10):
        assert answer(app, "+51 987 654 321")[0] == 200
    same, other, nobody = (answer(app, "amina@example.org"), answer(app, "rosa@example.org"),
                           answer(app, "nobody@example.org"))
    assert same[0] == other[0] == nobody[0] == 200
    assert WRONG in same[1]
    assert same[1] == other[1] == nobody[1]
    assert answer(app, "+51 987 654 321")[0] == 429  # the identifier as typed: its own count, as before


def test_a_paused_account_is_answered_as_a_wrong_password_and_opens_again(app, create_user, monkeypatch):
    """The owner's right password is not checked while the account is paused (no 429 that names it), and
    works once the window has passed."""
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per 2 seconds")
    create_user("amina", email="amina@example.org", phone="+51 987654321", country="PE")
    for identifier in ("+51 987654321", "amina@example.org", "0051987654321"):
        answer(app, identifier)
    status, page = answer(app, "amina", PASSWORD)
    assert status == 200 and WRONG in page
    time.sleep(2.1)
    assert sign_in(app.test_client(), "amina").status_code == 302


def test_ipv6_addresses_of_one_slash_64_share_the_sign_in_limit(app, create_user, monkeypatch):
    """Per-address counts take an IPv6 address by its /64, which one household or phone can change at will."""
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ADDRESS", "3 per minute")
    for number in range(3):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"2001:db8:1:2::{number + 1:x}"
        assert fail(browser, f"nobody-{number}").status_code == 200
    same_64, other_64 = app.test_client(), app.test_client()
    same_64.environ_base["REMOTE_ADDR"] = "2001:db8:1:2:ffff:eeee:dddd:cccc"
    other_64.environ_base["REMOTE_ADDR"] = "2001:db8:1:3::1"
    assert fail(same_64, "nobody-4").status_code == 429
    assert fail(other_64, "nobody-5").status_code == 200
