"""Summaries of the participation figures of the periods that have ended, kept by the scheduler.

A dashboard for a year, a quarter or a month that has ended reads its participation cube, monthly trend and
knowledge gain from its period's summary (lms/reports/summaries/reading.py): a grouped read of a few thousand
cells, whatever the number of records, giving the same counts and cell keys as lms/reports/figures.py computes
from the records (tests/reports/test_summaries.py). A filter the summary does not cover (a training group), or a
period without a current summary, is computed from the records as before.

A summary is current while no record that may move its figures has been written since it was built: database
triggers (migration 0036) raise its ``changes`` on every insert, update or delete of
- an enrolment begun or completed in the period (a completion recorded after the summary was built is added when
  read instead: "of these, completed" counts the enrolments begun in the period and completed since);
- a quiz attempt made in the period, or any attempt of a person with records in it (a first attempt before the
  lessons counts in every period with an attempt after them);
- a person's attributes counting from the period's end or before, for a person with records in it (an erasure
  clears the year of birth and the union from the whole history; a union deleted clears it too);
- a course's topics, or a module moved to another course (every period).
Whatever writes it (a form, an import, the command line, a cascade of a deletion), a non-current summary is not
read: figures never lag behind the records. ``refresh`` (the scheduler's "report-summaries" job, and
``flask reports summaries``) builds the summaries missing or no longer current, and those built before this month
began (to keep the completions added when read to one month's).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import ReportSummary
from lms.reports.forms import QUARTERS, has_ended, last_day
from lms.reports.summaries import forgetting, generations
from lms.reports.summaries.building import build, first_of_month

#: Summaries are kept for the years the dashboard's form offers: this one and the seven before.
YEARS_KEPT = 8


def periods(today: date) -> list[tuple[date, date]]:
    """Every year, quarter and month of the years kept that has ended, the latest first."""
    found = []
    for year in range(today.year, today.year - YEARS_KEPT, -1):
        found.append((date(year, 1, 1), date(year, 12, 31)))
        found += [(date(year, first, 1), last_day(year, last)) for first, last in QUARTERS.values()]
        found += [(date(year, month, 1), last_day(year, month)) for month in range(1, 13)]
    return sorted((p for p in found if has_ended(p[1], today)), key=lambda p: (p[1], p[0]), reverse=True)


def summary_row(start: date, end: date) -> ReportSummary:
    """The period's summary, made (and committed, so that the triggers see it) if missing."""
    query = select(ReportSummary).where(ReportSummary.starts_on == start, ReportSummary.ends_on == end)
    summary = db.session.scalar(query)
    if summary is None:
        summary = ReportSummary(starts_on=start, ends_on=end, starts_at=datetime.combine(start, time.min, tzinfo=UTC),
                                ends_at=datetime.combine(end, time.max, tzinfo=UTC), changes=0)
        db.session.add(summary)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # another build made it at the same moment
            db.session.rollback()
            summary = db.session.scalars(query).one()
    return summary


def due(summary: ReportSummary, cutoff: datetime) -> bool:
    """Never built, no longer current, or built before ``cutoff`` (this month's first moment)."""
    built = summary.completions_cutoff
    return not summary.current or built is None or clock.as_utc(built) < cutoff


def outdate_all() -> None:
    """Mark every summary as never built, for the next refresh to build them all again (committed)."""
    db.session.execute(sa.update(ReportSummary).values(built_from=None))
    db.session.commit()


def refresh(today: date | None = None, most: int | None = None) -> int:
    """Build the summaries that are due, the latest periods first, each in its own transaction; how many.

    ``most``: stop after that many (a scheduler run that must not take too long)."""
    today = today or clock.today()
    cutoff = first_of_month(today)
    forgetting.clean_forgotten()
    built = 0
    for start, end in periods(today):
        summary = summary_row(start, end)
        db.session.refresh(summary)
        if not due(summary, cutoff):
            continue
        build(summary, cutoff, clock.utcnow())
        db.session.commit()
        built += 1
        if most is not None and built >= most:
            break
    if generations.keep(cutoff):
        db.session.commit()
    if built and db.session.get_bind().dialect.name == "postgresql":
        # Statistics for the planner at once (autovacuum's come later): sorts of thousands of cells spilled to
        # disk on the estimate of an empty table, 60 ms instead of 10 for a year's months.
        for table in forgetting.FIGURES:
            db.session.execute(sa.text(f"ANALYZE {table.name}"))
        db.session.commit()
    return built
