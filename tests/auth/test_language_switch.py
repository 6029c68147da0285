"""A GET with ?lang= changes the page (and the session), never the stored profile.

The attack: a link or an embedded image (``<img src="https://portal/?lang=ar">``) on any site changed a
signed-in member's stored language, a write that a GET must not make.
"""
from __future__ import annotations

from lms.extensions import db
from tests.helpers import csrf_token, html_lang, save_profile, sign_in


def test_lang_on_a_get_while_signed_in_leaves_the_profile_language(client, create_user, app_ctx):
    user = create_user("amina", locale="en", display_name="Amina")
    sign_in(client, "amina")
    assert html_lang(client.get("/courses?lang=fr")) == "fr"
    db.session.refresh(user)
    assert user.locale == "en"
    assert html_lang(client.get("/my-learning")) == "fr"  # remembered for the session
    assert '<option selected value="en">' in client.get("/profile").get_data(as_text=True)  # the profile keeps its own
    # The profile form is where it is stored.
    assert save_profile(client, display_name="Amina", locale="fr").status_code == 302
    db.session.refresh(user)
    assert user.locale == "fr"


def test_a_language_chosen_before_signing_in_does_not_go_into_the_profile(client, create_user, app_ctx):
    user = create_user("amina", locale="fr")
    client.get("/sign-in?lang=ar")
    sign_in(client, "amina")
    db.session.refresh(user)
    assert user.locale == "fr"
    assert html_lang(client.get("/")) == "fr"  # the profile's language wins at sign-in


def test_without_a_profile_language_the_choice_carries_into_the_session(client, create_user, app_ctx):
    user = create_user("amina")
    client.get("/sign-in?lang=ar")
    sign_in(client, "amina")
    assert html_lang(client.get("/")) == "ar"
    db.session.refresh(user)
    assert user.locale is None


def test_a_members_own_switch_outlives_signing_out_and_in_on_that_browser(app, client, create_user, app_ctx):
    user = create_user("amina", locale="en")
    create_user("bob", locale="sw")
    sign_in(client, "amina")
    client.get("/?lang=fr")
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, "bob")  # another member of the shared phone: their profile's language, not hers
    assert html_lang(client.get("/")) == "sw"
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    phone = app.test_client()
    sign_in(phone, "amina")
    phone.get("/?lang=fr")
    phone.post("/sign-out", data={"csrf_token": csrf_token(phone, "/")})
    sign_in(phone, "amina")
    assert html_lang(phone.get("/")) == "fr"  # she chose it on this phone
    db.session.refresh(user)
    assert user.locale == "en"
