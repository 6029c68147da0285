"""Signing up without e-mail, signing in by username, phone or e-mail, and the profile."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import User
from tests.helpers import PASSWORD, SIGN_UP, csrf_token, sign_in, sign_up


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_member_signs_up_with_only_a_username(client, app_ctx):
    response = sign_up(client)
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert (user.username, user.email, user.phone, user.country, user.gender, user.birth_year, user.role) == (
        "rosa.q", None, None, "PE", "woman", 1994, "participant")
    assert user.password_hash.startswith("$argon2id$")
    assert "Rosa Quispe" in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_birth_year_is_optional_and_explained(client, app_ctx):
    page = client.get("/sign-up").get_data(as_text=True)
    assert "We ask so that we can show how training reaches young and older workers" in page
    assert sign_up(client, birth_year="").status_code == 302
    assert db.session.scalar(select(User.birth_year)) is None


def test_phone_and_email_are_normalised_and_sign_in_works_with_each(client, app_ctx):
    sign_up(client, phone="+229 01 97 12-34-56", email="Rosa@Example.org")
    user = db.session.scalar(select(User))
    assert (user.phone, user.email) == ("+2290197123456", "rosa@example.org")
    for identifier in ("rosa.q", "ROSA.Q", "+229 01 97 12 34 56", "002290197123456", "rosa@example.org"):
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
        response = sign_in(client, identifier)
        assert response.status_code == 302, identifier
        assert "Sign out" in client.get("/").get_data(as_text=True)


def test_country_names_come_from_cldr_in_the_readers_language(client):
    english = client.get("/sign-up").get_data(as_text=True)
    french = client.get("/sign-up?lang=fr").get_data(as_text=True)
    assert '<option value="CI">Côte d’Ivoire</option>' in english or "Côte d’Ivoire" in english
    assert '<option value="PE">Peru</option>' in english
    assert '<option value="PE">Pérou</option>' in french
    assert english.index('value="BJ"') < english.index('value="AF"')  # partner countries first


def test_bad_sign_up_answers_with_messages_and_writes_nothing(client, app_ctx, create_user):
    create_user("taken")
    cases = {
        "username": ("taken", "This username is taken"),
        "phone": ("12345", "This is not a phone number we can read."),
        "email": ("not-an-address", "This does not look like an e-mail address."),
        "confirm": ("different", "The two passwords are not the same."),
        "gender": ("", "Please choose one answer."),
        "country": ("", "Please choose your country."),
        "birth_year": ("1850", "Please give a year between"),
        "password": ("short", "A password has at least 8 characters."),
    }
    # Common passwords are refused, in any case; no rule asks for digits or capitals.
    for common in ("password", "Password1", "12345678", "iloveyou"):
        cases[f"password:{common}"] = (common, "This password is one of the most common")
    for case, (value, message) in cases.items():
        field = case.split(":")[0]
        changes = {field: value}
        if field == "password":
            changes["confirm"] = value
        response = sign_up(client, **changes)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, case
        assert message in page, case
        assert "Nothing was saved" in page
        assert count_users() == 1, case
    assert sign_up(client, password="a long walk to the union office", confirm="a long walk to the union office"
                   ).status_code == 302  # a sentence, all lower case, no digit: welcome


def test_sign_up_messages_are_translated(client):
    client.get("/?lang=fr")
    response = client.post("/sign-up", data={**SIGN_UP, "username": "", "csrf_token": csrf_token(client, "/sign-up")})
    assert "Veuillez choisir un nom d’utilisateur." in response.get_data(as_text=True) or \
        "nom d'utilisateur" in response.get_data(as_text=True)


def test_wrong_password_and_unknown_account_get_the_same_answer(client, create_user):
    create_user("amina")
    wrong = sign_in(client, "amina", "not the password").get_data(as_text=True)
    unknown = sign_in(client, "nobody", "not the password").get_data(as_text=True)
    message = "The username or password is wrong, or this account is paused for a few minutes after too many tries."
    assert message in wrong and message in unknown
    assert "Sign out" not in client.get("/").get_data(as_text=True)


def test_sign_in_without_csrf_token_is_refused(client, create_user):
    create_user("amina")
    response = client.post("/sign-in", data={"identifier": "amina", "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_sign_out_needs_a_post_with_token(client, create_user):
    create_user("amina")
    sign_in(client, "amina")
    assert client.get("/sign-out").status_code == 405
    assert "This page was old. Tap Sign out again" in client.post("/sign-out").get_data(as_text=True)
    assert "Sign out" in client.get("/").get_data(as_text=True)  # not signed out without the token
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert "Sign in" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "/\tevil.example", "javascript:alert(1)", "http:/evil.example"])
def test_next_only_goes_to_this_site(client, create_user, target):
    create_user("amina")
    token = csrf_token(client, "/sign-in")
    data = {"identifier": "amina", "password": PASSWORD, "csrf_token": token}
    response = client.post("/sign-in", query_string={"next": target}, data=data)
    assert response.headers["Location"] == "/"
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    response = client.post("/sign-in?next=/my-learning", data={**data, "csrf_token": csrf_token(client, "/sign-in")})
    assert response.headers["Location"] == "/my-learning"


def test_profile_changes_are_saved(client, app_ctx, create_user):
    user = create_user("amina", country="SN")
    sign_in(client, "amina")
    data = {"display_name": "Aminata D.", "phone": "+221 77 123 45 67", "email": "", "country": "ML",
            "gender": "undisclosed", "birth_year": "", "locale": "fr", "current_password": PASSWORD,
            "csrf_token": csrf_token(client, "/profile")}
    response = client.post("/profile", data=data, follow_redirects=True)
    assert "Votre profil est enregistré." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.display_name, user.phone, user.country, user.gender, user.locale) == (
        "Aminata D.", "+221771234567", "ML", "undisclosed", "fr")


def test_profile_takes_a_phone_number_someone_else_has_without_a_word(client, app_ctx, create_user):
    create_user("other", phone="+51912345678")
    user = create_user("amina")
    sign_in(client, "amina")
    data = {"display_name": "A", "phone": "+51 912 345 678", "email": "", "country": "PE", "gender": "woman",
            "birth_year": "", "locale": "en", "current_password": PASSWORD,
            "csrf_token": csrf_token(client, "/profile")}
    assert client.post("/profile", data=data).status_code == 302
    db.session.refresh(user)
    assert (user.phone, user.phone_confirmed_at) == ("+51912345678", None)


def test_password_change_needs_the_current_password(client, app_ctx, create_user):
    create_user("amina")
    sign_in(client, "amina")
    token = csrf_token(client, "/profile")
    bad = client.post("/profile/password", data={"pw-current": "wrong", "pw-password": "new password 1",
                                                 "pw-confirm": "new password 1", "pw-csrf_token": token})
    assert bad.status_code == 400
    assert "The current password is wrong." in bad.get_data(as_text=True)
    good = client.post("/profile/password", data={"pw-current": PASSWORD, "pw-password": "new password 1",
                                                  "pw-confirm": "new password 1", "pw-csrf_token": token})
    assert good.status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert sign_in(client, "amina", PASSWORD).status_code == 200
    assert sign_in(client, "amina", "new password 1").status_code == 302


def test_production_password_cost_is_argon2id_with_64_mib(app):
    from lms.config import Config

    assert Config.ARGON2_MEMORY_COST == 65536 and Config.ARGON2_TIME_COST >= 2


def signed_in(client) -> bool:
    return "Sign out" in client.get("/").get_data(as_text=True)


def test_a_sign_out_button_older_than_the_token_gets_a_fresh_one_then_signs_out(app, client, create_user,
                                                                                 monkeypatch):
    """The attack (stale_signout.py): a Sign out button whose token the server no longer takes (a tab open
    longer than WTF_CSRF_TIME_LIMIT) answered 400 "This form has expired" and left the member signed in."""
    create_user("amina")
    sign_in(client, "amina")
    stale = csrf_token(client, "/")
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 1)
    time.sleep(2.1)  # the token's age is counted in whole seconds
    page = client.post("/sign-out", data={"csrf_token": stale})
    assert page.status_code == 200
    assert "This page was old. Tap Sign out again to sign out." in page.get_data(as_text=True)
    assert signed_in(client)
    fresh = re.search(r'action="/sign-out">\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    assert client.post("/sign-out", data={"csrf_token": fresh}).status_code == 302
    assert not signed_in(client)


def test_a_sign_out_button_from_before_keep_me_signed_in_restored_the_session(client, create_user):
    create_user("amina")
    client.post("/sign-in", data={"identifier": "amina", "password": PASSWORD, "remember": "y",
                                  "csrf_token": csrf_token(client, "/sign-in")})
    old_tab = csrf_token(client, "/")
    remember = client.get_cookie("remember_token").value
    client.delete_cookie("session")  # the browser was closed: only the remember cookie is left
    assert signed_in(client)  # a new tab restores the session
    page = client.post("/sign-out", data={"csrf_token": old_tab}).get_data(as_text=True)
    assert "This page was old." in page
    fresh = re.search(r'action="/sign-out">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/sign-out", data={"csrf_token": fresh})
    assert not signed_in(client)
    assert client.get_cookie("remember_token") is None or client.get_cookie("remember_token").value != remember


def test_a_cross_site_sign_out_signs_nobody_out(client, create_user):
    create_user("amina")
    sign_in(client, "amina")
    response = client.post("/sign-out", headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200 and "Tap Sign out again" in response.get_data(as_text=True)
    assert signed_in(client)
