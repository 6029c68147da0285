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
