"""The password is asked again before a change that could hand an account to someone else.

Changing someone's role needs a recent password too: tests/groups/test_groups.py.
"""
from __future__ import annotations

import pytest

from lms.extensions import db
from tests.helpers import PASSWORD, Browser, burst, count_password_checks, csrf_token, save_profile, serve, sign_in


def test_a_new_email_needs_the_current_password(client, app_ctx, create_user):
    user = create_user("amina", display_name="Amina")
    sign_in(client, "amina")
    missing = save_profile(client, email="amina@example.org")
    assert missing.status_code == 400
    assert "To change your phone number or e-mail address, type your current password." in missing.get_data(
        as_text=True)
    wrong = save_profile(client, email="amina@example.org", current_password="not it")
    assert wrong.status_code == 400
    db.session.refresh(user)
    assert user.email is None
    assert save_profile(client, email="amina@example.org", current_password=PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.email == "amina@example.org"


def test_other_profile_changes_need_no_password(client, app_ctx, create_user):
    user = create_user("amina", display_name="Amina")
    sign_in(client, "amina")
    assert save_profile(client, display_name="Amina T.", locale="fr").status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.locale) == ("Amina T.", "fr")


def test_wrong_passwords_in_every_form_share_one_limit(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", "3 per minute")
    create_user("amina", display_name="Amina")
    sign_in(client, "amina")
    save_profile(client, phone="+51 912 345 678", current_password="guess 1")
    token = csrf_token(client, "/profile")
    client.post("/profile/password", data={"pw-current": "guess 2", "pw-password": "new password 1",
                                           "pw-confirm": "new password 1", "pw-csrf_token": token})
    client.post("/confirm-password", data={"password": "guess 3",
                                           "csrf_token": csrf_token(client, "/confirm-password")})
    assert save_profile(client, phone="+51 912 345 678", current_password=PASSWORD).status_code == 429


@pytest.mark.slow
def test_twenty_concurrent_wrong_confirmations_get_at_most_the_limits_worth_of_checks(app, create_user, monkeypatch):
    """From one open session, a burst of password guesses to /confirm-password at the same moment (live server)."""
    limit = 10
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_ACCOUNT", f"{limit} per 15 minutes")
    create_user("amina")
    with serve(app) as base:
        browser = Browser(base)
        browser.post("/sign-in", {"identifier": "amina", "password": PASSWORD, "csrf_token": browser.token("/sign-in")})
        checks = count_password_checks(monkeypatch)
        token = browser.token("/confirm-password")
        answers = burst(lambda number: browser.post(
            "/confirm-password", {"password": f"guess {number}", "csrf_token": token}))
    # The sign-in counted under its own scope: the confirmations have their own ten.
    assert len(checks) <= limit, f"{len(checks)} passwords checked"
    assert answers.count(429) >= 20 - limit
