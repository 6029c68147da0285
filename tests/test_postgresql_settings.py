"""The settings the app gives its PostgreSQL connections (lms/database/postgresql.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.extensions import db


def test_postgresql_connections_run_without_jit(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: set TEST_DATABASE_URL")
    assert db.session.scalar(sa.text("SHOW jit")) == "off"
