"""/first-password answers only an account given a one-time password, and only until it is used.

The attack: any open session (a borrowed phone, a copied cookie) set a new password there without knowing
the current one, then changed the phone number and e-mail address: the account was taken over for good.
"""
from __future__ import annotations

from lms.extensions import db
from tests.conftest import PASSWORD, csrf_token, sign_in

NEW = {"password": "taken over for good", "confirm": "taken over for good"}


def choose(client, data=NEW, page="/profile"):
    token = csrf_token(client, page)
    return client.post("/first-password", data={**data, "csrf_token": token})


def test_an_account_without_a_one_time_password_cannot_set_one_there(app, client, create_user, app_ctx):
    user = create_user("amina")
    sign_in(client, "amina")
    before = user.password_hash
    response = choose(client)
    db.session.refresh(user)
    assert user.password_hash == before
    assert sign_in(app.test_client(), "amina", NEW["password"]).status_code == 200  # refused
    assert sign_in(app.test_client(), "amina").status_code == 302  # the member's own password still works
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/first-password").headers["Location"] == "/"


def test_a_one_time_password_is_replaced_once_only(app, client, create_user, app_ctx):
    user = create_user("kofi")
    user.must_change_password = True  # as a trainer's bulk accounts are made
    db.session.commit()
    sign_in(client, "kofi")
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)  # taken before the member chose
    assert client.get("/my-learning").headers["Location"] == "/first-password"
    assert client.get("/first-password").status_code == 200
    chosen = choose(client, {"password": "my own secret", "confirm": "my own secret"}, page="/first-password")
    assert chosen.headers["Location"] == "/"
    db.session.refresh(user)
    mine = user.password_hash
    assert not user.must_change_password
    # Used: a second time changes nothing, and the copied session ended with the change.
    again = choose(client)
    db.session.refresh(user)
    assert user.password_hash == mine
    assert again.headers["Location"] == "/"
    assert copied.get("/first-password").headers["Location"].startswith("/sign-in")
    assert sign_in(app.test_client(), "kofi", "my own secret").status_code == 302
    assert sign_in(app.test_client(), "kofi", PASSWORD).status_code == 200
