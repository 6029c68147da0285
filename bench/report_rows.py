"""Rows written fast for the reports' benchmark: COPY on PostgreSQL (psycopg), executemany on SQLite.

Values are plain Python (tz-aware datetimes in UTC, dates, UUIDs, bools, JSON as text); on SQLite they are stored
the way SQLAlchemy stores them, so that the app reads and compares them as its own rows.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import sqlalchemy as sa


def _sqlite_datetime(value):
    return None if value is None else f"{value:%Y-%m-%d %H:%M:%S.%f}"


def _sqlite_date(value):
    return None if value is None else value.isoformat()


def _sqlite_uuid(value):
    return None if value is None else value.hex


def _sqlite_bool(value):
    return None if value is None else int(value)


def _sqlite_converter(column_type):
    """How SQLAlchemy stores a value of this type on SQLite (None: as it is)."""
    if isinstance(column_type, sa.DateTime):
        return _sqlite_datetime
    if isinstance(column_type, sa.Date):
        return _sqlite_date
    if isinstance(column_type, sa.Uuid):
        return _sqlite_uuid
    if isinstance(column_type, sa.Boolean):
        return _sqlite_bool
    return None


class Bulk:
    """Writes rows into the app's tables on one connection (one transaction; the caller commits)."""

    def __init__(self, connection: sa.Connection, *, check_references: bool = True):
        """Without ``check_references``, PostgreSQL skips the foreign key triggers until the transaction ends (half
        the time of a bulk load); the rows must then be right by construction (the generator's test checks them)."""
        self.connection = connection
        self.postgresql = connection.dialect.name == "postgresql"
        self.counts: Counter[str] = Counter()
        if self.postgresql and not check_references:
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")

    def write(self, table: sa.Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        """Write ``rows`` (tuples in the order of ``columns``); returns how many."""
        missing = [c.name for c in table.columns if not c.nullable and c.server_default is None
                   and c.name not in columns and not (c.primary_key and c.autoincrement is True
                                                      and isinstance(c.type, sa.Integer))]
        if missing:
            raise ValueError(f"{table.name}: no value for {', '.join(missing)}")
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return 0
        self.counts[table.name] += len(rows)
        if self.postgresql:
            raw = self.connection.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            converters = [(i, f) for i, f in enumerate(_sqlite_converter(table.c[name].type) for name in columns)
                          if f is not None]
            if converters:
                converted = []
                for row in rows:
                    row = list(row)
                    for i, convert in converters:
                        row[i] = convert(row[i])
                    converted.append(row)
                rows = converted
            marks = ", ".join("?" for _ in columns)
            self.connection.exec_driver_sql(
                f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", [tuple(r) for r in rows])
        return len(rows)

    def reset_sequences(self, tables: Iterable[sa.Table]) -> None:
        """PostgreSQL: move each table's id sequence past the ids written, so that the app can add rows."""
        if not self.postgresql:
            return
        for table in tables:
            self.connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)")
