"""Leaving no old copy of an answer, or of an erased person's attributes, in the database's storage once it is
published, erased or withdrawn.

A database keeps more than its rows: PostgreSQL keeps a deleted or updated row's old version in its table
until VACUUM, with the ids of the transactions that wrote and deleted it (``xmin``, ``xmax``), which tie it to
the other rows those transactions wrote (the invitation that sealed an answer, the account an erasure
tombstoned); SQLite keeps committed pages in its ``-wal`` file until a checkpoint, and deleted bytes in free
space unless ``secure_delete`` (always on: lms/database/sqlite.py). So a service that publishes, withdraws or erases
answers asks for its tables to be cleaned (``after_commit``), and once its transaction has committed (the
scheduler cleans the report summaries an erasure emptied the same way, lms/reports/summaries/forgetting.py):

- PostgreSQL: ``VACUUM FULL`` of those tables, which rewrites each table with its live rows only, in a new
  file (plain VACUUM would leave the old bytes in the pages' free space: docs/privacy.md says why we chose);
- SQLite: ``PRAGMA wal_checkpoint(TRUNCATE)``: every committed page is copied into the database file, and the
  ``-wal`` emptied. A reader holding an old snapshot keeps the WAL from being emptied: the checkpoint waits for
  it up to the busy timeout, then gives up, and the next clean-up empties it.

A clean-up that fails (a lock not obtained in time, the database gone) is logged, without ids, and leaves
what was committed as it is; the next one cleans the same tables again.
"""
from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from lms.extensions import db

log = logging.getLogger(__name__)

#: Where the tables to clean wait in ``Session.info`` until the transaction ends.
PENDING = "storage_clean_up"
#: What is cleaned: the pool after a release; the published answers and pending withdrawals too after an erasure or
#: a release that carries out withdrawals.
POOL = ("survey_response_pool",)
PUBLISHED = ("survey_response_pool", "survey_responses", "survey_answers", "survey_withdrawals")
#: VACUUM FULL waits this long for the lock on a table that a long request is reading, then gives up.
LOCK_TIMEOUT_MS = 5_000


def after_commit(tables: tuple[str, ...]) -> None:
    """Clean ``tables`` once the current transaction commits (nothing if it rolls back)."""
    db.session.info.setdefault(PENDING, set()).update(tables)


def clean(engine: Engine, tables) -> bool:
    """Remove the old versions of ``tables``' rows from the database's files; False (logged) if it failed."""
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
                try:
                    _wait_for_older_snapshots(conn)
                    for table in sorted(tables):
                        conn.exec_driver_sql(f'VACUUM FULL "{table}"')  # VACUUM takes no parameters: our names only
                finally:  # the connection goes back to the pool as it came, for the requests that take it next
                    conn.exec_driver_sql("RESET lock_timeout")
        elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            raw = engine.raw_connection()
            try:
                busy, _frames, _copied = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                raw.close()
            if busy:
                log.warning("storage clean-up: a reader kept the WAL from being emptied; the next clean-up will")
                return False
    except sa.exc.SQLAlchemyError as error:
        log.warning("storage clean-up of %s failed: %s", ", ".join(sorted(tables)),
                    str(getattr(error, "orig", error)).strip().splitlines()[0])
        return False
    return True


#: How long a clean-up waits for older transactions to end (each would keep old versions alive).
SNAPSHOT_WAIT_SECONDS = 2.0


def _wait_for_older_snapshots(conn) -> None:
    """Wait, a little, until no transaction that began before this clean-up is still open, in any database of
    the server: VACUUM FULL keeps every old row version such a transaction may still see (measured: one left
    open in another database of the same server is enough). A long one that outlasts the wait leaves those
    versions to the next clean-up."""
    horizon = conn.exec_driver_sql("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").scalar()
    deadline = time.monotonic() + SNAPSHOT_WAIT_SECONDS
    while time.monotonic() < deadline and conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND (age(backend_xmin) > age(%(h)s::xid) OR age(backend_xid) > age(%(h)s::xid))",
            {"h": horizon}).scalar():
        time.sleep(0.05)


def register() -> None:
    """Run the clean-ups asked for by a transaction after it commits, on a connection of their own."""
    if event.contains(Session, "after_commit", _clean_pending):
        return
    event.listen(Session, "after_commit", _clean_pending)
    event.listen(Session, "after_rollback", _forget_pending)


def _clean_pending(session: Session) -> None:
    tables = session.info.pop(PENDING, None)
    if tables:
        clean(session.get_bind(), tables)


def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING, None)
