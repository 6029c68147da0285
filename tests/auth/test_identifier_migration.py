"""The upgrade rewrites stored usernames, e-mail addresses and phone numbers in their new normal form, and
stops, naming accounts by id only, when two accounts would collide (it never merges or drops anyone)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.database.migrations import upgrade
from lms.extensions import db
from tests.helpers import ROOT, app_on_new_database

BEFORE = "373e4a370b93"
MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture
def old_database(tmp_path):
    """An app on a database built by the migrations up to the revision before this one."""
    with app_on_new_database(tmp_path) as app:
        upgrade(directory=MIGRATIONS, revision=BEFORE)
        yield app


def add_accounts(*accounts: dict) -> None:
    """Rows as the old code could write them (it compared without NFKC)."""
    with db.engine.begin() as conn:
        for number, account in enumerate(accounts, start=1):
            conn.execute(sa.text(
                "INSERT INTO users (id, username, email, phone, display_name, country, gender, role, password_hash,"
                " must_change_password, created_at) VALUES (:id, :username, :email, :phone, :name, 'PE', 'woman',"
                " 'participant', 'x', :no, CURRENT_TIMESTAMP)"),
                {"id": number, "email": None, "phone": None, "name": f"Person {number}", "no": False, **account})


def stored() -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text("SELECT username, email, phone FROM users ORDER BY id"))]


def test_stored_names_are_rewritten_in_the_normal_form(old_database):
    add_accounts({"username": "ｒｏｓａ", "email": "ＲＯＳＡ@example.org", "phone": "+５１９８７６５４３２１"},
                 {"username": "amina", "email": "amina@example.org", "phone": "+22997123456"})
    upgrade(directory=MIGRATIONS)
    assert stored() == [("rosa", "rosa@example.org", "+51987654321"),
                        ("amina", "amina@example.org", "+22997123456")]


def test_a_collision_stops_the_upgrade_naming_ids_only(old_database, caplog, capfd):
    add_accounts({"username": "amina", "phone": "+51987654321"},
                 {"username": "ａｍｉｎａ", "phone": "+５１９８７６５４３２１"},
                 {"username": "rosa"})
    with pytest.raises(SystemExit):  # flask db upgrade exits with status 1 and logs the reason
        upgrade(directory=MIGRATIONS)
    message = caplog.text + capfd.readouterr().err
    assert "accounts 1, 2 would have the same username" in message
    assert "accounts 1, 2 would have the same phone" in message
    for personal in ("amina", "ａｍｉｎａ", "Person", "987654321", "rosa"):
        assert personal not in message
    assert stored()[1][0] == "ａｍｉｎａ"  # nothing changed: both people are still there, as they were
    with db.engine.connect() as conn:
        assert "user_sessions" not in sa.inspect(conn).get_table_names()
