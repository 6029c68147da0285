"""SQL written once for SQLite and PostgreSQL (lms/database/portable.py), on the suite's database."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import select

from lms.database.portable import among
from lms.extensions import db
from lms.models import User


def test_among_finds_the_rows_of_the_ids_given_and_no_others(app_ctx, create_user):
    ids = [create_user(f"among{i}").id for i in range(5)]
    chosen = {ids[0], ids[2], ids[4], max(ids) + 1000, None}  # an id of no one, and None, match nothing
    assert set(db.session.scalars(select(User.id).where(among(User.id, chosen)))) == {ids[0], ids[2], ids[4]}
    assert list(db.session.scalars(select(User.id).where(among(User.id, set())))) == []
    assert list(db.session.scalars(select(User.id).where(sa.not_(among(User.id, ids))))) == []


def test_among_sends_thousands_of_ids_as_one_parameter_on_postgresql(app_ctx, create_user):
    """The family tree of a programme asks for some 2,000 trainers: one parameter, not 2,000 to write and parse."""
    mine = create_user("among").id
    statements = []

    def seen(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        found = list(db.session.scalars(select(User.id).where(among(User.id, {mine, *range(-5000, 0)}))))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert found == [mine]
    (statement, parameters), = statements
    expected = 1 if db.engine.dialect.name == "postgresql" else 5001
    assert len(parameters) == expected, statement
