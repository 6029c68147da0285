"""The settings the app gives its PostgreSQL connections (lms/database/postgresql.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.extensions import db


def test_postgresql_connections_run_without_jit(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: set TEST_DATABASE_URL")
    assert db.session.scalar(sa.text("SHOW jit")) == "off"


def postgresql_only() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: set TEST_DATABASE_URL")


def prepared(connection) -> int:
    return connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()


def test_a_transaction_that_only_read_keeps_the_prepared_statements(app_ctx):
    postgresql_only()
    with db.engine.connect() as connection:
        for _ in range(2):
            for _ in range(8):  # psycopg prepares a statement at its sixth run on a connection
                connection.execute(sa.text("SELECT 1 + :n"), {"n": 1})
            connection.rollback()
        assert prepared(connection) == 1


def test_a_transaction_that_wrote_or_failed_is_rolled_back(app_ctx):
    postgresql_only()
    with db.engine.connect() as connection:
        connection.exec_driver_sql("CREATE TEMPORARY TABLE written (n integer)")
        connection.commit()
        for _ in range(8):
            connection.execute(sa.text("SELECT 1 + :n"), {"n": 1})
        connection.exec_driver_sql("INSERT INTO written VALUES (1)")
        connection.rollback()
        assert connection.exec_driver_sql("SELECT count(*) FROM written").scalar() == 0
        assert prepared(connection) == 0  # psycopg's own rollback: it forgets them

        connection.rollback()
        with pytest.raises(sa.exc.DataError):
            connection.exec_driver_sql("SELECT 1 / 0")
        connection.rollback()  # a failed transaction: rolled back, not committed
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
