"""The migrations, run from an empty database, give exactly the schema of the models."""
from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lms import create_app
from lms.config import TestConfig
from lms.extensions import db
from tests.conftest import ROOT, throwaway_database


def test_migrations_from_empty_to_head_match_the_models(tmp_path):
    url, drop = throwaway_database(os.environ.get("TEST_DATABASE_URL"), tmp_path)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                differences = compare_metadata(context, db.metadata)
            assert differences == []
            downgrade(directory=str(ROOT / "migrations"), revision="base")
            with db.engine.connect() as conn:
                tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
            assert tables == set()
            db.engine.dispose()
    finally:
        drop()


def test_the_upgrade_writes_published_responses_again_in_a_random_order(tmp_path):
    """Responses published before the pool kept the order they were given in (SQLite's rowid, PostgreSQL's
    ctid and xmin): the upgrade that brings the pool shuffles them, answers and all."""
    import uuid
    from datetime import date

    import sqlalchemy as sa

    from lms.models import utcnow
    from lms.surveys import building
    from tests.privacy.test_unlinkable import fixed_points_bound

    url, drop = throwaway_database(os.environ.get("TEST_DATABASE_URL"), tmp_path)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    given = 40
    try:
        with app.app_context():
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
                {"survey": survey_id, "workplace": workplace.id, "day": date.today(), "now": now}).scalar_one()
            db.session.commit()
            order = [uuid.uuid4() for _ in range(given)]
            for n, response_id in enumerate(order):  # one at a time, as the old code wrote them
                db.session.execute(sa.text(
                    "INSERT INTO survey_responses (id, wave_id, version_id, language, country, submitted_on, source) "
                    "VALUES (:id, :wave, :version, 'en', 'PE', :day, 'web')"),
                    {"id": response_id.hex if db.engine.dialect.name == "sqlite" else response_id, "wave": wave_id,
                     "version": version_id, "day": date.today()})
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
            db.engine.dispose()
    finally:
        drop()
