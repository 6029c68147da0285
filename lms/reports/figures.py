"""Participation figures for a report, from a handful of grouped SQL queries whatever the data size.

Definitions (also in docs/reports.md):
- enrolments: enrolments begun in the period; participants: the people behind them;
- completions: enrolments completed in the period;
- completion rate: of the enrolments begun in the period, the share completed since;
- attendance: presences at in-person or blended sessions held in the period, out of the places
  (members of the group times sessions).
People are counted in the cell of their own country, gender and age band (age at the end of the
period; "unknown" without a birth year).

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
    QuizAttempt,
    TrainerPromotion,
    TrainingGroup,
    User,
)
from lms.reports.filters import ReportFilter
from lms.surveys.results import GainSums
from lms.surveys.statistics import Moments

UNKNOWN_AGE = "unknown"


def period_bounds(report: ReportFilter) -> tuple[datetime, datetime]:
    start = datetime.combine(report.start, time.min, tzinfo=UTC)
    end = datetime.combine(report.end, time.max, tzinfo=UTC)
    return start, end


def age_band_column(report: ReportFilter):
    """A SQL expression giving each person's age band label (or "unknown")."""
    age = report.end.year - User.birth_year
    whens = []
    for band in report.age_bands:
        condition = age >= band.low if band.high is None else age.between(band.low, band.high)
        whens.append((condition, band.label))
    return sa.case(*whens, else_=UNKNOWN_AGE) if whens else sa.literal(UNKNOWN_AGE)


def person_filters(report: ReportFilter) -> list:
    """Conditions on the person: country, organisation, gender, age band."""
    conditions = []
    if report.countries is not None:
        conditions.append(User.country.in_(report.countries))
    if report.organisation_id is not None:
        conditions.append(User.organisation_id == report.organisation_id)
    if report.gender is not None:
        conditions.append(User.gender == report.gender)
    if report.age_band is not None:
        conditions.append(age_band_column(report) == report.age_band)
    return conditions


def enrolment_filters(report: ReportFilter) -> list:
    conditions = person_filters(report)
    if report.course_id is not None:
        conditions.append(Enrolment.course_id == report.course_id)
    if report.topic is not None:
        topic_courses = select(CourseTopic.course_id).where(CourseTopic.topic == report.topic)
        conditions.append(Enrolment.course_id.in_(topic_courses))
    if report.group_id is not None:
        group = select(TrainingGroup.course_id).where(TrainingGroup.id == report.group_id).scalar_subquery()
        members = select(GroupMember.user_id).where(GroupMember.group_id == report.group_id)
        conditions += [Enrolment.course_id == group, Enrolment.user_id.in_(members)]
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


def participation_cube(report: ReportFilter) -> dict[tuple[str, str, str], Cell]:
    """(country, gender, age band) -> counts and their cell keys, in one grouped query.

    Enrolments are first added up per person, so that counting participants needs no DISTINCT (a sort that
    spills to disk on a large table), then per cell. A participant's key is their own record key; an
    enrolment's, the enrolment's.
    """
    start, end = period_bounds(report)
    begun, done = Enrolment.enrolled_at.between(start, end), Enrolment.completed_at.between(start, end)
    completed_since = sa.and_(begun, Enrolment.completed_at.is_not(None))
    band = age_band_column(report).label("band")

    def counted(condition, name):
        return (func.sum(sa.case((condition, 1), else_=0)).label(name),
                func.sum(sa.case((condition, Enrolment.record_key), else_=0)).label(f"{name}_key"))

    per_person = (select(User.country, User.gender, band, User.record_key.label("person_key"),
                         *counted(begun, "enrolments"), *counted(completed_since, "completed_since"),
                         *counted(done, "completions"))
                  .join(User, User.id == Enrolment.user_id)
                  .where(sa.or_(begun, done), *enrolment_filters(report))
                  .group_by(Enrolment.user_id, User.country, User.gender, band, User.record_key)).subquery()
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


def monthly_trend(report: ReportFilter) -> dict[str, tuple[Count, Count]]:
    """"YYYY-MM" -> (enrolments begun, completions) in the period, month by month, in one query."""
    start, end = period_bounds(report)
    begun, done = Enrolment.enrolled_at.between(start, end), Enrolment.completed_at.between(start, end)
    began_in = sa.case((begun, month_of(Enrolment.enrolled_at))).label("began_in")
    done_in = sa.case((done, month_of(Enrolment.completed_at))).label("done_in")
    query = select(began_in, done_in, func.count(), func.sum(Enrolment.record_key)).where(
        sa.or_(begun, done), *enrolment_filters(report))
    if person_filters(report):
        query = query.join(User, User.id == Enrolment.user_id)
    trend: dict[str, list[Count]] = defaultdict(lambda: [Count(), Count()])
    for began, completed, count, key in db.session.execute(query.group_by(began_in, done_in)):
        if began is not None:
            trend[str(began)][0] += Count.of(count, key)
        if completed is not None:
            trend[str(completed)][1] += Count.of(count, key)
    return {month: (counts[0], counts[1]) for month, counts in sorted(trend.items())}


def month_of(column):
    """"YYYY-MM" of a timestamp, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def group_filters(report: ReportFilter) -> list:
    """Conditions on training groups: country, organisation, course or topic, the group itself."""
    conditions = []
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
    """Country -> (presences, places) at sessions held in the period.

    A place is a member of the group at one of its sessions; its key is the sum of the membership's and the
    session's record keys, so the places of a group add up to members' keys × sessions + sessions' keys ×
    members.
    """
    groups = select(TrainingGroup.id).where(TrainingGroup.mode.in_(("in-person", "blended")),
                                            *group_filters(report))
    members = (select(GroupMember.group_id, func.count().label("n"), func.sum(GroupMember.record_key).label("key"))
               .group_by(GroupMember.group_id)).subquery()
    held = GroupSession.held_on.between(report.start, report.end)
    places = {country: Count.of(n, key) for country, n, key in db.session.execute(
        select(TrainingGroup.country, func.sum(members.c.n),
               func.sum(members.c.key + members.c.n * GroupSession.record_key))
        .join(GroupSession, GroupSession.group_id == TrainingGroup.id)
        .join(members, members.c.group_id == TrainingGroup.id)
        .where(TrainingGroup.id.in_(groups), held)
        .group_by(TrainingGroup.country))}
    present = {country: Count.of(n, key) for country, n, key in db.session.execute(
        select(TrainingGroup.country, func.count(), func.sum(Attendance.record_key))
        .select_from(Attendance).join(GroupSession, GroupSession.id == Attendance.session_id)
        .join(TrainingGroup, TrainingGroup.id == GroupSession.group_id)
        .where(TrainingGroup.id.in_(groups), held)
        .group_by(TrainingGroup.country))}
    return {country: (present.get(country, Count()), total) for country, total in places.items()}


def trainers(report: ReportFilter) -> dict[str, tuple[Count, Count, Count]]:
    """Country -> (active trainers, people they reached, trainers trained in the period).

    Active: ran a group whose dates meet the period. Reach: distinct members of those groups. Both count
    people, with their record keys; a promotion has its own.
    """
    groups = select(TrainingGroup).where(TrainingGroup.starts_on <= report.end, TrainingGroup.ends_on >= report.start,
                                         *group_filters(report)).subquery()

    def people_per_country(person) -> dict[str, Count]:
        distinct = (select(groups.c.country, User.id, User.record_key)
                    .select_from(groups).join(User, User.id == person).distinct()).subquery()
        return {country: Count.of(n, key) for country, n, key in db.session.execute(
            select(distinct.c.country, func.count(), func.sum(distinct.c.record_key)).group_by(distinct.c.country))}

    active = people_per_country(groups.c.trainer_id)
    members = (select(groups.c.country, User.id, User.record_key).select_from(groups)
               .join(GroupMember, GroupMember.group_id == groups.c.id).join(User, User.id == GroupMember.user_id)
               .distinct()).subquery()
    reach = {country: Count.of(n, key) for country, n, key in db.session.execute(
        select(members.c.country, func.count(), func.sum(members.c.record_key)).group_by(members.c.country))}
    start, end = period_bounds(report)
    trained = select(TrainingGroup.country, func.count(TrainerPromotion.id), func.sum(TrainerPromotion.record_key)
                     ).join(TrainingGroup, TrainingGroup.id == TrainerPromotion.group_id).where(
        TrainerPromotion.promoted_at.between(start, end))
    if report.countries is not None:
        trained = trained.where(TrainingGroup.country.in_(report.countries))
    promoted = {country: Count.of(n, key) for country, n, key in db.session.execute(
        trained.group_by(TrainingGroup.country))}
    countries = set(active) | set(reach) | set(promoted)
    return {c: (active.get(c, Count()), reach.get(c, Count()), promoted.get(c, Count())) for c in sorted(countries)}


def knowledge_gain(report: ReportFilter) -> GainSums:
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
    partition = (QuizAttempt.user_id, QuizAttempt.module_id, QuizAttempt.before_lessons)
    modules = select(Module.id)
    if report.course_id is not None:
        modules = modules.where(Module.course_id == report.course_id)
    if report.topic is not None:
        modules = modules.where(Module.course_id.in_(
            select(CourseTopic.course_id).where(CourseTopic.topic == report.topic)))
    ranked = (select(QuizAttempt.user_id, QuizAttempt.module_id, QuizAttempt.score, QuizAttempt.before_lessons,
                     QuizAttempt.submitted_at,
                     func.row_number().over(partition_by=partition,
                                            order_by=(QuizAttempt.submitted_at, QuizAttempt.id)).label("rank"),
                     func.count().over(partition_by=partition).label("attempts"))
              .where(QuizAttempt.module_id.in_(modules),
                     sa.or_(QuizAttempt.before_lessons.is_(True), QuizAttempt.submitted_at.between(start, end))))
    if person_filters(report):
        ranked = ranked.join(User, User.id == QuizAttempt.user_id).where(*person_filters(report))
    if report.group_id is not None:
        ranked = ranked.where(QuizAttempt.user_id.in_(
            select(GroupMember.user_id).where(GroupMember.group_id == report.group_id)))
    r = ranked.subquery()
    first_before = sa.and_(r.c.before_lessons.is_(True), r.c.rank == 1)
    last_after = sa.and_(r.c.before_lessons.is_(False), r.c.rank == r.c.attempts)
    per_module = (select(r.c.user_id,
                         func.max(sa.case((first_before, r.c.score))).label("before"),
                         func.max(sa.case((last_after, r.c.score))).label("after"),
                         func.max(sa.case((first_before, r.c.submitted_at))).label("before_at"),
                         func.max(sa.case((last_after, r.c.submitted_at))).label("after_at"))
                  .where(sa.or_(first_before, last_after))
                  .group_by(r.c.user_id, r.c.module_id)).subquery()
    m = per_module.c
    return (select(m.user_id, func.avg(m.before).label("before"), func.avg(m.after).label("after"),
                   User.record_key.label("person_key"))
            .join(User, User.id == m.user_id)
            .where(m.before.is_not(None), m.after.is_not(None), m.after_at > m.before_at)
            .group_by(m.user_id, User.record_key))
