"""A new session at each sign-in; sessions end after idleness or age, except "keep me signed in"."""
from __future__ import annotations

import time

from tests.conftest import PASSWORD, csrf_token, sign_in


def test_signing_in_starts_a_new_session_keeping_only_the_language(client, create_user):
    create_user("amina")
    client.get("/?lang=fr")
    with client.session_transaction() as session:
        session["left_over"] = "from before"
    token_before = csrf_token(client, "/sign-in")
    with client.session_transaction() as session:
        secret_before = session["csrf_token"]
    client.post("/sign-in", data={"identifier": "amina", "password": PASSWORD, "csrf_token": token_before})
    with client.session_transaction() as session:
        assert "left_over" not in session and session.get("lang") == "fr"
        assert session.get("csrf_token") != secret_before
        assert session["signed_in_at"] >= time.time() - 5 and session["remembered"] is False


def age(client, **seconds_ago) -> None:
    with client.session_transaction() as session:
        for key, seconds in seconds_ago.items():
            session[key] = int(time.time()) - seconds


def test_a_session_ends_after_two_idle_hours(app, client, create_user):
    create_user("amina")
    sign_in(client, "amina")
    assert client.get("/my-learning").status_code == 200
    age(client, seen_at=119 * 60)
    assert client.get("/my-learning").status_code == 200  # still within the limit, and seen again now
    age(client, seen_at=app.config["SESSION_IDLE_MINUTES"] * 60 + 1)
    response = client.get("/my-learning")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=/my-learning")
    assert "signed out after a while without activity" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert client.get("/my-learning").status_code == 302  # signed out for good


def test_a_session_ends_twelve_hours_after_signing_in_however_active(app, client, create_user):
    create_user("amina")
    sign_in(client, "amina")
    age(client, signed_in_at=app.config["SESSION_MAX_HOURS"] * 3600 + 1, seen_at=10)
    assert client.get("/my-learning").status_code == 302


def test_keep_me_signed_in_has_no_idle_limit(client, create_user):
    create_user("amina")
    client.post("/sign-in", data={"identifier": "amina", "password": PASSWORD, "remember": "y",
                                  "csrf_token": csrf_token(client, "/sign-in")})
    age(client, seen_at=3 * 24 * 3600, signed_in_at=3 * 24 * 3600)
    assert client.get("/my-learning").status_code == 200
    assert client.get_cookie("remember_token") is not None
