"""The ``library`` fixture puts back the rows of one import (tests/library_rows.py): they must be the rows the
import itself writes, with a content stamp of their own each time."""
from __future__ import annotations

import copy

import sqlalchemy as sa

from lms import clock
from lms.content.store import import_bundles
from lms.extensions import db
from lms.models import ContentVersion, Course
from tests.library_rows import bundled_courses, imported_library


def every_row() -> dict[str, list[tuple]]:
    """Each table's rows without their keys (PostgreSQL draws new ids for a second import), sorted."""
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name == ContentVersion.__tablename__:
            continue
        keys = {c.name for c in table.columns if c.primary_key or c.foreign_keys}
        columns = [c for c in table.columns if c.name not in keys] or [sa.literal(1)]  # a table of keys: how many
        found = db.session.execute(sa.select(*columns).select_from(table))
        rows = sorted((tuple(repr(v) for v in row) for row in found), key=repr)
        if rows:
            tables[table.name] = rows
    return tables


def empty_every_table() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def test_the_rows_put_back_are_the_rows_the_import_writes(app_ctx, frozen_clock, library):
    put_back = every_row()
    created = db.session.scalars(sa.select(Course.created_at)).all()
    assert {moment.replace(tzinfo=None) for moment in created} == {clock.utcnow().replace(tzinfo=None)}
    empty_every_table()
    bundles = copy.deepcopy(bundled_courses())
    import_bundles(bundles)
    db.session.commit()

    imported = every_row()
    assert put_back == imported
    assert {"courses", "lessons", "lesson_translations", "lesson_versions", "choice_translations"} <= set(imported)
    assert {b.slug: b for b in bundles} == library


def test_each_put_back_draws_a_content_stamp_of_its_own(app_ctx, library):
    """Courses kept for reading (lms/learn/reading.py) are never taken for those of another test."""
    rows = imported_library(app_ctx, import_bundles)
    first = db.session.scalar(sa.select(ContentVersion.stamp))
    empty_every_table()

    assert rows.put_back(db.session)
    db.session.commit()
    second = db.session.scalar(sa.select(ContentVersion.stamp))
    assert first and second and first != second


def test_rows_go_back_only_into_a_database_without_course_content(app_ctx, library):
    rows = imported_library(app_ctx, import_bundles)
    before = every_row()

    assert not rows.put_back(db.session)
    assert every_row() == before
