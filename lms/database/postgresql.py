"""PostgreSQL as a server that can go away: a request waits a few seconds for a connection, not minutes.

A server that is down or restarting refuses at once; a host that does not answer at all (a network
cut) would leave libpq waiting as long as the kernel retries, longer than gunicorn lets a worker
live. So a connection attempt gives up after ``CONNECT_TIMEOUT`` seconds, unless the database URL
says otherwise (``?connect_timeout=``); the request then ends in the 503 page (lms/core/errors.py).
Connections kept in the pool are tested before use (``pool_pre_ping`` in lms/config.py), so the
first request after the server is back gets a fresh one.

The app's connections run without JIT compilation (``-c jit=off``, unless the URL's ``options`` set ``jit``):
the report queries are a few grouped reads, which JIT compiled for longer than they ran.

A transaction that only read (every statement a ``SELECT``) ends with ``COMMIT`` where SQLAlchemy would roll it
back (a page read, at the end of its request): for a transaction that wrote nothing the two are the same, but
psycopg forgets every statement it prepared on the connection at each ``ROLLBACK``, and would plan the session's
and the page's queries again on every request (0.3 to 0.8 ms of the server's time each). A transaction that wrote
anything, or failed, is rolled back as before.
"""
from __future__ import annotations

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

CONNECT_TIMEOUT = 5


def configure(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "do_connect")
    def on_connect(_dialect, _record, _args, params: dict) -> None:
        params.setdefault("connect_timeout", CONNECT_TIMEOUT)
        options = params.get("options", "")
        if "jit" not in options:
            params["options"] = f"{options} -c jit=off".strip()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        conn.info["wrote"] = False

    @event.listens_for(engine, "before_cursor_execute")
    def on_statement(conn: Connection, _cursor, statement: str, *_args) -> None:
        if not statement.lstrip()[:6].upper() == "SELECT":
            conn.info["wrote"] = True

    @event.listens_for(engine, "rollback")
    def on_rollback(conn: Connection) -> None:
        """A transaction that only read is committed first: the rollback that follows has nothing left to do."""
        driver = conn.connection.dbapi_connection
        if conn.info.get("wrote", True) or driver.info.transaction_status != TransactionStatus.INTRANS:
            return
        try:
            driver.commit()
        except psycopg.Error:  # the connection is lost: the rollback that follows finds it so
            return
