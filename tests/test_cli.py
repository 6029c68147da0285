"""The smaller commands: staff accounts, checksums for translators, export of one course."""
from __future__ import annotations

from sqlalchemy import select

from lms.content.reader import read_library
from lms.content.store import import_bundles
from lms.extensions import db
from lms.models import User
from tests.helpers import BUNDLED_COURSE, COURSES, sign_in


def test_users_create_makes_a_scoped_coordinator(app, app_ctx):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "Carla", "--role", "coordinator", "--country", "pe", "--name", "Carla R.",
        "--coordinates", "pe", "--coordinates", "BO", "--password", "staff password 1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "carla"))
    assert (user.role, user.country, sorted(user.country_scope)) == ("coordinator", "PE", ["BO", "PE"])
    assert sign_in(app.test_client(), "carla", "staff password 1").status_code == 302
    again = app.test_cli_runner().invoke(args=[
        "users", "create", "carla", "--country", "PE", "--name", "X", "--password", "staff password 1"])
    assert again.exit_code == 1 and "taken" in again.output


def test_users_create_refuses_short_and_common_passwords(app, app_ctx):
    for password in ("short1", "password123", "Sunshine1"):
        result = app.test_cli_runner().invoke(args=[
            "users", "create", "dora", "--country", "PE", "--name", "Dora", "--password", password])
        assert result.exit_code == 1 and "Choose another password" in result.output, password
    assert db.session.scalar(select(User).where(User.username == "dora")) is None


def test_stamping_a_translation_makes_it_current_again(app, app_ctx, course_copy, client):
    lesson = course_copy / BUNDLED_COURSE / "en" / "01-what-is-social-dialogue.md"
    lesson.write_text(lesson.read_text() + "\nOne more sentence.\n")
    import_bundles(read_library(course_copy))
    db.session.commit()
    url = f"/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue?lang=fr"
    assert "One more sentence." in client.get(url).get_data(as_text=True)  # outdated: source shown
    result = app.test_cli_runner().invoke(args=[
        "content", "checksums", str(course_copy / BUNDLED_COURSE), "--stamp", "fr"])
    assert result.exit_code == 0, result.output
    assert "what-is-social-dialogue\t" in result.output
    import_bundles(read_library(course_copy))
    db.session.commit()
    assert "One more sentence." not in client.get(url).get_data(as_text=True)


def test_export_of_an_unknown_course_fails(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["content", "import", str(COURSES)])
    result = runner.invoke(args=["content", "export", str(tmp_path), "--course", "nope"])
    assert result.exit_code == 1 and "No such course: nope" in result.output


def test_translate_compile_writes_the_catalogues(app):
    from tests.helpers import ROOT

    result = app.test_cli_runner().invoke(args=["catalogues", "compile"])
    assert result.exit_code == 0, result.output
    assert (ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.mo").exists()


def test_checksums_of_a_broken_course_lists_the_problems(app, course_copy):
    (course_copy / BUNDLED_COURSE / "course.toml").write_text("source_language = \n")
    result = app.test_cli_runner().invoke(args=["content", "checksums", str(course_copy / BUNDLED_COURSE)])
    assert result.exit_code == 1
    assert "course.toml:1:" in result.output


def test_partner_organisations_are_added_and_scope_a_coordinator(app, app_ctx):
    from lms.models import Organisation

    runner = app.test_cli_runner()
    result = runner.invoke(args=["orgs", "add", "Garment workers' union", "--acronym", "GWU", "--country", "kh",
                                 "--sector", "garment"])
    assert result.exit_code == 0, result.output
    organisation = db.session.scalar(select(Organisation))
    assert (organisation.acronym, organisation.country) == ("GWU", "KH")
    assert "GWU" in runner.invoke(args=["orgs", "list"]).output
    runner.invoke(args=["users", "create", "cora", "--role", "coordinator", "--country", "KH", "--name", "Cora",
                        "--coordinates-org", str(organisation.id), "--password", "staff password 1"])
    user = db.session.scalar(select(User).where(User.username == "cora"))
    assert [c.organisation_id for c in user.coordinated_organisations] == [organisation.id]
