"""The participation figures of a report read from its period's summary: None where there is no current one.

Each function returns what its namesake in lms/reports/figures.py computes from the records, cell for cell (the
same counts, the same cell keys), from one grouped read of the summary's cells with the report's filters on the
person's country, gender, age band (from the birth year) and organisation, and its course or topic.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy import func, select

from lms import clock
from lms.disclosure import Count
from lms.extensions import db
from lms.models import CourseTopic, Enrolment, ReportSummary
from lms.models.report_summaries import (
    summary_cell_totals,
    summary_cells,
    summary_gain_totals,
    summary_gains,
    summary_month_totals,
    summary_months,
)
from lms.reports import figures
from lms.reports.filters import ReportFilter
from lms.reports.summaries import lookup
from lms.surveys.results import GainSums
from lms.surveys.statistics import Moments

#: A scope no cell has: a course chosen with a topic it does not have.
NOTHING = "-"


def current_summary(report: ReportFilter) -> ReportSummary | None:
    """The report's period's summary if it covers the report's filters and is current."""
    if report.group_id is not None:
        return None
    summary = lookup.period_summary(report.start, report.end)
    return summary if summary is not None and summary.current else None


def made_at(report: ReportFilter) -> datetime | None:
    """When the figures read from the summary were made; None where they are computed now."""
    summary = current_summary(report)
    if summary is None or summary.built_at is None:
        return None
    return clock.as_utc(summary.built_at)


def figures_time(report: ReportFilter) -> datetime:
    """When a page's figures for ``report`` were made: its summary's time (``made_at``), or now where computed."""
    return made_at(report) or clock.utcnow()


def scope_of(report: ReportFilter) -> str:
    """The cells' scope for the report's course and topic filters."""
    if report.course_id is not None and report.topic is not None:
        has_topic = db.session.scalar(select(CourseTopic.course_id).where(
            CourseTopic.course_id == report.course_id, CourseTopic.topic == report.topic))
        return f"c:{report.course_id}" if has_topic is not None else NOTHING
    if report.course_id is not None:
        return f"c:{report.course_id}"
    if report.topic is not None:
        return f"t:{report.topic}"
    return ""


def conditions(report: ReportFilter, summary: ReportSummary, table, always_a_person: bool) -> list:
    """The cells of the summary, scope and person filters; ``always_a_person``: leave out records of people
    without attributes, which figures.py joins away when it filters on people (the cube always does)."""
    found = [table.c.summary_id == summary.id, table.c.scope == scope_of(report),
             *figures.person_filters(report, table)]
    if always_a_person or figures.has_person_filters(report):
        found.append(table.c.country.is_not(None))
    return found


def cube(report: ReportFilter) -> dict[tuple[str, str, str], figures.Cell] | None:
    """figures.participation_cube from the summary, and the completions since its cutoff of enrolments begun in
    the period."""
    summary = current_summary(report)
    if summary is None:
        return None
    table, where = read_from(report, summary, summary_cells, summary_cell_totals, always_a_person=True)
    c = table.c
    band = figures.age_band_column(report, table).label("band")
    query = (select(c.country, c.gender, band, *(func.sum(getattr(c, f"{measure}{suffix}"))
                                                 for measure in figures.MEASURES for suffix in ("", "_key")))
             .where(*where).group_by(c.country, c.gender, band))
    found = {}
    for country, gender, age, *sums in db.session.execute(query):
        counts = [Count.of(sums[2 * i], sums[2 * i + 1]) for i in range(len(figures.MEASURES))]
        found[(country, gender, age)] = counts
    for key, late in completed_late(report, summary).items():
        counts = found.setdefault(key, [Count() for _measure in figures.MEASURES])
        counts[figures.MEASURES.index("completed_since")] += late
    return {key: figures.Cell(*(count.n for count in counts),
                              keys={m: count.key for m, count in zip(figures.MEASURES, counts, strict=True)})
            for key, counts in found.items()}


def completed_late(report: ReportFilter, summary: ReportSummary) -> dict[tuple[str, str, str], Count]:
    """Enrolments begun in the period and completed from the summary's cutoff on, per cell: a range of the index
    on completed_at, read first (a materialised CTE: the planner would otherwise start from everyone of a country
    and union, 60 ms instead of 2 at 500,000 participants), then each person's attributes at the period's end found
    by their key. The dates are written into the statement: once psycopg prepares it, PostgreSQL keeps one plan for
    any parameters, and that one read every enrolment begun in the period (110 ms), not those completed since."""
    start, end = figures.period_bounds(report)
    cutoff, start, end = (sa.bindparam(None, moment, type_=Enrolment.completed_at.type, literal_execute=True)
                          for moment in (summary.completions_cutoff, start, end))
    late = (select(Enrolment.user_id, Enrolment.record_key)
            .where(Enrolment.completed_at >= cutoff, Enrolment.enrolled_at.between(start, end),
                   *figures.course_filters(report))
            .cte("late").prefix_with("MATERIALIZED"))
    person, found = figures.attributes_of(report, late.c.user_id)
    band = figures.age_band_column(report, person).label("band")
    query = (select(person.c.country, person.c.gender, band, func.count(), func.sum(late.c.record_key))
             .select_from(late)
             .join(person, found)
             .where(*figures.person_filters(report, person))
             .group_by(person.c.country, person.c.gender, band))
    return {(country, gender, age): Count.of(n, key) for country, gender, age, n, key in db.session.execute(query)}


def read_from(report: ReportFilter, summary: ReportSummary, detailed, totals, always_a_person: bool = False):
    """(table, conditions): ``totals``, ``detailed`` added up over unions (and birth years, where it has none), if
    the report filters on neither (no union chosen, a scope of countries only, no age band where the totals have no
    birth year): far fewer rows, the same figures; else ``detailed``."""
    reads_union = report.organisation_id is not None or (report.scope is not None and report.scope.organisations)
    reads_birth_year = report.age_band is not None and "birth_year" not in totals.c
    if reads_union or reads_birth_year:
        return detailed, conditions(report, summary, detailed, always_a_person)
    return totals, total_conditions(report, summary, totals, always_a_person)


def total_conditions(report: ReportFilter, summary: ReportSummary, table, always_a_person: bool) -> list:
    """``conditions`` on a table added up over unions (and birth years, where it has none), for a report that
    filters on neither: its scope, countries, gender (and age band)."""
    birth_year = table.c.birth_year if "birth_year" in table.c else None
    person = SimpleNamespace(c=SimpleNamespace(country=table.c.country, gender=table.c.gender, birth_year=birth_year,
                                               organisation_id=sa.literal(None, sa.Integer)))
    found = [table.c.summary_id == summary.id, table.c.scope == scope_of(report),
             *figures.person_filters(report, person)]
    if always_a_person or figures.has_person_filters(report):
        found.append(table.c.country.is_not(None))
    return found


def trend(report: ReportFilter) -> dict[str, tuple[Count, Count]] | None:
    """figures.monthly_trend from the summary (its months added up over birth years and organisations, where the
    report filters on neither)."""
    summary = current_summary(report)
    if summary is None:
        return None
    table, where = read_from(report, summary, summary_months, summary_month_totals)
    c = table.c
    query = (select(c.month, func.sum(c.enrolments), func.sum(c.enrolments_key), func.sum(c.completions),
                    func.sum(c.completions_key)).where(*where).group_by(c.month))
    found: dict[str, tuple[Count, Count]] = defaultdict(lambda: (Count(), Count()))
    for month, begun, begun_key, done, done_key in db.session.execute(query):
        found[month] = (Count.of(begun, begun_key), Count.of(done, done_key))
    return dict(sorted(found.items()))


def gain(report: ReportFilter) -> GainSums | None:
    """figures.knowledge_gain from the summary."""
    summary = current_summary(report)
    if summary is None:
        return None
    table, where = read_from(report, summary, summary_gains, summary_gain_totals)
    c = table.c
    query = select(func.sum(c.people), func.sum(c.before_sum), func.sum(c.after_sum), func.sum(c.difference_sum),
                   func.sum(c.squares_sum), func.sum(c.people_key)).where(*where)
    n, before, after, total, squares, people_key = db.session.execute(query).one()
    return GainSums(Count.of(n, people_key), float(before or 0), float(after or 0),
                    Moments(int(n or 0), float(total or 0), float(squares or 0)))
