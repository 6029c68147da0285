"""Benchmarks run by hand (never as timed tests); what they share."""
from __future__ import annotations

import logging


def warnings_only(*names: str) -> None:
    """Log warnings only, from every logger and from ``names`` (which set their own level), so that the lines of the
    migrations and of each request do not bury the figures; the handler put on the root logger keeps Alembic from
    setting up its own (migrations/env.py)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in names:
        logging.getLogger(name).setLevel(logging.WARNING)
