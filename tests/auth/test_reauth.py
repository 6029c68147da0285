"""The password is asked again before a change that could hand an account or a role to someone else."""
from __future__ import annotations

import time

from sqlalchemy import select

from lms.extensions import db
from lms.models import GroupMember, TrainingGroup
from tests.conftest import PASSWORD, complete_course, csrf_token, sign_in
from tests.groups.test_groups import make_group, trainer  # noqa: F401 - the fixture is used by name

PROFILE = {"display_name": "Amina", "phone": "", "email": "", "country": "PE", "gender": "woman",
           "birth_year": "", "locale": "en"}


def save_profile(client, **changes):
    return client.post("/profile", data={**PROFILE, **changes, "csrf_token": csrf_token(client, "/profile")})


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


def test_changing_a_role_needs_a_recent_password(client, app, app_ctx, create_user, trainer):  # noqa: F811
    make_group(client, trains_trainers="y")
    group = db.session.scalar(select(TrainingGroup))
    graduate = create_user("gra")
    db.session.add(GroupMember(group_id=group.id, user_id=graduate.id))
    db.session.commit()
    complete_course(graduate.id)
    create_user("coco", role="coordinator", coordinated_countries=["BJ"])
    coordinator = app.test_client()
    sign_in(coordinator, "coco")
    with coordinator.session_transaction() as session:
        session["password_at"] = int(time.time()) - 16 * 60  # signed in 16 minutes ago
    promote = f"/groups/{group.id}/members/{graduate.id}/promote"
    token = csrf_token(coordinator, f"/groups/{group.id}")
    asked = coordinator.post(promote, data={"csrf_token": token})
    assert asked.status_code == 302
    assert asked.headers["Location"] == f"/confirm-password?next=/groups/{group.id}"
    db.session.refresh(graduate)
    assert graduate.role == "participant"
    page = coordinator.get("/confirm-password?next=/groups/1")
    assert "please type your password again" in page.get_data(as_text=True)
    wrong = coordinator.post(asked.headers["Location"], data={"password": "not it", "csrf_token": token})
    assert wrong.status_code == 400 and "This password is wrong." in wrong.get_data(as_text=True)
    right = coordinator.post(asked.headers["Location"], data={"password": PASSWORD, "csrf_token": token})
    assert right.headers["Location"] == f"/groups/{group.id}"
    assert coordinator.post(promote, data={"csrf_token": token}).headers["Location"] == f"/groups/{group.id}"
    db.session.refresh(graduate)
    assert graduate.role == "trainer"
