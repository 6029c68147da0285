"""/first-password answers only an account given a one-time password, and only until it is used.

The attack: any open session (a borrowed phone, a copied cookie) set a new password there without knowing
the current one, then changed the phone number and e-mail address: the account was taken over for good.
"""
from __future__ import annotations

from lms.extensions import db
from tests.helpers import PASSWORD, csrf_token, sign_in

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


def test_a_one_time_password_stops_working_after_its_lifetime(app, client, create_user, app_ctx, monkeypatch):
    """The attack: a one-time password from a trainer's printed sheet (left on a table, photographed) opened
    the account months later. It works ONE_TIME_PASSWORD_DAYS, then sign-in is refused with a message."""
    from datetime import timedelta

    from sqlalchemy import select

    from lms.auth.services import give_one_time_password
    from lms.auth.session_store import as_utc
    from lms.clock import utcnow
    from lms.models import AuditEntry, User

    monkeypatch.setitem(app.config, "ONE_TIME_PASSWORD_DAYS", 7)
    user = create_user("kofi")
    give_one_time_password(user)
    db.session.commit()
    assert abs(as_utc(user.one_time_password_expires_at) - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)
    user.one_time_password_expires_at = utcnow() - timedelta(minutes=1)  # the sheet was printed 7 days ago
    db.session.commit()
    refused = sign_in(client, "kofi")
    assert refused.status_code == 200
    assert "This one-time password has expired. Please ask your trainer for a new one." in refused.get_data(
        as_text=True)
    assert client.get("/first-password").status_code == 302 and "/sign-in" in client.get(
        "/first-password").headers["Location"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sign in failed"))
    assert entry.details == {"account": user.id, "reason": "one-time password expired"}
    # Staff give a new one: it works, and the member chooses their own.
    result = app.test_cli_runner().invoke(args=["users", "one-time-password", "kofi"])
    assert result.exit_code == 0, result.output
    new = result.output.rsplit(": ", 1)[1].strip()
    assert sign_in(client, "kofi", new).headers["Location"] == "/"
    assert choose(client, page="/first-password").headers["Location"] == "/"
    db.session.expire_all()
    assert db.session.get(User, user.id).one_time_password_expires_at is None

