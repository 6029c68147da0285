"""An erased person's year of birth and union leave the report summaries with the erasure, not at their next build.

The erasure clears both from the person's attribute history (lms/privacy/services.py), and the triggers mark every
summary whose figures that moves no longer current, so that none of them is read again. Their cells would still
hold the person's year of birth and union until the scheduler builds them again, next to a key sum that is the
person's own record key where a cell counts them alone (the tombstone keeps that key), and the overlaps of groups
and the kept trainers hold the person's id (a trainer's with their gender and year of birth). So the erasure
deletes the figures of every summary that is not current, in its own transaction. The old versions of those rows
stay in PostgreSQL's files until the scheduler's next ``report-summaries`` run, which removes them (``VACUUM FULL``,
lms/database/storage.py) before it builds: on big tables that takes seconds under an exclusive lock, too long for
the erasure's own request. Pages compute those periods from the records until they are built again.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import select

from lms import signals
from lms.database import storage
from lms.extensions import db
from lms.models import ReportSummary
from lms.models.report_summaries import (
    summary_attendance,
    summary_cell_totals,
    summary_cells,
    summary_gain_totals,
    summary_gains,
    summary_group_totals,
    summary_member_totals,
    summary_members,
    summary_month_totals,
    summary_months,
    summary_overlaps,
    summary_trainers,
)

#: Every table of a summary's figures.
FIGURES = (summary_cells, summary_cell_totals, summary_months, summary_month_totals, summary_gains,
           summary_gain_totals, summary_attendance, summary_members, summary_member_totals, summary_group_totals,
           summary_overlaps, summary_trainers)


def forget_changed() -> int:
    """Delete the figures of every summary that is not current; how many lost their figures (the caller commits).
    Such a summary keeps its ``built_at`` until the files are cleaned (``clean_forgotten``)."""
    changed = db.session.scalars(select(ReportSummary.id).where(sa.or_(
        ReportSummary.built_from.is_(None), ReportSummary.built_from != ReportSummary.changes))).all()
    if not changed:
        return 0
    for table in FIGURES:
        db.session.execute(sa.delete(table).where(table.c.summary_id.in_(changed)))
    db.session.execute(sa.update(ReportSummary).where(ReportSummary.id.in_(changed)).values(built_from=None)
                       .execution_options(synchronize_session=False))
    return len(changed)


def clean_forgotten() -> bool:
    """Remove from the database's files the old versions of the figures ``forget_changed`` deleted, if any; whether
    there were any and they are gone (a clean-up that failed is logged, and tried again at the next run)."""
    forgotten = select(ReportSummary.id).where(ReportSummary.built_from.is_(None), ReportSummary.built_at.is_not(None))
    ids = db.session.scalars(forgotten).all()
    db.session.commit()  # no snapshot of ours may keep the old versions alive
    if not ids or not storage.clean(db.engine, tuple(table.name for table in FIGURES)):
        return False
    db.session.execute(sa.update(ReportSummary).where(ReportSummary.id.in_(ids)).values(built_at=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return True


@signals.account_erased.connect
def _account_erased(_user, **_extra) -> None:
    forget_changed()
