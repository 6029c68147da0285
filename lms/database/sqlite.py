"""SQLite as the embedded database of a threaded web server: concurrent writes wait, never fail.

pysqlite begins a deferred transaction at a request's first write: two requests that both read and
then write can each hold a read lock the other's write needs, and SQLite fails one at once with
"database is locked" (waiting could not help). So a request that may write (POST and the like) takes
the write lock at its first statement (``BEGIN IMMEDIATE``), and another such request waits its turn
for up to ``BUSY_TIMEOUT_MS``. Pages that only read, and work outside a request (commands, jobs),
keep pysqlite's own transactions. A database file uses write-ahead logging, so reading never waits
for a writer.

Deleted content is overwritten with zeros (``secure_delete``), so that a withdrawn or erased answer
stays in no free page of the file; lms/database/storage.py empties the ``-wal`` after such changes.
"""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15_000
READING = frozenset({"GET", "HEAD", "OPTIONS"})


def may_write() -> bool:
    return has_request_context() and request.method not in READING


def configure(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def on_connect(connection, _record) -> None:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA secure_delete = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        if may_write():
            connection.exec_driver_sql("BEGIN IMMEDIATE")
