"""Participation figures for a report, from a handful of grouped SQL queries whatever the data size.

Definitions (also in docs/reports.md):
- enrolments: enrolments begun in the period; participants: the people behind them;
- completions: enrolments completed in the period;
- completion rate: of the enrolments begun in the period, the share completed since;
- attendance: presences at in-person or blended sessions held in the period, out of the places
  (members of the group times sessions).
People are counted in the cell of their own country, gender, age band (age at the end of the period;
"unknown" without a birth year) and organisation as they were at the end of the period (``attributes``): a
profile edited since does not move a figure already published.
A member counts in a group (places at its sessions, people reached, the group filter) from the day they joined
it, and a group counts for its trainer from the day it was created: joining a group or creating one with past
dates does not move a figure already published.

Every count comes with its cell key, the sum of the record keys of what it counts, added up in the same
query; the tables show the published counts (lms/disclosure.py), never these.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import sqlalchemy as sa
from sqlalchemy import func, select

from lms.disclosure import Count
from lms.extensions import db
from lms.models import (
    Attendance,
    CourseTopic,
    Enrolment,
    GroupMember,
    GroupSession,
    Module,
    PersonAttributes,
    QuizAttempt,
    TrainerPromotion,
    TrainingGroup,
    User,
)
from lms.reports.filters import ReportFilter
from lms.reports.summaries import groups as group_summary
from lms.reports.summaries import reading as summary
from lms.surveys.results import GainSums
from lms.surveys.statistics import Moments

UNKNOWN_AGE = "unknown"


def period_bounds(report: ReportFilter) -> tuple[datetime, datetime]:
    start = datetime.combine(report.start, time.min, tzinfo=UTC)
    end = datetime.combine(report.end, time.max, tzinfo=UTC)
    return start, end


def attributes(report: ReportFilter, members_only: bool = False):
    """Each person's country, gender, birth year and organisation as they were on the period's last day: the
    latest row of their history that counts from that day or before (a subquery with ``user_id``).

    ``members_only``: only the members of the report's group, for figures that count no one else (a group's
    dashboard then reads the history of its members, not of everyone)."""
    row = PersonAttributes
    whose = [row.user_id.in_(members_by_end(report, report.group_id))] if members_only and report.group_id else []
    latest = (select(row.user_id, func.max(row.counts_from).label("since"))
              .where(row.counts_from <= report.end, *whose).group_by(row.user_id)).subquery()
    return (select(row.user_id, row.country, row.gender, row.birth_year, row.organisation_id)
            .join(latest, sa.and_(latest.c.user_id == row.user_id, latest.c.since == row.counts_from))
            .subquery("person"))


def age_band_column(report: ReportFilter, person):
    """A SQL expression giving each person's age band label (or "unknown")."""
    return _band_of(report, person.c.birth_year)


def _band_of(report: ReportFilter, birth_year):
    whens = _band_whens(report, birth_year)
    return sa.case(*whens, else_=UNKNOWN_AGE) if whens else sa.literal(UNKNOWN_AGE)


def person_filters(report: ReportFilter, person) -> list:
    """Conditions on the person (``attributes``): scope, country, organisation, gender, age band."""
    conditions = []
    if report.scope is not None:
        conditions.append(report.scope.where(person.c.country, person.c.organisation_id))
    if report.countries is not None:
        conditions.append(person.c.country.in_(report.countries))
    if report.organisation_id is not None:
        conditions.append(person.c.organisation_id == report.organisation_id)
    return conditions + trait_filters(report, person)


def trait_filters(report: ReportFilter, person) -> list:
    """Conditions on the person (``attributes``): gender and age band only. Figures of trainers and their groups
    take the place (country, organisation) from the group, and these from each person they count."""
    conditions = []
    if report.gender is not None:
        conditions.append(person.c.gender == report.gender)
    if report.age_band is not None:
        conditions.append(age_band_condition(report, person.c.birth_year))
    return conditions


def age_band_condition(report: ReportFilter, birth_year):
    """Whether ``birth_year`` falls in the report's age band, as ``age_band_column`` gives it: a range of years of
    birth (less those of the bands before it that overlap it, which take the person first) that an index can read."""
    band = report.band(report.age_band)
    if band is None:  # "unknown", or a band no longer configured: compared as the column gives it
        return _band_of(report, birth_year) == report.age_band
    condition = _born_in(report, band, birth_year)
    for earlier in report.age_bands[:report.age_bands.index(band)]:
        if _overlap(earlier, band):
            condition = sa.and_(condition, sa.not_(_born_in(report, earlier, birth_year)))
    return condition


def _born_in(report: ReportFilter, band, birth_year):
    """Born in a year that makes the age at the period's end fall in ``band``."""
    latest = report.end.year - band.low
    return birth_year <= latest if band.high is None else birth_year.between(report.end.year - band.high, latest)


def _overlap(one, other) -> bool:
    top = float("inf")
    return one.low <= (other.high if other.high is not None else top) and other.low <= (
        one.high if one.high is not None else top)


def _band_whens(report: ReportFilter, birth_year) -> list:
    age = report.end.year - birth_year
    return [(age >= band.low if band.high is None else age.between(band.low, band.high), band.label)
            for band in report.age_bands]


def has_trait_filters(report: ReportFilter) -> bool:
    return report.gender is not None or report.age_band is not None


def has_person_filters(report: ReportFilter) -> bool:
    return any(value is not None for value in (report.scope, report.countries, report.organisation_id, report.gender,
                                                report.age_band))


def members_by_end(report: ReportFilter, group_id):
    """The members of a group who had joined it by the period's last day."""
    _, end = period_bounds(report)
    return select(GroupMember.user_id).where(GroupMember.group_id == group_id, GroupMember.joined_at <= end)


def enrolment_filters(report: ReportFilter, person) -> list:
    return person_filters(report, person) + course_filters(report)


def course_filters(report: ReportFilter) -> list:
    """Conditions on enrolments: the report's course, topic and group (its course, and its members by the end)."""
    conditions = []
    if report.course_id is not None:
        conditions.append(Enrolment.course_id == report.course_id)
    if report.topic is not None:
        topic_courses = select(CourseTopic.course_id).where(CourseTopic.topic == report.topic)
        conditions.append(Enrolment.course_id.in_(topic_courses))
    if report.group_id is not None:
        group = select(TrainingGroup.course_id).where(TrainingGroup.id == report.group_id).scalar_subquery()
        conditions += [Enrolment.course_id == group, Enrolment.user_id.in_(members_by_end(report, report.group_id))]
    return conditions


@dataclass
class Cell:
    participants: int = 0
    enrolments: int = 0
    completed_since: int = 0
    completions: int = 0
    #: The cell key of each of the four counts, by its name.
    keys: dict[str, int] = field(default_factory=dict)

    def count(self, measure: str) -> Count:
        return Count(getattr(self, measure), self.keys.get(measure, 0))


MEASURES = ("participants", "enrolments", "completed_since", "completions")


def computed_participation_cube(report: ReportFilter) -> dict[tuple[str, str, str], Cell]:
    """(country, gender, age band) -> counts and their cell keys, in one grouped query over the records.

    Enrolments are first added up per person, so that counting participants needs no DISTINCT (a sort that
    spills to disk on a large table), then per cell. A participant's key is their own record key; an
    enrolment's, the enrolment's.
    """
    start, end = period_bounds(report)
    begun, done = Enrolment.enrolled_at.between(start, end), Enrolment.completed_at.between(start, end)
    completed_since = sa.and_(begun, Enrolment.completed_at.is_not(None))
    person = attributes(report, members_only=True)
    band = age_band_column(report, person).label("band")

    def counted(condition, name):
        return (func.sum(sa.case((condition, 1), else_=0)).label(name),
                func.sum(sa.case((condition, Enrolment.record_key), else_=0)).label(f"{name}_key"))

    per_person = (select(person.c.country, person.c.gender, band, User.record_key.label("person_key"),
                         *counted(begun, "enrolments"), *counted(completed_since, "completed_since"),
                         *counted(done, "completions"))
                  .join(User, User.id == Enrolment.user_id).join(person, person.c.user_id == Enrolment.user_id)
                  .where(sa.or_(begun, done), *enrolment_filters(report, person))
                  .group_by(Enrolment.user_id, person.c.country, person.c.gender, band, User.record_key)).subquery()
    p = per_person.c
    took_part = p.enrolments > 0
    cells = (select(p.country, p.gender, p.band,
                    func.sum(sa.case((took_part, 1), else_=0)), func.sum(sa.case((took_part, p.person_key), else_=0)),
                    func.sum(p.enrolments), func.sum(p.enrolments_key),
                    func.sum(p.completed_since), func.sum(p.completed_since_key),
                    func.sum(p.completions), func.sum(p.completions_key))
             .group_by(p.country, p.gender, p.band))
    cube = {}
    for country, gender, age, *sums in db.session.execute(cells):
        counts = [Count.of(sums[2 * i], sums[2 * i + 1]) for i in range(len(MEASURES))]
        cube[(country, gender, age)] = Cell(*(c.n for c in counts),
                                            keys={m: c.key for m, c in zip(MEASURES, counts, strict=True)})
    return cube


def computed_monthly_trend(report: ReportFilter) -> dict[str, tuple[Count, Count]]:
    """"YYYY-MM" -> (enrolments begun, completions) in the period, month by month, in one query over the records."""
    start, end = period_bounds(report)
    begun, done = Enrolment.enrolled_at.between(start, end), Enrolment.completed_at.between(start, end)
    began_in = sa.case((begun, month_of(Enrolment.enrolled_at))).label("began_in")
    done_in = sa.case((done, month_of(Enrolment.completed_at))).label("done_in")
    person = attributes(report, members_only=True)
    query = select(began_in, done_in, func.count(), func.sum(Enrolment.record_key)).where(
        sa.or_(begun, done), *enrolment_filters(report, person))
    if has_person_filters(report):
        query = query.join(person, person.c.user_id == Enrolment.user_id)
    trend: dict[str, list[Count]] = defaultdict(lambda: [Count(), Count()])
    for began, completed, count, key in db.session.execute(query.group_by(began_in, done_in)):
        if began is not None:
            trend[str(began)][0] += Count.of(count, key)
        if completed is not None:
            trend[str(completed)][1] += Count.of(count, key)
    return {month: (counts[0], counts[1]) for month, counts in sorted(trend.items())}


def participation_cube(report: ReportFilter) -> dict[tuple[str, str, str], Cell]:
    """The cube from the period's summary where it has a current one (lms/reports/summaries), else computed."""
    found = summary.cube(report)
    return computed_participation_cube(report) if found is None else found


def monthly_trend(report: ReportFilter) -> dict[str, tuple[Count, Count]]:
    found = summary.trend(report)
    return computed_monthly_trend(report) if found is None else found


def knowledge_gain(report: ReportFilter) -> GainSums:
    found = summary.gain(report)
    return computed_knowledge_gain(report) if found is None else found


def month_of(column):
    """"YYYY-MM" of a timestamp, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def group_filters(report: ReportFilter) -> list:
    """Conditions on training groups: country, organisation, course or topic, the group itself."""
    conditions = []
    if report.scope is not None:
        conditions.append(report.scope.where(TrainingGroup.country, TrainingGroup.organisation_id))
    if report.countries is not None:
        conditions.append(TrainingGroup.country.in_(report.countries))
    if report.organisation_id is not None:
        conditions.append(TrainingGroup.organisation_id == report.organisation_id)
    if report.course_id is not None:
        conditions.append(TrainingGroup.course_id == report.course_id)
    if report.topic is not None:
        conditions.append(TrainingGroup.course_id.in_(
            select(CourseTopic.course_id).where(CourseTopic.topic == report.topic)))
    if report.group_id is not None:
        conditions.append(TrainingGroup.id == report.group_id)
    return conditions


def attendance(report: ReportFilter) -> dict[str, tuple[Count, Count]]:
    """Country -> (presences, places) at sessions held in the period: from the period's summary where it has a
    current one (lms/reports/summaries/groups.py), else computed."""
    found = group_summary.attendance(report)
    return computed_attendance(report) if found is None else found


def computed_attendance(report: ReportFilter) -> dict[str, tuple[Count, Count]]:
    """Country -> (presences, places) at sessions held in the period.

    A place is a member of the group at one of its sessions held on or after the day they joined, or at an earlier
    one they were present at (accounts made after an in-person training); its key is the sum of the membership's
    and the session's record keys. Two queries: the places of members who had joined by the session, with no need
    of the attendance table; then the presences, which also give the places of those who joined after.
    """
    groups = select(TrainingGroup.id).where(TrainingGroup.mode.in_(("in-person", "blended")),
                                            *group_filters(report))
    held = GroupSession.held_on.between(report.start, report.end)
    place_key = sa.cast(GroupMember.record_key, sa.BigInteger) + GroupSession.record_key
    joined_before = day_of(GroupMember.joined_at) <= GroupSession.held_on
    places = {country: Count.of(n, key) for country, n, key in db.session.execute(
        select(TrainingGroup.country, func.count(), func.sum(place_key))
        .select_from(GroupSession).join(TrainingGroup, TrainingGroup.id == GroupSession.group_id)
        .join(GroupMember, GroupMember.group_id == GroupSession.group_id)
        .where(TrainingGroup.id.in_(groups), held, joined_before)
        .group_by(TrainingGroup.country))}
    # A presence is a member's (and so has its place), even at a session held before they joined.
    joined_after = sa.not_(joined_before)
    present = {}
    for country, n, key, later, later_key in db.session.execute(
            select(TrainingGroup.country, func.count(), func.sum(Attendance.record_key),
                   func.sum(sa.case((joined_after, 1), else_=0)), func.sum(sa.case((joined_after, place_key), else_=0)))
            .select_from(Attendance).join(GroupSession, GroupSession.id == Attendance.session_id)
            .join(TrainingGroup, TrainingGroup.id == GroupSession.group_id)
            .join(GroupMember, sa.and_(GroupMember.group_id == GroupSession.group_id,
                                       GroupMember.user_id == Attendance.user_id))
            .where(TrainingGroup.id.in_(groups), held)
            .group_by(TrainingGroup.country)):
        present[country] = Count.of(n, key)
        if later:
            places[country] = places.get(country, Count()) + Count.of(later, later_key)
    return {country: (present.get(country, Count()), total) for country, total in places.items()}


def day_of(column):
    """The UTC day of a timestamp, comparable with a date column on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(func.timezone("UTC", column), sa.Date)
    return func.date(column)


def groups_run(report: ReportFilter):
    """The report's training groups whose dates meet the period, created by its last day (a subquery)."""
    return select(TrainingGroup).where(*run_in(report)).subquery()


def run_in(report: ReportFilter) -> list:
    """Conditions on training groups: the report's, whose dates meet the period, created by its last day."""
    _start, end = period_bounds(report)
    return [TrainingGroup.starts_on <= report.end, TrainingGroup.ends_on >= report.start,
            TrainingGroup.created_at <= end, *group_filters(report)]


def members_of(report: ReportFilter, groups, key):
    """(key, user_id) of each member of ``groups`` who had joined by the period's last day: the people reached."""
    _start, end = period_bounds(report)
    return (select(key.label("key"), GroupMember.user_id.label("user_id")).select_from(groups)
            .join(GroupMember, sa.and_(GroupMember.group_id == groups.c.id, GroupMember.joined_at <= end)))


def attributes_of(report: ReportFilter, person_id):
    """(row, join condition): the row of ``attributes`` of the person ``person_id`` only, found by their key (the
    latest of their history counting from the period's end or before), for a query that counts few people: it
    reads their rows, not everyone's history.

    On PostgreSQL a LATERAL lookup, one person at a time whatever the planner thinks: for the completions since a
    summary's cutoff it chose to hash everyone's history (530,000 rows at 500,000 people) to join the latest row,
    spared only while nobody was counted. SQLite, which has no LATERAL, looks each one up in the index."""
    table = PersonAttributes.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        person = (select(table).where(table.c.user_id == person_id, table.c.counts_from <= report.end)
                  .order_by(table.c.counts_from.desc()).limit(1).lateral("person"))
        return person, sa.true()
    person = table.alias("person")
    earlier = table.alias("earlier")
    latest = (select(func.max(earlier.c.counts_from))
              .where(earlier.c.user_id == person_id, earlier.c.counts_from <= report.end).scalar_subquery())
    return person, sa.and_(person.c.user_id == person_id, person.c.counts_from == latest)


def reached(report: ReportFilter, groups, key, joins=()) -> dict:
    """Key -> the distinct members of ``groups`` (``groups_run``) who had joined by the period's last day, of the
    report's gender and age band, with their record keys: from the period's summary where it has a current one,
    else from the records. ``joins``: (table, condition) pairs, outer joined, that ``key`` needs."""
    found = group_summary.reach(report, groups, key, joins)
    if found is not None:
        return found
    pairs = members_of(report, groups, key)
    for joined, condition in joins:
        pairs = pairs.outerjoin(joined, condition)
    return people_per(report, pairs)


def with_traits(report: ReportFilter, query, person_id):
    """``query`` kept to the people (``person_id``) of the report's gender and age band, if it has them (and so to
    people with attributes): one correlated lookup per person counted, of their latest attributes as of the
    period's end, that tells whether these have a gender and match ``trait_filters`` (the age band's condition
    reads the birth year once per band edge: asked of that one row, not of a lookup each), a read of their own
    history whatever the number of people who are not."""
    if not has_trait_filters(report):
        return query
    return query.where(traits_match(report, person_id).is_(True))


def traits_match(report: ReportFilter, person_id):
    """Whether the person ``person_id`` has a gender and the report's gender and age band by their latest attributes
    as of the period's end: a correlated lookup, NULL for someone without attributes."""
    row = PersonAttributes.__table__.alias("traits")
    return (select(sa.and_(row.c.gender.is_not(None), *trait_filters(report, row)))
            .where(row.c.user_id == person_id, row.c.counts_from <= report.end)
            .order_by(row.c.counts_from.desc()).limit(1).scalar_subquery())


def people_per(report: ReportFilter, pairs) -> dict:
    """Key -> the distinct people of ``pairs`` (a select of ``key`` and ``user_id``) of the report's gender and age
    band, with their record keys. The pairs are made distinct before each person's traits are looked up."""
    rows = pairs.subquery()
    distinct = select(rows.c.key, rows.c.user_id).distinct().subquery()
    people = with_traits(report, select(distinct.c.key, User.record_key).select_from(distinct)
                         .join(User, User.id == distinct.c.user_id), User.id).subquery()
    return {key: Count.of(n, keys) for key, n, keys in db.session.execute(
        select(people.c.key, func.count(), func.sum(people.c.record_key)).group_by(people.c.key))}


def promotions_per(report: ReportFilter, key, source=TrainerPromotion) -> dict:
    """Key -> the promotions made in the period after a training of trainers among the report's groups, of people
    of its gender and age band, with their record keys. ``source``: trainer_promotions, or a join that gives ``key``.
    """
    start, end = period_bounds(report)
    query = (select(key, func.count(TrainerPromotion.id), func.sum(TrainerPromotion.record_key)).select_from(source)
             .join(TrainingGroup, TrainingGroup.id == TrainerPromotion.group_id)
             .where(TrainerPromotion.promoted_at.between(start, end), *group_filters(report)))
    query = with_traits(report, query, TrainerPromotion.user_id)
    return {k: Count.of(n, keys) for k, n, keys in db.session.execute(query.group_by(key))}


def trainers(report: ReportFilter) -> dict[str, tuple[Count, Count, Count]]:
    """Country -> (active trainers, people they reached, trainers trained in the period).

    Active: ran a group whose dates meet the period, created by its last day. Reach: distinct members of those
    groups who had joined by its last day. Both count people, with their record keys; a promotion (a new trainer)
    has its own. The group gives the country (its row), and the scope, country, organisation, course, topic and
    group filters, for all three; gender and age band are each counted person's: the trainer, the member, the
    person promoted.
    """
    groups = groups_run(report)
    active = people_per(report, select(groups.c.country.label("key"), groups.c.trainer_id.label("user_id")))
    reach = reached(report, groups, groups.c.country)
    promoted = promotions_per(report, TrainingGroup.country)
    countries = set(active) | set(reach) | set(promoted)
    return {c: (active.get(c, Count()), reach.get(c, Count()), promoted.get(c, Count())) for c in sorted(countries)}


def computed_knowledge_gain(report: ReportFilter) -> GainSums:
    """The knowledge gain of the people in the report, added up by the database (see ``knowledge_pairs``).

    With the people's cell key, from which its noise is drawn: ``.published`` is what pages show.
    """
    per_person = knowledge_pairs_query(report).subquery()
    difference = per_person.c.after - per_person.c.before
    query = select(func.count(), func.sum(per_person.c.before), func.sum(per_person.c.after), func.sum(difference),
                   func.sum(difference * difference), func.sum(per_person.c.person_key))
    n, before, after, total, squares, people_key = db.session.execute(query).one()
    return GainSums(Count.of(n, people_key), float(before or 0), float(after or 0),
                    Moments(int(n or 0), float(total or 0), float(squares or 0)))


def knowledge_pairs(report: ReportFilter) -> list[tuple[float, float]]:
    """Each person's (mean score before the lessons, mean score after) over the modules they took both ways."""
    return [(float(row.before), float(row.after)) for row in db.session.execute(knowledge_pairs_query(report))]


def knowledge_pairs_query(report: ReportFilter):
    """Per person: user id, mean score before the lessons and after over the modules they took both ways, and
    their record key.

    Before: their first attempt made before any lesson of the module; after: their latest attempt after the
    lessons within the period. One pass of window functions, whose order the index on quiz_attempts
    (user_id, module_id, before_lessons, submitted_at, id) already gives, then two groupings.
    """
    start, end = period_bounds(report)
    modules = select(Module.id)
    if report.course_id is not None:
        modules = modules.where(Module.course_id == report.course_id)
    if report.topic is not None:
        modules = modules.where(Module.course_id.in_(
            select(CourseTopic.course_id).where(CourseTopic.topic == report.topic)))
    ranked = ranked_attempts(start, end, modules)
    if has_person_filters(report):
        person = attributes(report, members_only=True)
        ranked = ranked.join(person, person.c.user_id == QuizAttempt.user_id).where(*person_filters(report, person))
    if report.group_id is not None:
        ranked = ranked.where(QuizAttempt.user_id.in_(members_by_end(report, report.group_id)))
    m = module_pairs(ranked).c
    return (select(m.user_id, func.avg(m.before).label("before"), func.avg(m.after).label("after"),
                   User.record_key.label("person_key"))
            .join(User, User.id == m.user_id)
            .where(m.before.is_not(None), m.after.is_not(None), m.after_at > m.before_at)
            .group_by(m.user_id, User.record_key))


def ranked_attempts(start, end, modules):
    """Quiz attempts on ``modules`` (a select of ids) before any lesson, or after the lessons between ``start`` and
    ``end``, each with its rank and the number of its kind per person and module (window functions)."""
    partition = (QuizAttempt.user_id, QuizAttempt.module_id, QuizAttempt.before_lessons)
    return (select(QuizAttempt.user_id, QuizAttempt.module_id, QuizAttempt.score, QuizAttempt.before_lessons,
                   QuizAttempt.submitted_at,
                   func.row_number().over(partition_by=partition,
                                          order_by=(QuizAttempt.submitted_at, QuizAttempt.id)).label("rank"),
                   func.count().over(partition_by=partition).label("attempts"))
            .where(QuizAttempt.module_id.in_(modules),
                   sa.or_(QuizAttempt.before_lessons.is_(True), QuizAttempt.submitted_at.between(start, end))))


def module_pairs(ranked):
    """Per person and module of ``ranked_attempts``: the first score before the lessons and the last after, with
    their times (a subquery of user_id, module_id, before, after, before_at, after_at)."""
    r = ranked.subquery()
    first_before = sa.and_(r.c.before_lessons.is_(True), r.c.rank == 1)
    last_after = sa.and_(r.c.before_lessons.is_(False), r.c.rank == r.c.attempts)
    return (select(r.c.user_id, r.c.module_id,
                   func.max(sa.case((first_before, r.c.score))).label("before"),
                   func.max(sa.case((last_after, r.c.score))).label("after"),
                   func.max(sa.case((first_before, r.c.submitted_at))).label("before_at"),
                   func.max(sa.case((last_after, r.c.submitted_at))).label("after_at"))
            .where(sa.or_(first_before, last_after))
            .group_by(r.c.user_id, r.c.module_id)).subquery()
