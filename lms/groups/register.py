"""A group's register as a workbook, for whoever manages the group (``can_manage_group``): what its page shows
them and nothing more. The members with where each is in the course (the page's table), the sessions, and who was
present at each (the attendance the session's sheet shows when edited)."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms import clock
from lms.extensions import db
from lms.files.workbooks import COUNT, DAY, SHARE, TEXT, USER_TEXT, Column, Cover, Section
from lms.groups.services import MemberRow, joined_on
from lms.i18n import country_name, current_language, pick_string, text_direction
from lms.models import Course, GroupMember, GroupSession, TrainingGroup


def day_of(moment: datetime | None) -> date | None:
    return moment.date() if moment is not None else None


def members_section(course: Course, table: list[MemberRow]) -> Section:
    """The group page's table of members: progress, sessions attended of those since joining, best quiz scores."""
    quizzes = [m for m in course.modules if m.has_quiz]
    columns = [Column(_("Member"), USER_TEXT), Column(_("Username"), USER_TEXT), Column(_("Status"), TEXT),
               Column(_("Steps done"), COUNT), Column(_("Steps in the course"), COUNT),
               Column(_("Sessions attended"), COUNT), Column(_("Sessions since joining"), COUNT)]
    for number, _module in enumerate(quizzes, start=1):
        columns += [Column(_("Quiz %(n)d", n=number), SHARE), Column(_("Result"), TEXT)]
    columns.append(Column(_("Completed"), DAY))
    rows = []
    for row in table:
        line = [row.user.display_name, row.user.username, _("suspended") if row.user.suspended_at else "",
                row.progress.done, row.progress.total, row.attended, row.places]
        for module in quizzes:
            best = row.best_scores.get(module.id)
            line += ([None, ""] if best is None else
                     [best.score / 100, _("passed") if best.passed else _("not passed")])
        rows.append([*line, day_of(row.progress.completed_at)])
    return Section("members", _("Members"), _("Where each member is in the course"), columns, rows)


def sessions_section(sessions: list[GroupSession]) -> Section:
    columns = [Column(_("Date"), DAY), Column(_("Topic"), USER_TEXT), Column(_("Present"), COUNT),
               Column(_("Lessons covered"), COUNT)]
    return Section("sessions", _("Sessions"), _("Sessions"), columns,
                   [[s.held_on, s.topic, len(s.attendance), len(s.lessons)] for s in sessions])


def attendance_section(group: TrainingGroup, table: list[MemberRow], sessions: list[GroupSession]) -> Section:
    """One line per member, one column per session: present, absent, or not yet a member (and not present)."""
    joined = {m.user_id: joined_on(m) for m in db.session.scalars(
        select(GroupMember).where(GroupMember.group_id == group.id))}
    present = {(s.id, a.user_id) for s in sessions for a in s.attendance}
    columns = [Column(_("Member"), USER_TEXT), Column(_("Username"), USER_TEXT)] + [
        Column(format_date(s.held_on, "medium"), TEXT) for s in sessions]
    rows = []
    for row in table:
        marks = [_("Present") if (s.id, row.user.id) in present
                 else _("Not yet a member") if s.held_on < joined[row.user.id] else _("Absent") for s in sessions]
        rows.append([row.user.display_name, row.user.username, *marks])
    return Section("attendance", _("Attendance"), _("Attendance at each session"), columns, rows)


def register(group: TrainingGroup, course: Course, table: list[MemberRow]) -> tuple[Cover, list[Section]]:
    """The register's cover (the group, its course, country, dates and trainer) and its three sheets."""
    sessions = list(db.session.scalars(
        select(GroupSession).where(GroupSession.group_id == group.id).order_by(GroupSession.held_on, GroupSession.id)
        .options(selectinload(GroupSession.attendance), selectinload(GroupSession.lessons))))
    language = current_language()
    cover = Cover(_("Register of %(group)s", group=group.name), [
        (_("Course"), [pick_string(course.translations, language, course.source_language, "title")]),
        (_("Country"), [country_name(group.country, language)]),
        (_("Dates"), [group.starts_on, group.ends_on]),
        (_("Trainer"), [group.trainer.display_name]),
    ], clock.utcnow(), right_to_left=text_direction(language) == "rtl")
    return cover, [members_section(course, table), sessions_section(sessions),
                   attendance_section(group, table, sessions)]

