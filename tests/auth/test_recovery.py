""""Forgot your password?" over HTTP, with the e-mail received by a real local SMTP server: a link that sets a
new password once, within its time, for its own account only; the same answer whatever the identifier names;
limits per identifier and per address."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms import clock
from lms.auth import recovery, services
from lms.extensions import db
from lms.models import AuditEntry
from lms.privacy.services import erase_account
from tests.helpers import PASSWORD, csrf_token, free_port, post_form, sign_in

NEW_PASSWORD = "a new password for the union"
LINK = re.compile(r"https?://\S+/reset-password\?token=\S+")
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')


def ask_for_link(client, identifier: str):
    """The form sent, then the response closed as a server closes it once sent: the e-mail goes then."""
    response = post_form(client, "/forgot-password", {"identifier": identifier})
    response.close()
    return response


def link_in(message: dict) -> str:
    """The link of a recovery e-mail, as a path with its query."""
    parts = urlsplit(LINK.search(message["body"]).group(0))
    return f"{parts.path}?{parts.query}"


def choose(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    """The new-password form sent through ``link`` (the CSRF token from another page: a spent link has no form)."""
    return client.post(link, data={"password": password, "confirm": password if confirm is None else confirm,
                                   "csrf_token": csrf_token(client, "/forgot-password")})


def signs_in(app, identifier: str, password: str) -> bool:
    return sign_in(app.test_client(), identifier, password).status_code == 302


def answer_text(response) -> str:
    return CSRF_INPUT.sub("", response.get_data(as_text=True))


def test_the_sign_in_page_leads_to_the_recovery_form(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/forgot-password"' in page and "Forgot your password?" in page
    form = client.get("/forgot-password")
    assert form.status_code == 200 and 'name="identifier"' in form.get_data(as_text=True)


def test_an_emailed_link_sets_a_new_password_once_and_ends_every_session(app, client, create_user, inbox):
    amina = create_user("amina", email="amina@example.org")
    elsewhere = app.test_client()
    assert sign_in(elsewhere, "amina").status_code == 302

    answer = ask_for_link(client, "Amina@Example.org")
    assert answer.status_code == 200
    [message] = inbox.wait_for(1)
    assert message["to"] == ["amina@example.org"] and message["subject"] == "Choose a new password"
    assert "“amina”" in message["body"] and "1 hour" in message["body"]
    link = link_in(message)

    form = client.get(link)
    assert form.status_code == 200 and "no-store" in form.headers["Cache-Control"]
    done = choose(client, link)
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    assert "Your new password is saved" in client.get("/sign-in").get_data(as_text=True)

    assert not signs_in(app, "amina", PASSWORD)
    assert signs_in(app, "amina", NEW_PASSWORD)
    assert elsewhere.get("/profile").headers["Location"].startswith("/sign-in")  # signed out there

    again = client.get(link)
    assert again.status_code == 400 and "This link no longer works" in again.get_data(as_text=True)
    assert choose(client, link, "yet another password here").status_code == 400
    assert signs_in(app, "amina", NEW_PASSWORD)

    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    changed = [e for e in entries if e.action == "change password"]
    assert [(e.actor, e.details) for e in changed] == [(f"account {amina.id}", {"account": amina.id,
                                                                                  "way": "e-mail link"})]


def test_the_new_password_follows_the_profiles_rules(app, client, create_user, inbox):
    create_user("amina", email="amina@example.org")
    ask_for_link(client, "amina")
    link = link_in(inbox.wait_for(1)[0])
    for password, confirm, error in [("short", None, "at least 8 characters"),
                                     ("password123", None, "one of the most common"),
                                     (NEW_PASSWORD, "something else", "not the same")]:
        refused = choose(client, link, password, confirm)
        assert refused.status_code == 400 and error in refused.get_data(as_text=True)
    assert signs_in(app, "amina", PASSWORD)
    assert choose(client, link).status_code == 302  # the link still works after mistakes


def test_the_link_stops_working_once_the_password_changes_another_way(client, create_user, inbox):
    amina = create_user("amina", email="amina@example.org")
    ask_for_link(client, "amina")
    link = link_in(inbox.wait_for(1)[0])
    services.set_password(amina, "changed in the profile meanwhile")
    db.session.commit()
    assert client.get(link).status_code == 400


def test_the_link_stops_working_once_the_email_address_changes(client, create_user, inbox):
    amina = create_user("amina", email="amina@example.org")
    ask_for_link(client, "amina")
    link = link_in(inbox.wait_for(1)[0])
    amina.email = "amina@new.example.org"
    db.session.commit()
    assert client.get(link).status_code == 400


def test_an_expired_link_is_refused(app, client, create_user, inbox, frozen_clock):
    create_user("amina", email="amina@example.org")
    asked_at = clock.utcnow()
    ask_for_link(client, "amina")
    link = link_in(inbox.wait_for(1)[0])
    frozen_clock(asked_at + timedelta(minutes=59))
    assert client.get(link).status_code == 200
    frozen_clock(asked_at + timedelta(minutes=61))
    assert client.get(link).status_code == 400
    assert choose(client, link).status_code == 400
    assert signs_in(app, "amina", PASSWORD)


def test_a_link_for_one_account_does_not_work_for_another(app, client, create_user, inbox):
    amina = create_user("amina", email="amina@example.org")
    rosa = create_user("rosa", email="rosa@example.org")
    ask_for_link(client, "amina")
    link = link_in(inbox.wait_for(1)[0])
    token = link.split("token=", 1)[1]
    # Amina's fingerprint under Rosa's id, signed with the portal's own key, and Amina's token with Rosa's id.
    with app.test_request_context():
        forged = recovery.serializer().dumps([rosa.id, recovery.fingerprint(amina)])
    signature = token.split(".", 1)[1]  # the timestamp and the signature of Amina's payload
    swapped = recovery.serializer().dump_payload([rosa.id, "x"]).decode() + "." + signature
    for token in (forged, swapped):
        assert choose(client, f"/reset-password?token={token}").status_code == 400
    assert choose(client, link).status_code == 302
    assert signs_in(app, "rosa", PASSWORD) and not signs_in(app, "amina", PASSWORD)
    assert signs_in(app, "amina", NEW_PASSWORD)


def test_every_identifier_gets_the_same_answer_and_only_an_account_with_email_a_link(app, client, create_user,
                                                                                     inbox):
    create_user("amina", email="amina@example.org")
    create_user("rosa", phone="+51 987 654 321")
    gone = create_user("gone", email="gone@example.org")
    erase_account(gone)
    db.session.commit()
    answers = {name: ask_for_link(app.test_client(), name)
               for name in ("amina", "+51987654321", "nobody", "nobody@example.org", "gone@example.org", "gone")}
    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(answers, 200)
    assert len({answer_text(answer) for answer in answers.values()}) == 1
    text = answer_text(answers["nobody"])
    assert "If this account has an e-mail address, we have sent it a link" in text
    assert "ask the trainer of your group to reset your password" in text
    assert [m["to"] for m in inbox.wait_for(2, seconds=1)] == [["amina@example.org"]]


def test_the_email_goes_after_the_answer(client, create_user, inbox):
    create_user("amina", email="amina@example.org")
    answer = post_form(client, "/forgot-password", {"identifier": "amina"})
    assert answer.status_code == 200 and inbox.messages == []
    answer.close()  # a server closes the response once it has sent it
    assert len(inbox.wait_for(1)) == 1


def test_a_mail_server_that_fails_changes_nothing_in_the_answer(app, client, create_user, caplog):
    create_user("amina", email="amina@example.org")
    saved = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    try:
        failed = ask_for_link(client, "amina")
    finally:
        app.config.update(MAIL_SERVER=saved[0], MAIL_PORT=saved[1])
    assert failed.status_code == 200
    assert answer_text(failed) == answer_text(ask_for_link(app.test_client(), "nobody"))
    assert "recovery e-mail was not sent" in caplog.text and "amina" not in caplog.text


def test_the_email_speaks_the_members_language(client, create_user, inbox):
    create_user("amina", email="amina@example.org", display_name="Amina", locale="fr")
    ask_for_link(client, "amina")
    assert inbox.wait_for(1)[0]["body"].startswith("Bonjour Amina,")


def test_the_token_is_written_to_no_log_and_no_audit_entry(client, create_user, inbox, capsys, caplog):
    create_user("amina", email="amina@example.org")
    ask_for_link(client, "amina")
    link = link_in(inbox.wait_for(1)[0])
    choose(client, link)
    token = link.split("token=", 1)[1]
    logged = capsys.readouterr().err + caplog.text
    assert "/reset-password" in logged and token not in logged
    assert all(token not in str(entry.details) for entry in db.session.scalars(select(AuditEntry)))


def test_requests_are_limited_per_identifier_with_a_translated_429(app, client, create_user, inbox):
    create_user("amina", email="amina@example.org")
    for _ in range(5):
        assert ask_for_link(client, "amina").status_code == 200
    refused = post_form(client, "/forgot-password", {"identifier": " AMINA "}, headers={"Accept-Language": "fr"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Trop de tentatives" in refused.get_data(as_text=True)
    assert ask_for_link(client, "rosa").status_code == 200  # another identifier is still answered
    assert len(inbox.wait_for(5)) == 5


def test_links_per_account_are_limited_silently_whatever_names_it(app, client, create_user, inbox):
    create_user("amina", email="amina@example.org", phone="+51 987 654 321")
    names = ["amina", "amina@example.org", "+51987654321"] * 3
    answers = [ask_for_link(client, name) for name in names]
    assert [a.status_code for a in answers] == [200] * len(names)
    assert len({answer_text(a) for a in answers}) == 1
    assert len(inbox.wait_for(6, seconds=2)) == 5


def test_requests_are_limited_per_address(app, client):
    saved = app.config["RECOVERY_LIMIT_ADDRESS"]
    app.config["RECOVERY_LIMIT_ADDRESS"] = "3 per hour"
    try:
        answers = [ask_for_link(client, f"someone{number}") for number in range(4)]
    finally:
        app.config["RECOVERY_LIMIT_ADDRESS"] = saved
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1].get_data(as_text=True)
    assert "Too many attempts" in refused and "ask the trainer of your group to reset your password" in refused


def test_an_empty_form_is_refused_with_a_message(client):
    refused = post_form(client, "/forgot-password", {"identifier": "  "})
    assert refused.status_code == 400 and "Please write your username, phone or e-mail." in refused.get_data(
        as_text=True)


@pytest.mark.parametrize("token", ["", "nonsense", "a.b.c"])
def test_a_broken_link_is_refused(client, token):
    page = client.get(f"/reset-password?token={token}")
    assert page.status_code == 400 and "Ask for a new link" in page.get_data(as_text=True)
