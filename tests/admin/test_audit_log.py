"""The audit log as readers see it: every action the code records has a translated label; details are named and
formatted; who acted is named the same way everywhere."""
from __future__ import annotations

import re

import pytest

from lms.auth.audit_trail import ACTIONS as ACCOUNT_ACTIONS
from lms.core import audit
from lms.core.audit import ACTION_LABELS
from lms.extensions import db
from lms.models import Organisation
from tests.helpers import ROOT, sign_in

RECORDED = re.compile(r'(?:audit\.record|_write)\(\s*"([^"]+)"')


def recorded_actions() -> set[str]:
    """The action of every ``audit.record("...")`` call in lms/, and of the account events (lms/auth/audit_trail.py)."""
    found = set(ACCOUNT_ACTIONS)
    for path in (ROOT / "lms").rglob("*.py"):
        source = path.read_text()
        found |= set(RECORDED.findall(source))
        # An action passed by name is only allowed where it comes from a declared list (audit_trail's ``_write``).
        by_name = re.findall(r"audit\.record\(\s*([^\"\s][^,]*),", source)
        assert set(by_name) <= ({"action"} if path.name == "audit_trail.py" else set()), path
    return found


def test_every_action_the_code_records_has_a_label():
    actions = recorded_actions()
    assert len(actions) > 25 and "view group members" in actions and "sign in failed" in actions
    assert sorted(actions - set(ACTION_LABELS)) == []


@pytest.fixture
def ada(client, create_user):
    user = create_user("ada", role="admin", display_name="Ada Admin")
    assert sign_in(client, "ada").status_code == 302
    return user


def test_the_log_shows_labels_named_details_and_people_by_name(client, ada, create_user):
    from lms.privacy.services import erase_account

    rosa = create_user("rosa", display_name="Rosa Quispe")
    gone = create_user("gone", display_name="Gone Person")
    union = Organisation(name="Hotel workers", acronym="HWU", country="PE", sector="hotels")
    db.session.add(union)
    db.session.flush()
    audit.record("change contact", {"account": rosa.id, "fields": ["email", "phone"]}, user=rosa,
                 actor=f"account {rosa.id}")
    audit.record("view group members", {"group_id": 999, "members": 1200}, user=ada)
    audit.record("edit organisation", {"organisation": union.id, "fields": ["acronym"]}, user=ada)
    audit.record("change role", {"account": rosa.id, "old": "participant", "new": "trainer"}, user=ada)
    audit.record("sign in failed", {"reason": "suspended"}, actor="visitor")
    audit.record("view paper scores", {"group_id": 1, "colour": "blue"}, user=gone)
    erase_account(gone)
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    for label in ("Contact details changed", "Group members viewed", "Organisation corrected", "Role changed",
                  "Sign-in failed", "Paper scores viewed"):
        assert label in page
    assert f'<td><a href="/admin/people/{rosa.id}">Rosa Quispe</a></td>' in page  # not "account N"
    assert "Fields changed: E-mail, Phone" in page and "Members: 1,200" in page and "Group: 999" in page
    assert f'Organisation: <a href="/admin/organisations/{union.id}">HWU</a>' in page
    assert "Former role: Participant; New role: Trainer" in page and "Reason: account suspended" in page
    assert "A visitor" in page and f"<td>account {gone.id}</td>" in page and "Gone Person" not in page
    assert "colour: blue" in page  # a key without a label, as it is stored
    for raw in ("fields:", "['email'", "group_id", "change contact<", "members:"):
        assert raw not in page
    # The filter offers the labels, and keeps the codes as values.
    assert '<option value="change contact">Contact details changed</option>' in page
    only = client.get("/admin/audit?action=change+role").get_data(as_text=True)
    assert "Role changed" in only and "Members: 1,200" not in only


def test_numbers_follow_the_readers_language(client, create_user):
    create_user("ada", role="admin", display_name="Ada Admin", locale="fr")
    sign_in(client, "ada")
    audit.record("erase inactive accounts", {"accounts": 1200, "inactive_days": 730})
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert re.search(r"1\s200", page.replace("\u202f", " ").replace("\xa0", " ")) and "1,200" not in page
