"""PostgreSQL as a server that can go away, and a page read in as few round trips as it has queries.

A server that is down or restarting refuses at once; a host that does not answer at all (a network
cut) would leave libpq waiting as long as the kernel retries, longer than gunicorn lets a worker
live. So a connection attempt gives up after ``CONNECT_TIMEOUT`` seconds, unless the database URL
says otherwise (``?connect_timeout=``); the request then ends in the 503 page (lms/core/errors.py).

A connection taken from the pool is checked without a round trip: a server that ended it (a restart,
``pg_terminate_backend``, an idle timeout) has sent its last words and closed the socket, which is then readable,
where an idle connection that lasts has nothing to read. Such a connection, or one unused for ``PING_AFTER``
seconds or more (which a firewall may have dropped without a word), is tested with ``SELECT 1``; one that fails is
replaced by a fresh one before the request uses it. (SQLAlchemy's ``pool_pre_ping`` would test every one, a round
trip per request.) A connection the server ends a fraction of a millisecond before it is taken, before its last
words reach the socket, is not seen: the request fails as one the server cut in its middle would, with the 503
page (lms/core/errors.py).

Statements that only read run outside a transaction, each on its own as it would in a transaction at PostgreSQL's
isolation level, READ COMMITTED: a page that only reads costs its queries and nothing else, no ``BEGIN`` and no
``COMMIT``. The first statement that may write or lock (anything but a ``SELECT``, or a ``SELECT`` that locks rows,
takes a transaction-long advisory lock or changes a sequence or a setting) starts the transaction, and everything
after it, reads included, runs in it until the commit or the rollback, as before. psycopg keeps what it prepared (a
statement run five times on a connection) as long as no transaction is rolled back, so the session's query and the
page's are planned once per connection on pages that only read with ``SELECT``s (a lesson). A page that starts a
transaction and rolls it back forgets all of them, the session's query too: the report pages, whose first statement
beginning with ``WITH`` starts one, plan every statement anew (2 to 3 ms a page at 500,000 participants,
docs/reports.md). A connection asked for with ``isolation_level="AUTOCOMMIT"`` is left alone.

The app's connections run without JIT compilation (``-c jit=off``, unless the URL's ``options`` set ``jit``):
the report queries are a few grouped reads, which JIT compiled for longer than they ran.
"""
from __future__ import annotations

import functools
import re
import select
import time

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry

CONNECT_TIMEOUT = 5
#: A connection unused this many seconds is tested with a round trip before it is used.
PING_AFTER = 30
#: A statement that only reads: a SELECT that locks no row and changes nothing of the session's.
READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)
#: The longest statement whose verdict is kept (1,024 of them at most: 4 MB).
KEPT_LENGTH = 4000
NEEDS_TRANSACTION = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|\bpg_(?:try_)?advisory_xact_lock|\bset_config\s*\("
    r"|\b(?:nextval|setval)\s*\(", re.IGNORECASE)


def only_reads(statement: str) -> bool:
    """Whether ``statement`` can run outside a transaction, as it would inside one. Kept per statement of up to
    ``KEPT_LENGTH`` characters: SQLAlchemy hands the same compiled text each time, and searching a long one (a
    lesson's progress) took 26 us a request; a longer one (a list of thousands of ids) is searched each time, so that
    the texts kept take at most a few MB."""
    return _only_reads_kept(statement) if len(statement) <= KEPT_LENGTH else _only_reads(statement)


def _only_reads(statement: str) -> bool:
    return READ.match(statement) is not None and NEEDS_TRANSACTION.search(statement) is None


_only_reads_kept = functools.lru_cache(maxsize=1024)(_only_reads)


def unasked_input(driver: psycopg.Connection) -> bool:
    """Whether the server wrote to the connection unasked, as it does before it closes it (seen on the socket
    without waiting)."""
    poller = select.poll()  # not select.select, which refuses a descriptor above 1023
    poller.register(driver.pgconn.socket, select.POLLIN)
    return bool(poller.poll(0))


def answers(driver: psycopg.Connection) -> bool:
    try:
        driver.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def configure(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "do_connect")
    def on_connect(_dialect, _record, _args, params: dict) -> None:
        params.setdefault("connect_timeout", CONNECT_TIMEOUT)
        options = params.get("options", "")
        if "jit" not in options:
            params["options"] = f"{options} -c jit=off".strip()

    @event.listens_for(engine, "checkout")
    def on_checkout(driver: psycopg.Connection, entry: ConnectionPoolEntry, _proxy) -> None:
        """A connection the server ended, or unused for long and not answering, is replaced (the pool retries on
        ``DisconnectionError``); a good one starts outside a transaction."""
        if driver.closed or driver.broken:
            raise DisconnectionError("the database server ended the connection")
        driver.autocommit = True
        unused = time.monotonic() - entry.info.get("returned", time.monotonic())
        if (unused >= PING_AFTER or unasked_input(driver)) and not answers(driver):
            raise DisconnectionError("the database server ended the connection")

    @event.listens_for(engine, "checkin")
    def on_checkin(_driver, entry: ConnectionPoolEntry) -> None:
        entry.info["returned"] = time.monotonic()

    @event.listens_for(engine, "before_cursor_execute")
    def on_statement(conn: Connection, _cursor, statement: str, *_args) -> None:
        """The first statement that may write or lock starts the transaction."""
        driver = conn.connection.dbapi_connection
        if driver.autocommit and not only_reads(statement) and \
                conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            driver.autocommit = False
