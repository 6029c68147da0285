"""Who is asked which survey wave, and when: invitations come due at enrolment, at the end of a training and
months after, and wait on the member's pages until answered, declined or closed."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import select

from lms import clock
from lms.database.portable import insert_new
from lms.extensions import db
from lms.models import (
    Enrolment,
    GroupMember,
    Survey,
    SurveyInvitation,
    SurveyVersion,
    SurveyWave,
    TrainingGroup,
    User,
)


def due_dates(wave: SurveyWave, today: date, user_id: int | None = None) -> list[tuple[int, date]]:
    """(member, day the wave is due) for every member for whom it is due by ``today``.

    A baseline is asked only of members who have not completed the course yet; an endline or a
    follow-up only when its day is not before the wave was set up (no questions about the past).
    """
    course_id = wave.course_id or (wave.group_id and db.session.get(TrainingGroup, wave.group_id).course_id)
    finished = select(Enrolment.user_id).where(Enrolment.course_id == course_id, Enrolment.completed_at.is_not(None))
    due = [(uid, day) for uid, day in _due_days(wave, user_id) if day <= today]
    if wave.kind == "baseline":
        done = set(db.session.scalars(finished))
        return [(uid, day) for uid, day in due if uid not in done]
    created = wave.created_at.date()
    return [(uid, day) for uid, day in due if day >= created]


def _due_days(wave: SurveyWave, user_id: int | None) -> list[tuple[int, date]]:
    if wave.course_id is not None:
        enrolments = select(Enrolment.user_id, Enrolment.enrolled_at, Enrolment.completed_at).where(
            Enrolment.course_id == wave.course_id)
        if user_id is not None:
            enrolments = enrolments.where(Enrolment.user_id == user_id)
        rows = db.session.execute(enrolments).all()
        if wave.kind == "baseline":
            due = [(uid, enrolled.date()) for uid, enrolled, _done in rows]
        else:
            extra = timedelta(days=wave.days_after or 0)
            ends = training_ends(wave.course_id, user_id)
            due = []
            for uid, _enrolled, done in rows:
                ended = [day for day in (done.date() if done else None, ends.get(uid)) if day is not None]
                if ended:
                    due.append((uid, min(ended) + extra))
    elif wave.group_id is not None:
        group = db.session.get(TrainingGroup, wave.group_id)
        members = select(GroupMember.user_id, GroupMember.joined_at).where(GroupMember.group_id == group.id)
        if user_id is not None:
            members = members.where(GroupMember.user_id == user_id)
        rows = db.session.execute(members).all()
        if wave.kind == "baseline":
            due = [(uid, joined.date()) for uid, joined in rows]
        elif wave.kind == "endline":
            completed = dict(db.session.execute(select(Enrolment.user_id, Enrolment.completed_at).where(
                Enrolment.course_id == group.course_id, Enrolment.completed_at.is_not(None))).all())
            due = [(uid, min(group.ends_on, completed[uid].date()) if uid in completed else group.ends_on)
                   for uid, _joined in rows]
        else:
            due = [(uid, group.ends_on + timedelta(days=wave.days_after)) for uid, _joined in rows]
    else:
        return []  # workplace rounds are collected by union teams, not asked of members
    return due


def training_ends(course_id: int, user_id: int | None = None) -> dict[int, date]:
    """The last day of each member's training group of the course (the earliest, in several).

    A course's endline and follow-ups are due at the end of a member's training: the day she completes the
    course, or her group's last day if that comes first (in-person members may never complete it online).
    """
    query = (select(GroupMember.user_id, sa.func.min(TrainingGroup.ends_on)).join(TrainingGroup)
             .where(TrainingGroup.course_id == course_id).group_by(GroupMember.user_id))
    if user_id is not None:
        query = query.where(GroupMember.user_id == user_id)
    return dict(db.session.execute(query).all())


def sync_invitations(today: date, user_id: int | None = None) -> int:
    """Invite members to every wave that has come due; safe to run again or twice at once."""
    query = (select(SurveyWave).join(Survey).where(SurveyWave.workplace_id.is_(None))
             .where(Survey.versions.any(SurveyVersion.published_at.is_not(None)))
             .where(sa.or_(SurveyWave.closes_on.is_(None), SurveyWave.closes_on >= today)))
    if user_id is not None:  # only the waves of this member's courses and groups
        query = query.where(sa.or_(
            SurveyWave.course_id.in_(select(Enrolment.course_id).where(Enrolment.user_id == user_id)),
            SurveyWave.group_id.in_(select(GroupMember.group_id).where(GroupMember.user_id == user_id))))
    waves = db.session.scalars(query)
    created = 0
    erased = set(db.session.scalars(select(User.id).where(User.erased_at.is_not(None))))  # never asked again
    for wave in waves:
        withdrawn = set(db.session.scalars(
            select(SurveyInvitation.user_id).join(SurveyWave)
            .where(SurveyWave.survey_id == wave.survey_id, SurveyInvitation.consent == "withdrawn")))
        rows = [{"wave_id": wave.id, "user_id": uid, "due_on": day, "answered": False, "reminders_sent": 0}
                for uid, day in due_dates(wave, today, user_id) if uid not in withdrawn and uid not in erased]
        if rows:
            created += insert_missing_invitations(rows)
    return created


def insert_missing_invitations(rows: list[dict]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING: how many invitations were new."""
    rows = [{**row, "created_at": clock.utcnow()} for row in rows]
    return len(insert_new(SurveyInvitation, rows, ["wave_id", "user_id"]))


def waiting_for(user_id: int, today: date) -> list[SurveyInvitation]:
    """Waves the member has not answered nor declined, oldest first."""
    return list(db.session.scalars(
        select(SurveyInvitation).join(SurveyWave)
        .where(SurveyInvitation.user_id == user_id, SurveyInvitation.answered.is_(False),
               sa.or_(SurveyInvitation.consent.is_(None), SurveyInvitation.consent == "given"),
               SurveyInvitation.due_on <= today,
               sa.or_(SurveyWave.closes_on.is_(None), SurveyWave.closes_on >= today))
        .order_by(SurveyInvitation.due_on, SurveyInvitation.id)))


def baseline_waiting(user_id: int, course) -> SurveyInvitation | None:
    """A baseline of this course (or of a group taking it) that the member has not answered nor declined."""
    for invitation in waiting_for(user_id, clock.today()):
        wave = invitation.wave
        if invitation.consent is None and wave.kind == "baseline" and (
                wave.course_id == course.id
                or (wave.group_id is not None and db.session.get(TrainingGroup, wave.group_id).course_id == course.id)):
            return invitation
    return None


def invitations_of(user_id: int) -> list[SurveyInvitation]:
    return list(db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.user_id == user_id)
                                   .order_by(SurveyInvitation.due_on.desc(), SurveyInvitation.id.desc())))
