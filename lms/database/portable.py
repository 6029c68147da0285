"""SQL that SQLite and PostgreSQL both speak, written once."""
from __future__ import annotations

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
