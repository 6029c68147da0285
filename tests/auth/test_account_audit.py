"""Account events leave an audit entry, and no entry holds personal data.

The attack: someone signs in as a member (or tries to), changes the password, the phone number, the role;
afterwards nothing showed who, when, or that anything happened.
"""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import AuditEntry
from tests.helpers import BUNDLED_COURSE, PASSWORD, complete_course, post_form, sign_in

ACCOUNT_ACTIONS = {"sign in", "sign in failed", "change password", "change contact", "change role", "erase account"}
NEW_PASSWORD = "a brand new phrase"
NEW_PHONE, NEW_EMAIL = "+51 912 345 678", "amina.new@example.org"


def entries() -> list[tuple]:
    db.session.expire_all()
    return [(e.action, e.actor, e.user_id, e.details) for e in db.session.scalars(select(AuditEntry)
                                                                                  .order_by(AuditEntry.id))]


def post(client, url: str, data: dict | None = None, page: str = "/profile"):
    """A form posted with the profile page's CSRF token, unless ``page`` names another."""
    return post_form(client, url, data, page=page)


def test_account_events_are_audited_without_personal_data(app, create_user, library, app_ctx):
    from lms.groups import services as groups
    from lms.learn.services import find_course
    from lms.models import GroupMember

    amina = create_user("amina", display_name="Amina Diallo", email="amina@example.org", country="BJ")
    coordinator = create_user("coco", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    trainer = create_user("tina", role="trainer", country="BJ")
    group = groups.create_group(trainer=trainer, course=find_course(BUNDLED_COURSE), name="ToT", country="BJ",
                                place="Cotonou", mode="in-person", starts_on=clock.today() - timedelta(days=9),
                                ends_on=clock.today(), trains_trainers=True)
    db.session.add(GroupMember(group_id=group.id, user_id=amina.id))
    db.session.commit()
    complete_course(amina.id)
    db.session.execute(AuditEntry.__table__.delete())
    db.session.commit()

    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    typed = ["AMINA", "nobody-at-all", "+51 999 888 777"]
    assert sign_in(browser, typed[0], "wrong guess 1").status_code == 200  # a known account
    assert sign_in(browser, typed[1], "wrong guess 2").status_code == 200  # no such account
    assert sign_in(browser, typed[2], "wrong guess 3").status_code == 200
    assert sign_in(browser, "amina@example.org").status_code == 302
    assert post(browser, "/profile/password", {"pw-current": PASSWORD, "pw-password": NEW_PASSWORD,
                                               "pw-confirm": NEW_PASSWORD}).status_code == 302
    assert post(browser, "/profile", {"display_name": "Amina Diallo", "phone": NEW_PHONE, "email": NEW_EMAIL,
                                      "country": "BJ", "gender": "woman", "birth_year": "", "locale": "en",
                                      "current_password": NEW_PASSWORD}).status_code == 302
    staff = app.test_client()
    sign_in(staff, "coco")
    post(staff, f"/groups/{group.id}/members/{amina.id}/promote", {}, page=f"/groups/{group.id}")
    laptop = app.test_client()
    sign_in(laptop, "amina", NEW_PASSWORD)

    me = f"account {amina.id}"

    def trail():
        return [entry for entry in entries()
                if entry[0] in ACCOUNT_ACTIONS and (entry[2], entry[0]) != (coordinator.id, "sign in")]

    assert trail() == [
        ("sign in failed", "visitor", None, {"account": amina.id}),
        ("sign in failed", "visitor", None, {}),
        ("sign in failed", "visitor", None, {}),
        ("sign in", me, amina.id, {"account": amina.id}),
        ("change password", me, amina.id, {"account": amina.id}),
        ("change contact", me, amina.id, {"account": amina.id, "fields": ["email", "phone"]}),
        ("change role", "coco", coordinator.id, {"account": amina.id, "old": "participant", "new": "trainer"}),
        ("sign in", me, amina.id, {"account": amina.id}),
    ]
    assert post(laptop, "/my-data/erase", {"password": NEW_PASSWORD, "confirm": "y"},
                page="/my-data/erase").status_code == 302
    # Erased, the account's own events go (when it signed in, failed to, changed its password or contacts);
    # what staff did to it, and the erasure, stay, no longer naming the account in their details.
    assert trail() == [
        ("sign in failed", "visitor", None, {}),
        ("sign in failed", "visitor", None, {}),
        ("change role", "coco", coordinator.id, {"old": "participant", "new": "trainer"}),
        ("erase account", me, amina.id, {}),
    ]
    written = json.dumps([(action, actor, details) for action, actor, _user, details in entries()],
                         ensure_ascii=False).lower()
    for personal in ("amina", "diallo", "example.org", "912", "345", "999 888", "nobody", "wrong guess", PASSWORD,
                     NEW_PASSWORD, "203.0.113", "127.0.0.1"):
        assert personal.lower() not in written, personal


def test_ending_someones_sessions_from_the_command_line(app, create_user, app_ctx):
    amina = create_user("amina")
    phone = app.test_client()
    sign_in(phone, "amina")
    result = app.test_cli_runner().invoke(args=["users", "sign-out", "AMINA"])
    assert result.exit_code == 0, result.output
    assert "Ended 1 session(s)" in result.output
    assert phone.get("/my-learning").headers["Location"].startswith("/sign-in")
    action, actor, _user, details = entries()[-1]
    assert (action, details) == ("end sessions", {"account": amina.id, "sessions": 1})
    assert actor.startswith("command line")
