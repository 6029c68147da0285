"""The settings the app gives its PostgreSQL connections (lms/database/postgresql.py)."""
from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from psycopg.pq import TransactionStatus

from lms.database import postgresql
from lms.database.postgresql import only_reads
from lms.extensions import db
from lms.models import User


def postgresql_only() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: set TEST_DATABASE_URL")


def status(connection: sa.Connection) -> TransactionStatus:
    return connection.connection.dbapi_connection.info.transaction_status


def prepared(connection: sa.Connection) -> int:
    return connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()


@pytest.mark.parametrize("statement", [
    "SELECT 1", "select users.id FROM users", "\n  SELECT x FROM t WHERE y = %(y)s",
    "SELECT users.updated_for FROM users", "SELECT count(*) FROM lesson_completions FORCE",
])
def test_a_select_that_locks_nothing_only_reads(statement):
    assert only_reads(statement)


@pytest.mark.parametrize("statement", [
    "INSERT INTO t VALUES (1)", "UPDATE t SET n = 1", "DELETE FROM t", "WITH x AS (DELETE FROM t) SELECT 1",
    "SET LOCAL work_mem = '64MB'", "SAVEPOINT sa_savepoint_1", "CREATE TEMPORARY TABLE t (n integer)",
    "SELECT id FROM survey_waves ORDER BY id FOR UPDATE", "SELECT id FROM t FOR NO KEY UPDATE SKIP LOCKED",
    "SELECT id FROM t\nFOR SHARE", "SELECT id FROM t FOR KEY SHARE OF t", "select id from t for update nowait",
    "SELECT pg_advisory_xact_lock(1)", "SELECT pg_try_advisory_xact_lock(1)",
    "SELECT set_config('work_mem', '64MB', true)", "SELECT nextval('users_id_seq')",
    "SELECT setval('users_id_seq', 10)",
])
def test_anything_else_needs_a_transaction(statement):
    assert not only_reads(statement)


def test_the_verdicts_kept_are_those_of_statements_of_a_few_kb():
    """A statement's verdict is kept (SQLAlchemy hands the same text each time), but not that of a long one, which
    would keep its text: a list of thousands of ids, a new length each time."""
    def looked_up():
        info = postgresql._only_reads_kept.cache_info()
        return info.hits + info.misses, info.hits

    ids = ", ".join(str(n) for n in range(2000))
    before = looked_up()
    assert only_reads(f"SELECT id FROM users WHERE id IN ({ids})")
    assert not only_reads(f"SELECT id FROM users WHERE id IN ({ids}) FOR UPDATE")
    assert looked_up() == before
    short = f"SELECT id FROM users WHERE id = {len(ids)} -- {id(before)}"
    assert only_reads(short) and only_reads(short) and not only_reads(f"{short}\nFOR UPDATE")
    assert looked_up() == (before[0] + 3, before[1] + 1)


def test_postgresql_connections_run_without_jit(app_ctx):
    postgresql_only()
    assert db.session.scalar(sa.text("SHOW jit")) == "off"


def test_reads_run_outside_a_transaction_and_keep_what_psycopg_prepared(app_ctx):
    postgresql_only()
    db.session.scalar(sa.select(sa.func.count(User.id)))
    assert status(db.session.connection()) == TransactionStatus.IDLE  # no BEGIN was sent
    db.session.rollback()
    with db.engine.connect() as connection:
        for _ in range(2):
            for _ in range(8):  # psycopg prepares a statement at its sixth run on a connection
                connection.execute(sa.text("SELECT 1 + :n"), {"n": 1})
            assert status(connection) == TransactionStatus.IDLE
            connection.rollback()
        assert prepared(connection) == 1


def test_the_first_write_starts_the_transaction_and_a_rollback_undoes_all_of_it(app_ctx, create_user):
    postgresql_only()
    create_user(username="kept")
    db.session.commit()
    with db.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count(User.id))).scalar() == 1
        assert status(connection) == TransactionStatus.IDLE
        connection.execute(sa.update(User).values(display_name="Changed"))
        assert status(connection) == TransactionStatus.INTRANS
        assert connection.execute(sa.select(User.display_name)).scalar() == "Changed"  # inside the transaction
        connection.rollback()
    assert db.session.scalar(sa.select(User.display_name)) == "Test Member"


def test_a_locking_read_holds_its_lock_to_the_end_of_the_transaction(app_ctx, create_user):
    postgresql_only()
    user_id = create_user().id
    db.session.commit()
    locked = sa.select(User.id).where(User.id == user_id)
    with db.engine.connect() as holder, db.engine.connect() as other:
        holder.execute(locked.with_for_update())
        assert status(holder) == TransactionStatus.INTRANS
        holder.execute(sa.select(sa.func.count(User.id)))  # a later read does not end it
        with pytest.raises(sa.exc.OperationalError, match="could not obtain lock"):
            other.execute(locked.with_for_update(nowait=True))
        other.rollback()
        holder.rollback()
        assert other.execute(locked.with_for_update(nowait=True)).scalar() == user_id


def test_a_connection_asked_for_in_autocommit_is_left_alone(app_ctx):
    postgresql_only()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("CREATE TEMPORARY TABLE written (n integer)")
        connection.exec_driver_sql("INSERT INTO written VALUES (1)")
        assert status(connection) == TransactionStatus.IDLE
        connection.rollback()
        assert connection.exec_driver_sql("SELECT count(*) FROM written").scalar() == 1


@pytest.fixture
def one_connection(app_ctx) -> Iterator[sa.Engine]:
    """An engine of the app's settings with one connection in its pool, and a count of the round trips made to
    test a connection taken from it."""
    postgresql_only()
    engine = sa.create_engine(db.engine.url, pool_size=1, max_overflow=0)
    postgresql.configure(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def counted_tests(one_connection, monkeypatch) -> list[bool]:
    tests: list[bool] = []

    def counted(driver: psycopg.Connection) -> bool:
        tests.append(answer := real(driver))
        return answer

    real = postgresql.answers
    monkeypatch.setattr(postgresql, "answers", counted)
    return tests


def backend(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.pg_backend_pid())).scalar()


def test_a_connection_in_use_is_taken_again_without_a_round_trip(one_connection, counted_tests):
    first = backend(one_connection)
    assert [backend(one_connection) for _ in range(3)] == [first] * 3
    assert counted_tests == []


def test_a_connection_the_server_ended_is_replaced_before_it_is_used(one_connection, counted_tests):
    first = backend(one_connection)
    with db.engine.connect() as admin:
        assert admin.execute(sa.select(sa.func.pg_terminate_backend(first))).scalar()
        alive = sa.select(sa.func.count()).select_from(sa.text("pg_stat_activity")).where(sa.text("pid = :pid"))
        deadline = time.monotonic() + 5
        while admin.execute(alive, {"pid": first}).scalar() and time.monotonic() < deadline:
            time.sleep(0.05)  # until the server process has gone, and closed its end
    replaced = backend(one_connection)  # no error
    assert replaced != first
    assert counted_tests == [False]  # tested, found dead, replaced


def test_a_connection_unused_for_long_is_tested_first(one_connection, counted_tests, monkeypatch):
    first = backend(one_connection)
    monkeypatch.setattr(postgresql, "PING_AFTER", 0)
    assert backend(one_connection) == first
    assert counted_tests == [True]


def test_a_connection_on_a_descriptor_above_1023_is_taken_as_any_other(one_connection, counted_tests):
    """select.select refuses such descriptors; a process holding many files (a long-lived scheduler) has them."""
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        pytest.skip(f"the open-file limit ({soft}) leaves no descriptor above 1023")
    held = []
    try:
        while not held or held[-1].fileno() < 1030:
            held.append(open(__file__, "rb"))  # closed below
        first = backend(one_connection)
        with one_connection.connect() as connection:
            assert connection.connection.dbapi_connection.pgconn.socket > 1023
        assert backend(one_connection) == first
        assert counted_tests == []
    finally:
        for file in held:
            file.close()


def test_the_storage_clean_up_gives_its_connection_back_as_it_came(one_connection):
    from lms.database import storage

    assert storage.clean(one_connection, ("survey_response_pool",))
    with one_connection.connect() as connection:  # the pool's only connection, the one the clean-up used
        assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "0"
