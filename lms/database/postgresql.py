"""PostgreSQL as a server that can go away: a request waits a few seconds for a connection, not minutes.

A server that is down or restarting refuses at once; a host that does not answer at all (a network
cut) would leave libpq waiting as long as the kernel retries, longer than gunicorn lets a worker
live. So a connection attempt gives up after ``CONNECT_TIMEOUT`` seconds, unless the database URL
says otherwise (``?connect_timeout=``); the request then ends in the 503 page (lms/core/errors.py).
Connections kept in the pool are tested before use (``pool_pre_ping`` in lms/config.py), so the
first request after the server is back gets a fresh one.

The app's connections run without JIT compilation (``-c jit=off``, unless the URL's ``options`` set ``jit``):
the report queries are a few grouped reads, which JIT compiled for longer than they ran.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

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
