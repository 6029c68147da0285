"""The migrations, run from an empty database, give exactly the schema of the models."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms import clock
from lms.database.migrations import downgrade, upgrade
from lms.extensions import db
from tests.helpers import ROOT, app_on_new_database


def test_migrations_from_empty_to_head_match_the_models(tmp_path):
    with app_on_new_database(tmp_path):
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        with db.engine.connect() as conn:
            tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()


def test_the_newest_migration_upgrades_a_database_that_holds_data(tmp_path):
    """What a real upgrade meets: rows in every table the demo fills (a new NOT NULL column needs a default).
    The newest migration is taken back and applied again on the demo's data."""
    with app_on_new_database(tmp_path) as app:
        upgrade(directory=str(ROOT / "migrations"))
        runner = app.test_cli_runner()
        for args in (["content", "import", str(ROOT / "courses")], ["demo", "--password", "a long demo password"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        db.session.remove()
        with db.engine.connect() as conn:
            filled = {table for table in db.inspect(conn).get_table_names()
                      if conn.execute(db.text(f"SELECT COUNT(*) FROM {table}")).scalar()}  # nosec B608
        assert {"users", "courses", "training_groups", "surveys", "survey_waves"} <= filled
        downgrade(directory=str(ROOT / "migrations"), revision="-1")
        upgrade(directory=str(ROOT / "migrations"))


def test_the_migration_files_are_numbered_in_the_order_of_the_chain():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    from_root = list(reversed(list(script.walk_revisions())))
    assert [Path(revision.path).name[:5] for revision in from_root] == [
        f"{n:04d}_" for n in range(1, len(from_root) + 1)]


def test_the_upgrade_writes_published_responses_again_in_a_random_order(tmp_path):
    """Responses published before the pool kept the order they were given in (SQLite's rowid, PostgreSQL's
    ctid and xmin): the upgrade that brings the pool shuffles them, answers and all."""
    import uuid

    import sqlalchemy as sa

    from lms.clock import utcnow
    from lms.surveys import building
    from tests.privacy.helpers import fixed_points_bound

    given = 40
    with app_on_new_database(tmp_path):
        upgrade(directory=str(ROOT / "migrations"), revision="373e4a370b93")  # the head before the pool
        workplace = building.create_workplace(name="Hotel", sector="hotels", country="PE", organisation_id=None)
        # In SQL: the models' survey_versions and survey_waves have columns that revision did not have yet.
        now = utcnow()
        survey_id = db.session.execute(sa.text(
            "INSERT INTO surveys (code, source_language, privacy, subject, created_at) "
            "VALUES ('voice', 'en', 'anonymous', 'workplace', :now) RETURNING id"), {"now": now}).scalar_one()
        version_id = db.session.execute(sa.text(
            "INSERT INTO survey_versions (survey_id, number, published_at, created_at) "
            "VALUES (:survey, 1, :now, :now) RETURNING id"), {"survey": survey_id, "now": now}).scalar_one()
        question = db.session.execute(sa.text(
            "INSERT INTO survey_questions (version_id, code, position, kind, required) "
            "VALUES (:version, 'free', 1, 'text', true) RETURNING id"), {"version": version_id}).scalar_one()
        wave_id = db.session.execute(sa.text(
            "INSERT INTO survey_waves (survey_id, kind, workplace_id, opens_on, created_at) "
            "VALUES (:survey, 'baseline', :workplace, :day, :now) RETURNING id"),
            {"survey": survey_id, "workplace": workplace.id, "day": clock.today(), "now": now}).scalar_one()
        db.session.commit()
        order = [uuid.uuid4() for _ in range(given)]
        for n, response_id in enumerate(order):  # one at a time, as the old code wrote them
            db.session.execute(sa.text(
                "INSERT INTO survey_responses (id, wave_id, version_id, language, country, submitted_on, source) "
                "VALUES (:id, :wave, :version, 'en', 'PE', :day, 'web')"),
                {"id": response_id.hex if db.engine.dialect.name == "sqlite" else response_id, "wave": wave_id,
                 "version": version_id, "day": clock.today()})
            db.session.execute(sa.text("INSERT INTO survey_answers (response_id, question_id, value) "
                                       "VALUES (:id, :q, :value)"),
                               {"id": response_id.hex if db.engine.dialect.name == "sqlite" else response_id,
                                "q": question, "value": f"answer {n}"})
            db.session.commit()
        db.session.remove()
        upgrade(directory=str(ROOT / "migrations"))
        position = "rowid" if db.engine.dialect.name == "sqlite" else "ctid"
        with db.engine.connect() as conn:
            stored = [uuid.UUID(str(row[0])) for row in conn.execute(sa.text(
                f"SELECT id FROM survey_responses ORDER BY {position}"))]
            answers = dict(conn.execute(sa.text("SELECT response_id, value FROM survey_answers")).all())
            answer_order = [uuid.UUID(str(row[0])) for row in conn.execute(sa.text(
                f"SELECT response_id FROM survey_answers ORDER BY {position}"))]
            took_effect = conn.execute(sa.text("SELECT takes_effect_on FROM survey_versions")).scalar_one()
        assert str(took_effect) == now.date().isoformat()  # a version published before: the day it was
        assert sorted(stored) == sorted(order)  # every response kept, with its answer
        assert {uuid.UUID(str(k)): v for k, v in answers.items()} == {
            response_id: f"answer {n}" for n, response_id in enumerate(order)}
        bound = fixed_points_bound(given, guesses=2)
        for found in (stored, answer_order):
            assert sum(a == b for a, b in zip(found, order, strict=True)) < bound


def test_the_upgrade_closes_the_open_group_waves_of_surveys_that_name_nobody(tmp_path):
    """Anonymous and pseudonymous surveys are no longer asked of one group (docs/privacy.md): their open group
    waves close yesterday; identified ones, course waves and waves already closed stay as they were."""
    from datetime import date, timedelta

    import sqlalchemy as sa

    from lms.auth.services import create_user
    from lms.models import Course, SurveyWave, TrainingGroup
    from lms.surveys import building

    today = clock.today()
    with app_on_new_database(tmp_path):
        # The rows are written with today's models on today's schema, then the schema goes back to before the
        # migration (its own downgrade keeps the rows) and comes up again: later migrations break nothing here.
        upgrade(directory=str(ROOT / "migrations"))
        trainer = create_user(username="trainer", password="a long password", display_name="T", country="BJ",
                              gender="woman", role="trainer")
        course = Course(slug="course", source_language="en", published=True)
        db.session.add(course)
        db.session.flush()
        group = TrainingGroup(course_id=course.id, trainer_id=trainer.id, name="Cotonou", country="BJ",
                              mode="in-person", starts_on=today, ends_on=today, join_code="CLOSE1")
        db.session.add(group)
        db.session.flush()
        expected = {}
        for privacy in ("anonymous", "pseudonymous", "identified"):
            survey = building.create_survey(code=privacy, title=privacy, description="", language="en",
                                            privacy=privacy, subject="participant", creator=trainer)
            for closes_on in (None, today + timedelta(days=30), today - timedelta(days=5)):
                wave = SurveyWave(kind="baseline", group_id=group.id, closes_on=closes_on)
                survey.waves.append(wave)
                db.session.flush()
                shut = privacy != "identified" and (closes_on is None or closes_on >= today)
                expected[wave.id] = today - timedelta(days=1) if shut else closes_on
            course_wave = SurveyWave(kind="baseline", course_id=course.id)
            survey.waves.append(course_wave)
            db.session.flush()
            expected[course_wave.id] = None
        db.session.commit()
        db.session.remove()
        downgrade(directory=str(ROOT / "migrations"), revision="4df805d5d023")
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as conn:
            found = {wave_id: closes_on if closes_on is None or isinstance(closes_on, date)
                     else date.fromisoformat(closes_on)
                     for wave_id, closes_on in conn.execute(sa.text("SELECT id, closes_on FROM survey_waves"))}
        assert found == expected


def test_a_web_process_never_loads_alembic_and_flask_db_still_migrates(tmp_path):
    """Alembic (8 to 10 MB) is loaded by ``flask db`` and the tests, never by a web worker that answers pages."""
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite'}"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "db"]
    upgraded = subprocess.run([*flask, "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert upgraded.returncode == 0, upgraded.stderr
    current = subprocess.run([*flask, "current"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert current.stdout.strip().endswith("(head)"), current.stdout + current.stderr
    served = subprocess.run([sys.executable, "-c", (
        "import sys, wsgi\n"
        "response = wsgi.app.test_client().get('/healthz')\n"
        "print(response.status_code, sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'flask_migrate')))"
    )], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert served.stdout.split("\n")[-2:] == ["200 []", ""], served.stdout + served.stderr
