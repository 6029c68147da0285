"""Participation figures for a report, from a handful of grouped SQL queries whatever the data size.

Definitions (also in docs/reports.md):
- enrolments: enrolments begun in the period; participants: the people behind them;
- completions: enrolments completed in the period;
- completion rate: of the enrolments begun in the period, the share completed since;
- attendance: presences at in-person or blended sessions held in the period, out of the places
  (members of the group times sessions).
People are counted in the cell of their own country, gender and age band (age at the end of the
period; "unknown" without a birth year), so cells add up to the totals.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time

import sqlalchemy as sa
from sqlalchemy import func, select

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
from lms.surveys import statistics
from lms.surveys.statistics import Gain, Moments

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


def participation_cube(report: ReportFilter) -> dict[tuple[str, str, str], Cell]:
    """(country, gender, age band) -> counts, in one grouped query.

    Enrolments are first added up per person, so that counting participants needs no DISTINCT (a sort that
    spills to disk on a large table), then per cell.
    """
    start, end = period_bounds(report)
    begun, done = Enrolment.enrolled_at.between(start, end), Enrolment.completed_at.between(start, end)
    band = age_band_column(report).label("band")
    per_person = (select(User.country, User.gender, band,
                         func.sum(sa.case((begun, 1), else_=0)).label("enrolments"),
                         func.sum(sa.case((sa.and_(begun, Enrolment.completed_at.is_not(None)), 1), else_=0))
                         .label("completed_since"),
                         func.sum(sa.case((done, 1), else_=0)).label("completions"))
                  .join(User, User.id == Enrolment.user_id)
                  .where(sa.or_(begun, done), *enrolment_filters(report))
                  .group_by(Enrolment.user_id, User.country, User.gender, band)).subquery()
    cells = (select(per_person.c.country, per_person.c.gender, per_person.c.band,
                    func.sum(sa.case((per_person.c.enrolments > 0, 1), else_=0)), func.sum(per_person.c.enrolments),
                    func.sum(per_person.c.completed_since), func.sum(per_person.c.completions))
             .group_by(per_person.c.country, per_person.c.gender, per_person.c.band))
    return {(country, gender, age): Cell(int(people), int(enrolments), int(completed), int(completions))
            for country, gender, age, people, enrolments, completed, completions in db.session.execute(cells)}


def monthly_trend(report: ReportFilter) -> dict[str, tuple[int, int]]:
    """"YYYY-MM" -> (enrolments begun, completions) in the period, month by month, in one query."""
    start, end = period_bounds(report)
    begun, done = Enrolment.enrolled_at.between(start, end), Enrolment.completed_at.between(start, end)
    began_in = sa.case((begun, month_of(Enrolment.enrolled_at))).label("began_in")
    done_in = sa.case((done, month_of(Enrolment.completed_at))).label("done_in")
    query = select(began_in, done_in, func.count()).where(sa.or_(begun, done), *enrolment_filters(report))
    if person_filters(report):
        query = query.join(User, User.id == Enrolment.user_id)
    trend: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for began, completed, count in db.session.execute(query.group_by(began_in, done_in)):
        if began is not None:
            trend[str(began)][0] += count
        if completed is not None:
            trend[str(completed)][1] += count
    return {key: (values[0], values[1]) for key, values in sorted(trend.items())}


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


def attendance(report: ReportFilter) -> dict[str, tuple[int, int]]:
    """Country -> (presences, places) at sessions held in the period."""
    groups = select(TrainingGroup.id).where(TrainingGroup.mode.in_(("in-person", "blended")),
                                            *group_filters(report))
    members = (select(GroupMember.group_id, func.count().label("n")).group_by(GroupMember.group_id)).subquery()
    places = dict(db.session.execute(
        select(TrainingGroup.country, func.coalesce(func.sum(members.c.n), 0))
        .join(GroupSession, GroupSession.group_id == TrainingGroup.id)
        .join(members, members.c.group_id == TrainingGroup.id)
        .where(TrainingGroup.id.in_(groups), GroupSession.held_on.between(report.start, report.end))
        .group_by(TrainingGroup.country)).all())
    present = dict(db.session.execute(
        select(TrainingGroup.country, func.count())
        .select_from(Attendance).join(GroupSession, GroupSession.id == Attendance.session_id)
        .join(TrainingGroup, TrainingGroup.id == GroupSession.group_id)
        .where(TrainingGroup.id.in_(groups), GroupSession.held_on.between(report.start, report.end))
        .group_by(TrainingGroup.country)).all())
    return {country: (present.get(country, 0), int(total)) for country, total in places.items()}


def trainers(report: ReportFilter) -> dict[str, tuple[int, int, int]]:
    """Country -> (active trainers, people they reached, trainers trained in the period).

    Active: ran a group whose dates meet the period. Reach: distinct members of those groups.
    """
    groups = select(TrainingGroup).where(TrainingGroup.starts_on <= report.end, TrainingGroup.ends_on >= report.start,
                                         *group_filters(report)).subquery()
    active = dict(db.session.execute(
        select(groups.c.country, func.count(func.distinct(groups.c.trainer_id))).group_by(groups.c.country)).all())
    reach = dict(db.session.execute(
        select(groups.c.country, func.count(func.distinct(GroupMember.user_id)))
        .join(GroupMember, GroupMember.group_id == groups.c.id).group_by(groups.c.country)).all())
    start, end = period_bounds(report)
    trained = select(TrainingGroup.country, func.count(TrainerPromotion.id)).join(
        TrainingGroup, TrainingGroup.id == TrainerPromotion.group_id).where(
        TrainerPromotion.promoted_at.between(start, end))
    if report.countries is not None:
        trained = trained.where(TrainingGroup.country.in_(report.countries))
    promoted = dict(db.session.execute(trained.group_by(TrainingGroup.country)).all())
    countries = set(active) | set(reach) | set(promoted)
    return {c: (active.get(c, 0), reach.get(c, 0), promoted.get(c, 0)) for c in sorted(countries)}


def knowledge_gain(report: ReportFilter) -> Gain:
    """The knowledge gain of the people in the report, added up by the database (see ``knowledge_pairs``)."""
    per_person = knowledge_pairs_query(report).subquery()
    difference = per_person.c.after - per_person.c.before
    query = select(func.count(), func.avg(per_person.c.before), func.avg(per_person.c.after), func.sum(difference),
                   func.sum(difference * difference))
    n, before, after, total, squares = db.session.execute(query).one()
    if not n:
        return statistics.knowledge_gain([])
    return statistics.gain_of(float(before), float(after), Moments(n, float(total), float(squares)))


def knowledge_pairs(report: ReportFilter) -> list[tuple[float, float]]:
    """Each person's (mean score before the lessons, mean score after) over the modules they took both ways."""
    return [(float(b), float(a)) for _user, b, a in db.session.execute(knowledge_pairs_query(report))]


def knowledge_pairs_query(report: ReportFilter):
    """Per person: (user id, mean score before the lessons, mean score after) over the modules they took both ways.

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
    return (select(per_module.c.user_id, func.avg(per_module.c.before).label("before"),
                   func.avg(per_module.c.after).label("after"))
            .where(per_module.c.before.is_not(None), per_module.c.after.is_not(None),
                   per_module.c.after_at > per_module.c.before_at)
            .group_by(per_module.c.user_id))
