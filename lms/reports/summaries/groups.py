"""The figures of training groups in a period's summary: attendance per group, and the members of the groups run.

Built with the participation summary (lms/reports/summaries/building.py), kept current by the same counter
(``report_summaries.changes``, raised by the triggers of migration 0038 on writes to sessions, attendance, members,
a group's dates and a member's attributes; by those of migration 0046 when a trainer's attributes or record key
move). A group's country, mode, organisation, course and trainer are read from the group when counted, so every
group filter (a single group too) reads the summary. The trainers of the groups run are kept with their record key
and their gender and birth year at the period's end (``summary_trainers``); a trainer a group has had since the
build is looked up when counted (lms/reports/summaries/trainers.py). Promotions, few rows, are counted from the
records (lms/reports/figures.py).

People reached are distinct people: the members of the groups that count under one figure (a country, a
generation, a trainer) are added up per group, then each person in several of these groups is taken away as often
as they were counted more than once (``summary_overlaps`` lists the memberships of everyone in two groups or more).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select

from lms.disclosure import Count
from lms.extensions import db
from lms.models import Attendance, GroupMember, GroupSession, ReportSummary, TrainingGroup, User
from lms.models.report_summaries import (
    summary_attendance,
    summary_group_totals,
    summary_member_totals,
    summary_members,
    summary_overlaps,
    summary_trainers,
)
from lms.reports import figures
from lms.reports.filters import ReportFilter
from lms.reports.summaries import lookup

TABLES = (summary_attendance, summary_members, summary_member_totals, summary_group_totals, summary_overlaps,
          summary_trainers)


def period_summary(report: ReportFilter) -> ReportSummary | None:
    """The report's period's summary if it is current (every group filter reads it)."""
    summary = lookup.period_summary(report.start, report.end)
    return summary if summary is not None and summary.current and summary.built_at is not None else None


def period_of(summary: ReportSummary) -> ReportFilter:
    return ReportFilter(start=summary.starts_on, end=summary.ends_on)


def attendance_query(summary: ReportSummary):
    """Per group with a session in the period: places and presences, as figures.attendance counts them."""
    report = period_of(summary)
    held = GroupSession.held_on.between(report.start, report.end)
    place_key = sa.cast(GroupMember.record_key, sa.BigInteger) + GroupSession.record_key
    joined_before = figures.day_of(GroupMember.joined_at) <= GroupSession.held_on
    joined_after = sa.not_(joined_before)
    zero = sa.literal_column("0", sa.BigInteger)
    places = (select(GroupSession.group_id.label("group_id"), func.count().label("places"),
                     func.sum(place_key).label("places_key"), zero.label("presences"), zero.label("presences_key"))
              .select_from(GroupSession).join(GroupMember, GroupMember.group_id == GroupSession.group_id)
              .where(held, joined_before).group_by(GroupSession.group_id))
    presences = (select(GroupSession.group_id, func.sum(sa.case((joined_after, 1), else_=0)),
                        func.sum(sa.case((joined_after, place_key), else_=0)), func.count(),
                        func.sum(Attendance.record_key))
                 .select_from(Attendance).join(GroupSession, GroupSession.id == Attendance.session_id)
                 .join(GroupMember, sa.and_(GroupMember.group_id == GroupSession.group_id,
                                            GroupMember.user_id == Attendance.user_id))
                 .where(held).group_by(GroupSession.group_id))
    both = sa.union_all(places, presences).subquery()
    b = both.c
    return select(sa.literal(summary.id), b.group_id, *(func.sum(c) for c in list(b)[1:])).group_by(b.group_id)


def memberships(summary: ReportSummary):
    """(group_id, user_id) of the members who had joined the groups run in the period by its last day."""
    report = period_of(summary)
    groups = figures.groups_run(report)
    return figures.members_of(report, groups, groups.c.id).subquery()


def members_query(summary: ReportSummary):
    """Per group run and the gender and birth year of its members at the period's end: members and key sum."""
    pairs, person = memberships(summary), figures.attributes(period_of(summary))
    return (select(sa.literal(summary.id), pairs.c.key, person.c.gender, person.c.birth_year, func.count(),
                   func.sum(User.record_key))
            .select_from(pairs).join(User, User.id == pairs.c.user_id)
            .outerjoin(person, person.c.user_id == pairs.c.user_id)
            .group_by(pairs.c.key, person.c.gender, person.c.birth_year))


def overlaps_query(summary: ReportSummary):
    """The memberships of each person who is a member of two groups run in the period or more."""
    pairs, person = memberships(summary), figures.attributes(period_of(summary))
    several = select(pairs.c.user_id).group_by(pairs.c.user_id).having(func.count() > 1)
    return (select(sa.literal(summary.id), pairs.c.key, pairs.c.user_id, person.c.gender, person.c.birth_year,
                   User.record_key)
            .select_from(pairs).join(User, User.id == pairs.c.user_id)
            .outerjoin(person, person.c.user_id == pairs.c.user_id)
            .where(pairs.c.user_id.in_(several)))


def trainers_query(summary: ReportSummary):
    """The trainers of the groups run in the period, each with their record key and their gender and birth year at
    its end (None without attributes): each trainer's own rows looked up, a few thousand at most."""
    report = period_of(summary)
    trainers = (select(TrainingGroup.trainer_id.label("user_id")).where(*figures.run_in(report))
                .where(TrainingGroup.trainer_id.is_not(None)).distinct().subquery())
    person, person_is = figures.attributes_of(report, trainers.c.user_id)
    return (select(sa.literal(summary.id), trainers.c.user_id, User.record_key, person.c.gender, person.c.birth_year)
            .select_from(trainers).join(User, User.id == trainers.c.user_id).outerjoin(person, person_is))


def fill(summary: ReportSummary) -> None:
    """Replace the summary's group figures with those of the records as they are now (the caller commits)."""
    for table in TABLES:
        db.session.execute(sa.delete(table).where(table.c.summary_id == summary.id))
    db.session.execute(sa.insert(summary_attendance).from_select(
        ["summary_id", "group_id", "places", "places_key", "presences", "presences_key"], attendance_query(summary)))
    db.session.execute(sa.insert(summary_members).from_select(
        ["summary_id", "group_id", "gender", "birth_year", "members", "members_key"], members_query(summary)))
    m = summary_members.c
    db.session.execute(sa.insert(summary_member_totals).from_select(
        ["summary_id", "group_id", "gender", "members", "members_key"],
        select(m.summary_id, m.group_id, m.gender, func.sum(m.members), func.sum(m.members_key))
        .where(m.summary_id == summary.id).group_by(m.summary_id, m.group_id, m.gender)))
    t = summary_member_totals.c
    db.session.execute(sa.insert(summary_group_totals).from_select(
        ["summary_id", "group_id", "members", "members_key"],
        select(t.summary_id, t.group_id, func.sum(t.members), func.sum(t.members_key))
        .where(t.summary_id == summary.id).group_by(t.summary_id, t.group_id)))
    db.session.execute(sa.insert(summary_overlaps).from_select(
        ["summary_id", "group_id", "user_id", "gender", "birth_year", "person_key"], overlaps_query(summary)))
    db.session.execute(sa.insert(summary_trainers).from_select(
        ["summary_id", "trainer_id", "record_key", "gender", "birth_year"], trainers_query(summary)))


def member_rows(report: ReportFilter):
    """The table of the groups' members to read: per birth year for an age band, else added up over birth years
    (a tenth of the rows) for a gender, else over genders too (a third of those)."""
    if report.age_band is not None:
        return summary_members
    return summary_member_totals if report.gender is not None else summary_group_totals


def attendance(report: ReportFilter) -> dict[str, tuple[Count, Count]] | None:
    """figures.attendance from the summary; None without a current one."""
    summary = period_summary(report)
    if summary is None:
        return None
    c = summary_attendance.c
    query = (select(TrainingGroup.country, func.sum(c.presences), func.sum(c.presences_key), func.sum(c.places),
                    func.sum(c.places_key))
             .select_from(summary_attendance).join(TrainingGroup, TrainingGroup.id == c.group_id)
             .where(c.summary_id == summary.id, TrainingGroup.mode.in_(("in-person", "blended")),
                    *figures.group_filters(report))
             .group_by(TrainingGroup.country))
    return {country: (Count.of(present, present_key), Count.of(places, places_key))
            for country, present, present_key, places, places_key in db.session.execute(query)}


def reach(report: ReportFilter, groups, key, joins=()) -> dict | None:
    """Key -> the distinct members of ``groups`` (figures.groups_run) who had joined by the period's last day, of
    the report's gender and age band, from the summary; None without a current one. ``key``: a column of ``groups``
    or of ``joins`` ((table, condition) pairs, outer joined)."""
    summary = period_summary(report)
    if summary is None:
        return None

    def of(table):
        query = select(key.label("key")).select_from(groups).join(table, table.c.group_id == groups.c.id)
        for joined, condition in joins:
            query = query.outerjoin(joined, condition)
        traits = figures.trait_filters(report, table)
        if traits:
            traits.append(table.c.gender.is_not(None))  # without attributes: left out, as figures.py joins them
        return query.where(table.c.summary_id == summary.id, *traits)

    members = member_rows(report)
    m, o = members.c, summary_overlaps.c
    found = {k: Count.of(n, keys) for k, n, keys in db.session.execute(
        of(members).add_columns(func.sum(m.members), func.sum(m.members_key)).group_by(key))}
    twice = of(summary_overlaps).add_columns(o.person_key, func.count().label("times")).group_by(
        key, o.user_id, o.person_key).having(func.count() > 1).subquery()
    for k, extra, extra_key in db.session.execute(
            select(twice.c.key, func.sum(twice.c.times - 1), func.sum((twice.c.times - 1) * twice.c.person_key))
            .group_by(twice.c.key)):
        found[k] = Count.of(found[k].n - extra, found[k].key - int(extra_key))
    return {k: count for k, count in found.items() if count.n}
