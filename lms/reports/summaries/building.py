"""Building a period's summary: the figures of lms/reports/figures.py, grouped per cell instead of per table row.

Three INSERT ... SELECT statements per period, each one pass over the period's records for every course scope at
once: the records are joined with ``scopes()``, which lists each course under "" (all courses), "c:ID" and each of
its topics ("t:TOPIC"), and counted per person and scope before per cell, so that a person in two courses of a
topic is one participant of it. The queries are those of figures.py, grouped by the person's country, gender,
birth year and organisation at the end of the period (an outer join: a person without attributes has a cell with
none, which the figures without person filters count as figures.py does).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Course, CourseTopic, Enrolment, Module, QuizAttempt, ReportSummary, User
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
from lms.reports.summaries import groups

PERSON = ("country", "gender", "birth_year", "organisation_id")


def scopes():
    """(scope, course_id): every course under "" and "c:ID", and under "t:TOPIC" for each of its topics."""
    return sa.union_all(
        select(sa.literal("").label("scope"), Course.id.label("course_id")),
        select((sa.literal("c:") + sa.cast(Course.id, sa.String)).label("scope"), Course.id.label("course_id")),
        select((sa.literal("t:") + CourseTopic.topic).label("scope"), CourseTopic.course_id.label("course_id")),
    ).subquery("scopes")


def moments(summary: ReportSummary) -> tuple[datetime, datetime]:
    return (datetime.combine(summary.starts_on, time.min, tzinfo=UTC),
            datetime.combine(summary.ends_on, time.max, tzinfo=UTC))


def person_of(summary: ReportSummary, user_id) -> tuple:
    """(row, join condition): the attributes at the period's end of the person ``user_id`` (a column of the query).

    PostgreSQL hashes everyone's latest row once; SQLite, which would scan that whole subquery again for each row
    joined to it (a month at 50,000 participants took 90 s), looks up each person's latest row in the index."""
    report = ReportFilter(start=summary.starts_on, end=summary.ends_on)
    if db.session.get_bind().dialect.name == "sqlite":
        return figures.attributes_of(report, user_id)
    person = figures.attributes(report)
    return person, person.c.user_id == user_id


def counted(condition, key, name: str) -> list:
    return [func.sum(sa.case((condition, 1), else_=0)).label(name),
            func.sum(sa.case((condition, key), else_=0)).label(f"{name}_key")]


def cells_query(summary: ReportSummary, cutoff: datetime):
    """Per scope and cell: participants, enrolments begun, of these completed before ``cutoff``, completions."""
    start, end = moments(summary)
    begun, done = Enrolment.enrolled_at.between(start, end), Enrolment.completed_at.between(start, end)
    completed_since = sa.and_(begun, Enrolment.completed_at.is_not(None), Enrolment.completed_at < cutoff)
    (person, joined), scope = person_of(summary, Enrolment.user_id), scopes()
    people = [getattr(person.c, name) for name in PERSON]
    per_person = (select(scope.c.scope, *people, User.record_key.label("person_key"),
                         *counted(begun, Enrolment.record_key, "enrolments"),
                         *counted(completed_since, Enrolment.record_key, "completed_since"),
                         *counted(done, Enrolment.record_key, "completions"))
                  .select_from(Enrolment).join(scope, scope.c.course_id == Enrolment.course_id)
                  .join(User, User.id == Enrolment.user_id).outerjoin(person, joined)
                  .where(sa.or_(begun, done))
                  .group_by(scope.c.scope, Enrolment.user_id, *people, User.record_key)).subquery()
    p = per_person.c
    took_part = p.enrolments > 0
    dimensions = [p.scope, *(getattr(p, name) for name in PERSON)]
    return select(sa.literal(summary.id), *dimensions,
                  func.sum(sa.case((took_part, 1), else_=0)), func.sum(sa.case((took_part, p.person_key), else_=0)),
                  func.sum(p.enrolments), func.sum(p.enrolments_key), func.sum(p.completed_since),
                  func.sum(p.completed_since_key), func.sum(p.completions), func.sum(p.completions_key)
                  ).group_by(*dimensions)


def months_query(summary: ReportSummary):
    """Per scope, month and cell: enrolments begun and completions in that month."""
    start, end = moments(summary)
    (person, joined), scope = person_of(summary, Enrolment.user_id), scopes()
    people = [getattr(person.c, name) for name in PERSON]

    def part(moment, measure: int):
        in_period = moment.between(start, end)
        zero = [sa.literal(0), sa.literal(0)]
        found = [func.count().label("n"), func.sum(Enrolment.record_key).label("key")]
        month = figures.month_of(moment).label("month")
        return (select(scope.c.scope, month, *people, *(found if measure == 0 else zero),
                       *(found if measure == 1 else zero))
                .select_from(Enrolment).join(scope, scope.c.course_id == Enrolment.course_id)
                .outerjoin(person, joined)
                .where(in_period).group_by(scope.c.scope, month, *people))

    both = sa.union_all(part(Enrolment.enrolled_at, 0), part(Enrolment.completed_at, 1)).subquery()
    columns = list(both.c)
    dimensions = columns[:6]
    return select(sa.literal(summary.id), *dimensions, *(func.sum(c) for c in columns[6:])).group_by(*dimensions)


#: What a cell counts, each with its key sum; what a month counts; the knowledge gain's sums per cell.
CELL_MEASURES = ("participants", "participants_key", "enrolments", "enrolments_key", "completed_since",
                 "completed_since_key", "completions", "completions_key")
MONTH_MEASURES = ("enrolments", "enrolments_key", "completions", "completions_key")
GAIN_MEASURES = ("people", "people_key", "before_sum", "after_sum", "difference_sum", "squares_sum")


def add_up(summary: ReportSummary, source, totals, measures: tuple[str, ...]) -> None:
    """Fill ``totals`` with the summary's rows of ``source`` added up over the columns ``totals`` does not have
    (birth years, unions); one summary at a time, so that its rows stay together in the table."""
    kept = [c.name for c in totals.c if c.name != "id" and c.name not in measures]
    s = source.c
    dimensions = [s[name] for name in kept]
    db.session.execute(sa.insert(totals).from_select(
        [*kept, *measures], select(*dimensions, *(func.sum(s[name]) for name in measures))
        .where(s.summary_id == summary.id).group_by(*dimensions)))


def gains_query(summary: ReportSummary):
    """Per scope and cell: the knowledge gain's sums (figures.knowledge_pairs_query, for every scope at once)."""
    start, end = moments(summary)
    ranked = figures.ranked_attempts(start, end, select(Module.id))
    # Only people with an attempt after the lessons in the period are paired in it (the index on submitted_at).
    ranked = ranked.where(QuizAttempt.user_id.in_(select(QuizAttempt.user_id).where(
        QuizAttempt.before_lessons.is_(False), QuizAttempt.submitted_at.between(start, end))))
    per_module = figures.module_pairs(ranked)
    m, scope = per_module.c, scopes()
    per_person = (select(scope.c.scope, m.user_id, func.avg(m.before).label("before"),
                         func.avg(m.after).label("after"))
                  .select_from(per_module).join(Module, Module.id == m.module_id)
                  .join(scope, scope.c.course_id == Module.course_id)
                  .where(m.before.is_not(None), m.after.is_not(None), m.after_at > m.before_at)
                  .group_by(scope.c.scope, m.user_id)).subquery()
    person, joined = person_of(summary, per_person.c.user_id)
    dimensions = [per_person.c.scope, *(getattr(person.c, name) for name in PERSON)]
    difference = per_person.c.after - per_person.c.before
    return (select(sa.literal(summary.id), *dimensions, func.count(), func.sum(User.record_key),
                   func.sum(per_person.c.before), func.sum(per_person.c.after), func.sum(difference),
                   func.sum(difference * difference))
            .select_from(per_person).join(User, User.id == per_person.c.user_id)
            .outerjoin(person, joined).group_by(*dimensions))


def column_names(table, *measures: str) -> list[str]:
    return ["summary_id", "scope", *(["month"] if table is summary_months else []), *PERSON, *measures]


def build(summary: ReportSummary, cutoff: datetime, now: datetime) -> None:
    """Replace the summary's cells with the figures of the records as they are now (the caller commits).

    The summary is marked built from the value of ``changes`` read before its records: a change committed while
    it is built leaves it behind, to be built again. Its row is locked first, so that two builds of one summary (the
    scheduler and ``flask reports summaries`` at once) take turns instead of both adding their cells.
    """
    observed = db.session.scalar(select(ReportSummary.changes).where(ReportSummary.id == summary.id)
                                 .with_for_update().execution_options(populate_existing=True))
    for table in (summary_cells, summary_cell_totals, summary_months, summary_month_totals, summary_gains,
                  summary_gain_totals):
        db.session.execute(sa.delete(table).where(table.c.summary_id == summary.id))
    if has_records(summary):
        fill(summary, cutoff)
    groups.fill(summary)
    db.session.execute(sa.update(ReportSummary).where(ReportSummary.id == summary.id).values(
        built_from=observed, built_at=now, completions_cutoff=cutoff).execution_options(synchronize_session=False))


def has_records(summary: ReportSummary) -> bool:
    """Whether anything was begun, completed or attempted in the period (else its summary has no cells)."""
    start, end = moments(summary)
    return any(db.session.scalar(select(sa.literal(1)).where(condition).limit(1)) for condition in (
        Enrolment.enrolled_at.between(start, end), Enrolment.completed_at.between(start, end),
        QuizAttempt.submitted_at.between(start, end)))


def fill(summary: ReportSummary, cutoff: datetime) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        # The planner takes the people's attributes at the period's end for a few hundred rows (a join on each
        # person's latest row) and loops over them for each person paired: minutes instead of a second.
        db.session.execute(sa.text("SET LOCAL enable_nestloop = off"))
        db.session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
    db.session.execute(sa.insert(summary_cells).from_select(column_names(summary_cells, *CELL_MEASURES),
                                                            cells_query(summary, cutoff)))
    add_up(summary, summary_cells, summary_cell_totals, CELL_MEASURES)
    db.session.execute(sa.insert(summary_months).from_select(column_names(summary_months, *MONTH_MEASURES),
                                                             months_query(summary)))
    add_up(summary, summary_months, summary_month_totals, MONTH_MEASURES)
    db.session.execute(sa.insert(summary_gains).from_select(column_names(summary_gains, *GAIN_MEASURES),
                                                            gains_query(summary)))
    add_up(summary, summary_gains, summary_gain_totals, GAIN_MEASURES)


def first_of_month(day: date) -> datetime:
    return datetime(day.year, day.month, 1, tzinfo=UTC)
