"""SQL that SQLite and PostgreSQL both speak, written once."""
from __future__ import annotations

import sqlalchemy as sa

from lms.extensions import db


def insert_new(model, rows: list[dict], keys: list[str]) -> list:
    """INSERT ... ON CONFLICT (keys) DO NOTHING RETURNING the primary key: the keys of the rows inserted.

    Two sessions inserting the same row at once: one gets it back, the other gets nothing.
    """
    if not rows:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    primary_key = model.__mapper__.primary_key[0]
    statement = insert(model).values(rows).on_conflict_do_nothing(index_elements=keys).returning(primary_key)
    return list(db.session.scalars(statement))


#: PostgreSQL's language-neutral ICU collation: accented names sort with their letters ("Élodie" with the E's).
ICU_COLLATION = "und-x-icu"
_HAS_ICU: dict[str, bool] = {}


def as_read(column):
    """``column`` ordered as readers expect, where the database can: PostgreSQL with ICU; elsewhere as it is
    (SQLite compares bytes)."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return column
    url = str(bind.url)
    if url not in _HAS_ICU:  # asked once per database
        _HAS_ICU[url] = db.session.scalar(sa.text(
            "SELECT count(*) FROM pg_collation WHERE collname = :name"), {"name": ICU_COLLATION}) > 0
    return column.collate(ICU_COLLATION) if _HAS_ICU[url] else column


def among(column, ids) -> sa.ColumnElement[bool]:
    """``column IN ids`` for an integer column: on PostgreSQL one array parameter (``= ANY``), since thousands of
    values each made a parameter cost more to write, send and parse than the lookup itself; on SQLite the list."""
    values = list(ids)
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(sa.Integer)))
    return column.in_(values)
