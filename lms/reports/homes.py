"""Homes for staff: what a trainer's groups need today, and a coordinator's countries at a glance.

Each list comes from one grouped query over all the groups or waves concerned, never one query a row. Counts of
people that the reader could not read by name elsewhere go through lms/disclosure.py as the reports and survey
pages publish them: survey responses per wave (``results.response_counts``, as the survey's results page shows
them) and the participation figures (the dashboard's own tables for a period it shows). Members stuck are
counted exactly: the group's page names each of them, with their progress, to the same reader.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.models import (
    Attendance,
    Course,
    Enrolment,
    GroupMember,
    GroupSession,
    Survey,
    SurveyWave,
    TrainingGroup,
    User,
    Workplace,
)
from lms.permissions import coordinated_scope, managed_groups, seen_waves, visible_workplaces, wave_countries
from lms.reports import cascade, figures
from lms.reports.filters import AgeBand, ReportFilter
from lms.reports.forms import QUARTERS, last_day
from lms.reports.summaries import reading as summary_reading
from lms.reports.tables import Dashboard, dashboard
from lms.surveys import results

#: An in-person or blended group with no session recorded for this many days has one to record.
SESSION_GAP_DAYS = 7
#: A member with no progress (a lesson, a quiz, a presence) for this many days, while the group runs, is stuck.
STUCK_DAYS = 14
#: A group ending within this many days is ending soon; a wave closing within as many days is closing soon.
SOON_DAYS = 14
#: A group stays on its trainer's home this many days after it ended (sessions to record, surveys still open).
LISTED_AFTER_END_DAYS = 30
#: The most rows a list of things to do shows; the page says when there are more.
MOST_SHOWN = 50

IN_ROOMS = ("in-person", "blended")


def current_groups(user: User, today: date):
    """The groups ``user`` manages that run now, start later or ended lately (a query to page through)."""
    return select(TrainingGroup).where(managed_groups(user),
                                       TrainingGroup.ends_on >= today - timedelta(days=LISTED_AFTER_END_DAYS))


@dataclass(frozen=True)
class SessionDue:
    group: TrainingGroup
    #: The day of the last session recorded, None for none yet.
    last_held_on: date | None
    #: The group's last day has passed and it has no session at all.
    ended_without: bool


@dataclass(frozen=True)
class WaveDue:
    wave: SurveyWave
    #: Responses so far, as published (a multiple of 5: 1 to 4 is never shown).
    responses: int
    closing_soon: bool


@dataclass(frozen=True)
class Stuck:
    group: TrainingGroup
    members: int


@dataclass
class Today:
    """What a trainer's groups need: each list at most MOST_SHOWN long, with how many there are in all."""

    sessions: list[SessionDue]
    sessions_total: int
    waves: list[WaveDue]
    waves_total: int
    stuck: list[Stuck]
    stuck_total: int
    ending: list[TrainingGroup]
    ending_total: int

    @property
    def nothing(self) -> bool:
        return not (self.sessions_total or self.waves_total or self.stuck_total or self.ending_total)


def _page(query, order) -> tuple[list, int]:
    """At most MOST_SHOWN rows of ``query`` and how many it has in all (two queries)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(db.session.execute(query.order_by(*order).limit(MOST_SHOWN))) if total else []
    return rows, total


def sessions_due(user: User, today: date) -> tuple[list[SessionDue], int]:
    """In-person and blended groups that ran lately with no session recorded in SESSION_GAP_DAYS, or that
    ended with none at all."""
    last = (select(GroupSession.group_id, func.max(GroupSession.held_on).label("held_on"))
            .group_by(GroupSession.group_id).subquery())
    gap = today - timedelta(days=SESSION_GAP_DAYS)
    running = sa.and_(TrainingGroup.starts_on <= gap, TrainingGroup.ends_on >= gap,
                      sa.or_(last.c.held_on.is_(None), last.c.held_on < gap))
    ended_without = sa.and_(TrainingGroup.ends_on < today, last.c.held_on.is_(None))
    query = (select(TrainingGroup, last.c.held_on).outerjoin(last, last.c.group_id == TrainingGroup.id)
             .where(managed_groups(user), TrainingGroup.mode.in_(IN_ROOMS),
                    TrainingGroup.ends_on >= today - timedelta(days=LISTED_AFTER_END_DAYS),
                    sa.or_(running, ended_without)))
    rows, total = _page(query, (TrainingGroup.ends_on, TrainingGroup.id))
    return [SessionDue(group, held_on, held_on is None and group.ends_on < today) for group, held_on in rows], total


def open_wave(today: date):
    """SQL condition on SurveyWave: open today."""
    return sa.and_(sa.or_(SurveyWave.opens_on.is_(None), SurveyWave.opens_on <= today),
                   sa.or_(SurveyWave.closes_on.is_(None), SurveyWave.closes_on >= today))


def waves_due(waves_query, user: User, today: date) -> tuple[list[WaveDue], int]:
    """The open waves of ``waves_query``, closing first, with their responses as the results page publishes
    them to ``user``."""
    query = waves_query.where(open_wave(today)).options(
        selectinload(SurveyWave.survey).selectinload(Survey.translations),
        selectinload(SurveyWave.group), selectinload(SurveyWave.workplace),
        selectinload(SurveyWave.course).selectinload(Course.translations))
    order = (SurveyWave.closes_on.is_(None), SurveyWave.closes_on, SurveyWave.id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    waves = list(db.session.scalars(query.order_by(*order).limit(MOST_SHOWN))) if total else []
    counts = results.response_counts([w.id for w in waves], wave_countries(user)) if waves else {}
    soon = today + timedelta(days=SOON_DAYS)
    return [WaveDue(w, counts.get(w.id, 0), w.closes_on is not None and w.closes_on <= soon) for w in waves], total


def members_stuck(user: User, today: date) -> tuple[list[Stuck], int]:
    """Groups running for STUCK_DAYS at least, with how many members made no progress in that time: no lesson
    or quiz of the group's course (its enrolment's last activity), no presence at a session, none completed."""
    cutoff_day = today - timedelta(days=STUCK_DAYS)
    cutoff = datetime.combine(cutoff_day, time.min, tzinfo=UTC)
    enrolment = sa.and_(Enrolment.user_id == GroupMember.user_id, Enrolment.course_id == TrainingGroup.course_id)
    progressed = sa.or_(Enrolment.completed_at.is_not(None), Enrolment.last_activity_at >= cutoff)
    present = (select(Attendance.user_id).join(GroupSession, GroupSession.id == Attendance.session_id)
               .where(Attendance.user_id == GroupMember.user_id, GroupSession.group_id == TrainingGroup.id,
                      GroupSession.held_on >= cutoff_day)).exists()
    stuck = func.count(GroupMember.user_id).label("stuck")
    query = (select(TrainingGroup, stuck).join(GroupMember, GroupMember.group_id == TrainingGroup.id)
             .outerjoin(Enrolment, enrolment)
             .where(managed_groups(user), TrainingGroup.starts_on <= cutoff_day, TrainingGroup.ends_on >= today,
                    GroupMember.joined_at < cutoff, sa.or_(Enrolment.id.is_(None), sa.not_(progressed)), ~present)
             .group_by(TrainingGroup.id))
    rows, total = _page(query, (stuck.desc(), TrainingGroup.id))
    return [Stuck(group, n) for group, n in rows], total


def ending_soon(user: User, today: date) -> tuple[list[TrainingGroup], int]:
    query = select(TrainingGroup).where(managed_groups(user), TrainingGroup.ends_on.between(
        today, today + timedelta(days=SOON_DAYS)))
    rows, total = _page(query, (TrainingGroup.ends_on, TrainingGroup.id))
    return [group for (group,) in rows], total


def today_for(user: User, today: date) -> Today:
    """What the groups ``user`` manages need today."""
    group_waves = select(SurveyWave).where(SurveyWave.group_id.in_(
        select(TrainingGroup.id).where(managed_groups(user))))
    return Today(*sessions_due(user, today), *waves_due(group_waves, user, today), *members_stuck(user, today),
                 *ending_soon(user, today))


def last_quarter(today: date) -> tuple[int, str, date, date]:
    """The latest quarter that has ended (the dashboard publishes nothing of a period still open)."""
    current = (today.month - 1) // 3 + 1
    year, quarter = (today.year, current - 1) if current > 1 else (today.year - 1, 4)
    first, last = QUARTERS[str(quarter)]
    return year, str(quarter), date(year, first, 1), last_day(year, last)


@dataclass
class Overview:
    """A coordinator's countries (an admin's: all) at a glance."""

    year: int
    quarter: str
    figures: Dashboard
    waves: list[WaveDue]
    waves_total: int
    groups_running: int
    workplaces: int
    #: When the figures were made: the quarter's summary's time, or now where they were computed.
    made_at: datetime


def overview_for(user: User, today: date, age_bands: tuple[AgeBand, ...]) -> Overview:
    """The dashboard's figures for the last quarter that ended, in the countries ``user`` sees there (as the
    dashboard shows them with no filter), the open waves they see, and their groups and workplaces."""
    year, quarter, start, end = last_quarter(today)
    scope = coordinated_scope(user)
    report = ReportFilter(start=start, end=end, scope=None if scope.everything else scope, age_bands=age_bands)
    data = dashboard(report, figures.participation_cube(report), {}, figures.attendance(report),
                     *cascade.trainers_and_generations(report))
    waves, waves_total = waves_due(select(SurveyWave).where(seen_waves(user)), user, today)
    running = db.session.scalar(select(func.count(TrainingGroup.id)).where(
        managed_groups(user), TrainingGroup.starts_on <= today, TrainingGroup.ends_on >= today)) or 0
    workplaces = db.session.scalar(select(func.count(Workplace.id)).where(visible_workplaces(user))) or 0
    return Overview(year, quarter, data, waves, waves_total, running, workplaces, summary_reading.figures_time(report))
