"""The bundled library imported once per test process, and its rows put back for each test that asks.

Importing the twelve languages of courses/ through ``import_bundles`` takes one to three seconds, and most tests
want it. So the first test of a process runs the real import in a transaction, with the clock stopped at
``IMPORTED_AT``, reads back every row it wrote and rolls it back; every test (that first one too) then gets those
rows inserted again, one statement per table. The rows are the import's own: the same tables, ids and values,
except that each time the import took from the clock becomes the time of putting them back (a frozen clock's
too), and the content stamp is drawn anew (lms/learn/reading.py), so that no test reads a course another test kept.

The rows go back only into a database without course content, as the import itself saw it; otherwise the
fixture runs the real import (``put_back`` answers False)."""
from __future__ import annotations

import copy
import functools
import pickle  # nosec B403: bundles this process made itself
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lms import clock
from lms.content.reader import read_library
from lms.extensions import db
from lms.learn.reading import content_changed
from lms.models import ContentVersion
from tests.helpers import COURSES

#: The moment the clock shows during the import that is captured: a value no test writes, replaced on the way back.
IMPORTED_AT = datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


@dataclass
class ImportedRows:
    """What one import wrote: each table's rows (tables in dependency order) with the columns where it wrote
    ``IMPORTED_AT``, and the bundles as it left them (pickled: a copy comes out five times faster than by
    ``copy.deepcopy``)."""

    tables: list[tuple[sa.Table, list[dict], set[str]]]
    pickled_bundles: bytes

    def put_back(self, session: Session) -> bool:
        """Insert the rows, if no table they go into has any; flushes, the caller commits."""
        connection = session.connection()
        if any(connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
               for table, _rows, _clocked in self.tables):
            return False
        now = clock.utcnow()
        for table, rows, clocked in self.tables:
            if clocked:
                rows = [{**row, **{key: now for key in clocked if _is_imported_at(row[key])}} for row in rows]
            connection.execute(table.insert(), rows)
        content_changed(session)
        return True

    def copy_of_bundles(self) -> tuple:
        return pickle.loads(self.pickled_bundles)  # nosec B301: our own bytes, made by capture_import


def _is_imported_at(value) -> bool:
    """SQLite gives datetimes back without their zone."""
    return isinstance(value, datetime) and value.replace(tzinfo=None) == IMPORTED_AT.replace(tzinfo=None)


def capture_import(session: Session, bundles: tuple, run_import) -> ImportedRows | None:
    """The rows ``run_import(bundles)`` writes, read inside its transaction and rolled back; None when the
    database had rows in a table the import writes to (the rows would then depend on what was there)."""
    bundles = copy.deepcopy(bundles)
    tables = [t for t in db.metadata.sorted_tables if t.name != ContentVersion.__tablename__]
    try:
        before = _counts(session, tables)
        with clock.freeze(IMPORTED_AT):
            run_import(bundles)
            session.flush()
        after = _counts(session, tables)
        written = [t for t in tables if after[t.name] != before[t.name]]
        if any(before[t.name] for t in written):
            return None
        connection = session.connection()
        tables_rows = []
        for table in written:
            rows = [dict(row._mapping) for row in connection.execute(sa.select(table))]
            clocked = {key for row in rows for key, value in row.items() if _is_imported_at(value)}
            tables_rows.append((table, rows, clocked))
    finally:
        session.rollback()
    return ImportedRows(tables_rows, pickle.dumps(bundles))


@functools.cache
def bundled_courses() -> tuple:
    """The bundled courses/ as read once per test process (twelve languages take a second and a half to read)."""
    return tuple(read_library(COURSES))


#: The rows the import of the bundled courses writes, once captured in this test process.
_captured: list[ImportedRows] = []


def imported_library(app, run_import) -> ImportedRows | None:
    """The rows ``run_import`` writes from the bundled courses: captured by the first test that wants them, in a
    session of its own, unless the database has course content already (then the next test tries again)."""
    if not _captured:
        with app.app_context():
            captured = capture_import(db.session, bundled_courses(), run_import)
        _captured.extend([captured] if captured else [])
    return _captured[0] if _captured else None


def _counts(session: Session, tables: list[sa.Table]) -> dict[str, int]:
    connection = session.connection()
    return {t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables}
