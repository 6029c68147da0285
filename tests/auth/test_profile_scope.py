"""A trainer's, coordinator's or administrator's country and organisation decide which workplaces and groups
they see: they are shown in the profile but not changed there (an administrator changes them).

The attack (scope_probe.py): a trainer of Peru sets their own country to Kenya and their union to a Kenyan
one in the profile, with no password, and then sees and collects the Kenyan workplaces.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import Organisation, User
from lms.surveys import building
from tests.helpers import save_profile, sign_in


def kenya():
    union = Organisation(name="Kenyan garment union", acronym="KGU", country="KE", sector="garments")
    db.session.add(union)
    db.session.flush()
    workplace = building.create_workplace(name="KE Garment", sector="garments", country="KE",
                                          organisation_id=union.id)
    db.session.commit()
    return union, workplace


@pytest.mark.parametrize("role", ["trainer", "coordinator", "admin"])
def test_staff_cannot_move_their_own_country_or_organisation(app, client, create_user, app_ctx, role):
    union, workplace = kenya()
    staff = create_user("amina", display_name="Amina", role=role, country="PE",
                        coordinated_countries=["PE"] if role == "coordinator" else None)
    sign_in(client, "amina")
    response = save_profile(client, country="KE", organisation=str(union.id), display_name="Amina Q")
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(User, staff.id)
    assert (saved.country, saved.organisation_id, saved.display_name) == ("PE", None, "Amina Q")
    if role == "trainer":
        assert client.get(f"/workplaces/{workplace.id}").status_code == 403
    assert "only an administrator can change them" in client.get("/profile").get_data(as_text=True)


def test_participants_still_choose_their_country_and_union(app, client, create_user, app_ctx):
    union, _workplace = kenya()
    member = create_user("amina", display_name="Amina", country="PE")
    sign_in(client, "amina")
    assert save_profile(client, country="KE", organisation=str(union.id)).status_code == 302
    assert db.session.execute(select(User.country, User.organisation_id).where(User.id == member.id)).one() == (
        "KE", union.id)


def test_an_administrator_moves_a_trainer_with_the_command_and_it_is_audited(app, create_user, app_ctx):
    from lms.models import AuditEntry

    union, workplace = kenya()
    trainer = create_user("amina", role="trainer", country="PE")
    result = app.test_cli_runner().invoke(args=["users", "place", "amina", "--country", "ke",
                                                "--organisation", str(union.id)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (trainer.country, trainer.organisation_id) == ("KE", union.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "change scope"))
    assert entry is not None and "amina" not in str(entry.details)
    for wrong in (["--country", "XX"], ["--country", "KE", "--organisation", "999"]):
        refused = app.test_cli_runner().invoke(args=["users", "place", "amina", *wrong])
        assert refused.exit_code == 1
