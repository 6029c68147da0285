"""`flask backup` and `flask restore` on the database the suite runs on (SQLite, or PostgreSQL with
TEST_DATABASE_URL): every row comes back exactly, and a file that is not a backup changes nothing."""
from __future__ import annotations

import io
import os
import sqlite3
import stat
import subprocess

import pytest
from PIL import Image as PILImage
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from lms.extensions import db
from lms.models import Course, LessonCompletion, User
from tests.helpers import complete_course


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (Alembic's too), in primary-key order."""
    db.session.remove()
    rows = {}
    for table in db.metadata.sorted_tables:
        rows[table.name] = [tuple(row) for row in db.session.execute(
            select(table).order_by(*table.primary_key.columns))]
    versions = db.session.execute(db.text("SELECT version_num FROM alembic_version"))
    rows["alembic_version"] = [tuple(row) for row in versions]
    db.session.remove()
    return rows


@pytest.fixture
def portal_data(app_ctx, library, create_user):
    """Courses, a member who completed one, a trainer's uploaded image: the data a backup must keep."""
    from lms.author.services import store_image

    member = create_user(display_name="Ana Quispe")
    trainer = create_user(role="trainer")
    course = complete_course(member.id)
    picture = io.BytesIO()
    PILImage.new("RGB", (40, 30), "teal").save(picture, format="PNG")
    store_image(course, picture.getvalue(), trainer)
    db.session.commit()
    return member.id


def change_everything(member_id: int) -> None:
    db.session.execute(update(Course).values(source_language="fr"))
    for progress in db.session.scalars(select(LessonCompletion).where(LessonCompletion.user_id == member_id)):
        db.session.delete(progress)
    db.session.execute(update(User).where(User.id == member_id).values(display_name="Someone Else"))
    db.session.commit()


def test_a_restored_backup_brings_back_every_row_exactly(app, portal_data, tmp_path):
    before = snapshot()
    assert before["lesson_completions"] and before["quiz_attempts"] and before["images"]
    runner = app.test_cli_runner()
    backup = tmp_path / "portal.backup"
    made = runner.invoke(args=["backup", str(backup)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # members' data: the owner's eyes only
    assert [p.name for p in tmp_path.iterdir()] == ["portal.backup"]  # no partial file left beside it

    change_everything(portal_data)
    assert snapshot() != before
    refused = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert refused.exit_code == 1 and "Nothing was restored." in refused.output
    assert snapshot() != before

    restored = runner.invoke(args=["restore", str(backup)], input="y\n")
    assert restored.exit_code == 0, restored.output
    assert "Replace all the data in" in restored.output and "Restored" in restored.output
    assert snapshot() == before
    # The portal goes on working on the restored data: new rows get new ids.
    from lms.auth.services import create_user

    newcomer = create_user(username="newcomer", password="correct horse battery", display_name="N",
                           country="PE", gender="woman")
    db.session.commit()
    assert newcomer.id > max(row[0] for row in before["users"])
    assert db.session.scalar(select(User.display_name).where(User.id == portal_data)) == "Ana Quispe"


def test_restore_with_yes_does_not_ask(app, portal_data, tmp_path):
    before = snapshot()
    backup = tmp_path / "portal.backup"
    app.test_cli_runner().invoke(args=["backup", str(backup)])
    change_everything(portal_data)
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    assert "Replace all the data" not in result.output
    assert snapshot() == before


def other_kinds_of_file(tmp_path, backend: str) -> list[tuple]:
    """(file, what the refusal says) for files that are not a backup this database can take."""
    text = tmp_path / "notes.txt"
    text.write_text("not a backup at all\n")
    empty = tmp_path / "empty.backup"
    empty.write_bytes(b"")
    foreign = tmp_path / "other-app.sqlite"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    connection.close()
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(b"PGDMP" + os.urandom(2000))
    files = [(text, "neither an SQLite database file nor a PostgreSQL dump"),
             (empty, "neither an SQLite database file nor a PostgreSQL dump")]
    if backend == "sqlite":
        truncated = tmp_path / "truncated.sqlite"
        truncated.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
        files += [(foreign, "not a backup of this portal"), (damaged, "is a PostgreSQL dump"),
                  (truncated, "cannot be read as an SQLite database")]
    else:
        other_database = tmp_path / "postgres.dump"
        url = make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql", database="postgres")
        subprocess.run(["pg_dump", "-Fc", "-f", str(other_database), url.render_as_string(hide_password=False)],
                       check=True)
        files += [(foreign, "is an SQLite database file"), (damaged, "cannot be read as a pg_dump file"),
                  (other_database, "not a backup of this portal")]
    return files


def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(app, portal_data, tmp_path):
    backend = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    before = snapshot()
    for bad, reason in other_kinds_of_file(tmp_path, backend):
        result = app.test_cli_runner().invoke(args=["restore", "--yes", str(bad)])
        assert result.exit_code == 1, (bad.name, result.output)
        assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
        assert reason in result.output and "Nothing was restored." in result.output, (bad.name, result.output)
        assert "Traceback" not in result.output
    assert snapshot() == before
    missing = app.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "nowhere.backup")])
    assert missing.exit_code == 1 and "is not a file" in missing.output


def test_a_backup_of_a_newer_portal_is_refused(app, portal_data, tmp_path):
    backup = tmp_path / "portal.backup"
    app.test_cli_runner().invoke(args=["backup", str(backup)])
    before = snapshot()
    backend = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if backend == "sqlite":
        with sqlite3.connect(backup) as connection:
            connection.execute("UPDATE alembic_version SET version_num = '2099_01_01_future'")
        connection.close()
    else:
        db.session.execute(db.text("UPDATE alembic_version SET version_num = '2099_01_01_future'"))
        db.session.commit()
        app.test_cli_runner().invoke(args=["backup", str(backup)])
        db.session.execute(db.text("UPDATE alembic_version SET version_num = :v"),
                           {"v": before["alembic_version"][0][0]})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 1 and "newer version of the portal" in result.output, result.output
    assert snapshot() == before


def test_backup_into_a_missing_folder_fails_cleanly(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "no" / "such" / "folder.backup")])
    assert result.exit_code == 1 and "does not exist" in result.output

