"""Staff give a forgotten password back as a new one-time password: shown once, printable, never cached."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import AuditEntry, User, UserSession
from tests.helpers import BUNDLED_COURSE, PASSWORD, post_form, sign_in


def lima_group(create_user, trainer):
    from lms.groups import services as groups
    from lms.learn.services import find_course

    group = groups.create_group(trainer=trainer, course=find_course(BUNDLED_COURSE), name="Lima", country="PE",
                                place="Lima", mode="in-person", starts_on=clock.today(), ends_on=clock.today())
    rosa = create_user("rosa", display_name="Rosa Quispe")
    groups.add_member(group, rosa)
    db.session.commit()
    return rosa


def rosa_group(rosa) -> int:
    from lms.models import GroupMember

    return db.session.scalar(select(GroupMember.group_id).where(GroupMember.user_id == rosa.id))


def one_time_password(page: str) -> str:
    return re.search(r"<code data-one-time-password>([^<]+)</code>", page).group(1)


def test_a_trainer_gives_a_member_of_her_group_a_one_time_password(client, create_user, library):
    tina = create_user("tina", role="trainer")
    rosa = lima_group(create_user, tina)
    phone = client.application.test_client()
    sign_in(phone, "rosa")
    sign_in(client, "tina")
    url = f"/people/{rosa.id}/password"
    group_page = client.get(f"/groups/{rosa_group(rosa)}").get_data(as_text=True)
    assert f'href="{url}?group={rosa_group(rosa)}"' in group_page and "New password for Rosa Quispe" in group_page
    back = post_form(client, f"{url}?group={rosa_group(rosa)}").get_data(as_text=True)
    assert f'href="/groups/{rosa_group(rosa)}">Back to Lima</a>' in back
    asked = client.get(url).get_data(as_text=True)
    assert "Rosa Quispe" in asked and "signed out on every device" in asked
    response = post_form(client, url)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    sheet = response.get_data(as_text=True)
    password = one_time_password(sheet)
    assert "<svg" in sheet and "rosa" in sheet and "/sign-in" in sheet
    # Her other sessions ended; her old password no longer works; the new one must be changed at sign-in.
    assert db.session.scalar(select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == rosa.id)) == 0
    assert phone.get("/my-learning").headers["Location"].startswith("/sign-in")
    assert sign_in(phone, "rosa").status_code == 200
    assert sign_in(phone, "rosa", password).headers["Location"] == "/"
    assert phone.get("/my-learning").headers["Location"] == "/first-password"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "change password"))
    assert entry.actor == "tina" and entry.details == {"account": rosa.id}
    db.session.expire_all()
    assert db.session.get(User, rosa.id).must_change_password


def test_staff_reset_only_the_passwords_of_people_they_look_after(client, create_user, library):
    tina = create_user("tina", role="trainer")
    rosa = lima_group(create_user, tina)
    stranger = create_user("juan")
    colleague = create_user("tomas", role="trainer")
    sign_in(client, "tina")
    for person in (stranger, colleague):
        assert client.get(f"/people/{person.id}/password").status_code == 403
        assert post_form(client, f"/people/{person.id}/password", page="/profile").status_code == 403
    assert client.get("/people/999999/password").status_code == 404
    # A member cannot reset anyone's, not even her own here (the profile changes it).
    member = client.application.test_client()
    sign_in(member, "rosa")
    assert member.get(f"/people/{rosa.id}/password").status_code == 403
    db.session.expire_all()
    assert not any(u.must_change_password for u in db.session.scalars(select(User)))


def test_an_admin_resets_anyone_but_themselves_from_the_person_page(client, create_user):
    ada = create_user("ada", role="admin")
    cora = create_user("cora", role="coordinator", coordinated_countries=["PE"])
    sign_in(client, "ada")
    assert f'href="/people/{cora.id}/password"' in client.get(f"/admin/people/{cora.id}").get_data(as_text=True)
    assert f"/people/{ada.id}/password" not in client.get(f"/admin/people/{ada.id}").get_data(as_text=True)
    assert client.get(f"/people/{ada.id}/password").status_code == 403
    password = one_time_password(post_form(client, f"/people/{cora.id}/password").get_data(as_text=True))
    other = client.application.test_client()
    assert sign_in(other, "cora", PASSWORD).status_code == 200
    assert sign_in(other, "cora", password).status_code == 302


def test_a_coordinator_resets_participants_and_trainers_of_her_country_only(client, create_user):
    create_user("cora", role="coordinator", coordinated_countries=["PE"])
    peru = create_user("tomas", role="trainer", country="PE")
    benin = create_user("koffi", country="BJ")
    boss = create_user("ada", role="admin", country="PE")
    sign_in(client, "cora")
    assert post_form(client, f"/people/{peru.id}/password").status_code == 200
    assert client.get(f"/people/{benin.id}/password").status_code == 403
    assert client.get(f"/people/{boss.id}/password").status_code == 403


def test_a_suspended_account_gets_no_new_password_until_it_is_reinstated(client, create_user, library):
    tina = create_user("tina", role="trainer")
    rosa = lima_group(create_user, tina)
    rosa.suspended_at = clock.utcnow()
    db.session.commit()
    sign_in(client, "tina")
    page = client.get(f"/groups/{rosa_group(rosa)}").get_data(as_text=True)
    assert "suspended" in page and f"/people/{rosa.id}/password" not in page
    assert client.get(f"/people/{rosa.id}/password").status_code == 403
