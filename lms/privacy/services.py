"""Members' rights: consent, a copy of their data, erasure and the retention of idle accounts.

Erasure keeps the account's row as a tombstone (a random name, nothing else that points to a person,
unable to sign in), so that every reference to it stays valid on SQLite and PostgreSQL alike: courses,
lessons, images and surveys a trainer wrote, and groups they ran, keep pointing at it. What is kept is
what the programme's statistics need, in pseudonymous form: enrolments, lessons done, quiz scores,
group membership and attendance, pseudonymous survey answers, and the country and gender of the
account (reports never show fewer than 5 people). Everything that names or contacts the person, or
that could single them out, is deleted or cleared; see ``erase_account``.
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import select

from lms import signals
from lms.extensions import db
from lms.models import (
    CONSENT_VERSIONS,
    Attendance,
    Certificate,
    Consent,
    CoordinatorCountry,
    CoordinatorOrganisation,
    CourseEditor,
    Enrolment,
    GroupMember,
    GroupSession,
    LessonCompletion,
    Organisation,
    QuizAttempt,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SyncedOperation,
    TrainingGroup,
    User,
    utcnow,
)

#: Stored instead of a password hash: no password ever matches it.
UNUSABLE_PASSWORD = "!erased"  # a marker that no argon2 hash can equal  # nosec B105
TOMBSTONE_PREFIX = "erased-"


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes: they are UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# Consent ---------------------------------------------------------------------------------------

def current_consent(user_id: int, purpose: str) -> Consent | None:
    """The consent in force for ``purpose``: given to the current wording and not withdrawn."""
    return db.session.scalar(select(Consent).where(
        Consent.user_id == user_id, Consent.purpose == purpose, Consent.version == CONSENT_VERSIONS[purpose],
        Consent.withdrawn_at.is_(None)).order_by(Consent.id.desc()).limit(1))


def missing_consents(user_id: int) -> list[str]:
    """Purposes the member has not (or no longer) agreed to in their current wording."""
    given = set(db.session.scalars(select(Consent.purpose).where(
        Consent.user_id == user_id, Consent.withdrawn_at.is_(None),
        sa.tuple_(Consent.purpose, Consent.version).in_(list(CONSENT_VERSIONS.items())))))
    return [purpose for purpose in CONSENT_VERSIONS if purpose not in given]


def give_consent(user: User, purpose: str, now: datetime | None = None) -> Consent:
    """Record that ``user`` agreed to ``purpose`` in its current wording (flushed)."""
    existing = current_consent(user.id, purpose)
    if existing is not None:
        return existing
    consent = Consent(user_id=user.id, purpose=purpose, version=CONSENT_VERSIONS[purpose], given_at=now or utcnow())
    db.session.add(consent)
    db.session.flush()
    return consent


def withdraw_consent(user: User, purpose: str, now: datetime | None = None) -> int:
    """End every consent of ``user`` to ``purpose``; the rows stay, with the time it ended."""
    result = db.session.execute(
        sa.update(Consent).where(Consent.user_id == user.id, Consent.purpose == purpose,
                                 Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now or utcnow()).execution_options(synchronize_session=False))
    db.session.flush()
    return result.rowcount


def consents_of(user_id: int) -> list[Consent]:
    return list(db.session.scalars(select(Consent).where(Consent.user_id == user_id)
                                   .order_by(Consent.given_at.desc(), Consent.id.desc())))


# Activity --------------------------------------------------------------------------------------

def start_of_day(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date(), time.min, tzinfo=UTC)


def needs_activity_note(user: User, now: datetime) -> bool:
    last = as_utc(user.last_active_at)
    return last is None or last < start_of_day(now)


def note_activity(user_id: int, now: datetime | None = None) -> bool:
    """Set the last activity to ``now`` unless already set today; one UPDATE, True if it wrote."""
    now = now or utcnow()
    result = db.session.execute(
        sa.update(User).where(User.id == user_id, sa.or_(User.last_active_at.is_(None),
                                                         User.last_active_at < start_of_day(now)))
        .values(last_active_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


# A copy of one's data -----------------------------------------------------------------------------

def _when(moment) -> str | None:
    if moment is None:
        return None
    return as_utc(moment).isoformat() if isinstance(moment, datetime) else moment.isoformat()


def export_data(user: User, anonymous_note: str) -> dict:
    """Everything the portal holds about ``user``, and nothing about anyone else.

    ``anonymous_note`` (translated by the caller) says why answers to anonymous surveys are not in it.
    """
    from lms.surveys.answering import pseudonym_for, waiting_answers_of

    organisation = db.session.get(Organisation, user.organisation_id) if user.organisation_id else None
    account = {
        "username": user.username, "display_name": user.display_name, "email": user.email, "phone": user.phone,
        "country": user.country, "gender": user.gender, "birth_year": user.birth_year, "locale": user.locale,
        "role": user.role,
        "organisation": {"name": organisation.name, "acronym": organisation.acronym} if organisation else None,
        "coordinated_countries": user.country_scope,
        "created_at": _when(user.created_at), "last_active_at": _when(user.last_active_at),
    }
    consents = [{"purpose": c.purpose, "version": c.version, "given_at": _when(c.given_at),
                 "withdrawn_at": _when(c.withdrawn_at)} for c in consents_of(user.id)]
    enrolments = [{"course": e.course.slug, "enrolled_at": _when(e.enrolled_at), "completed_at": _when(e.completed_at),
                   "last_activity_at": _when(e.last_activity_at)}
                  for e in db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)
                                              .order_by(Enrolment.enrolled_at, Enrolment.id))]
    lessons = [{"course": c.lesson.course.slug, "lesson": c.lesson.slug, "completed_at": _when(c.completed_at)}
               for c in db.session.scalars(select(LessonCompletion).where(LessonCompletion.user_id == user.id)
                                           .order_by(LessonCompletion.completed_at))]
    attempts = [{"course": a.module.course.slug, "module": a.module.slug, "score": a.score, "passed": a.passed,
                 "before_lessons": a.before_lessons, "entered_from_paper": a.entered_by_id is not None,
                 "answers": a.answers, "submitted_at": _when(a.submitted_at)}
                for a in db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)
                                            .order_by(QuizAttempt.submitted_at, QuizAttempt.id))]
    groups = []
    for member in db.session.scalars(select(GroupMember).where(GroupMember.user_id == user.id)
                                     .order_by(GroupMember.joined_at)):
        group = member.group
        attended = db.session.execute(
            select(GroupSession.held_on, GroupSession.topic).join(Attendance, Attendance.session_id == GroupSession.id)
            .where(GroupSession.group_id == group.id, Attendance.user_id == user.id)
            .order_by(GroupSession.held_on)).all()
        groups.append({"name": group.name, "course": group.course.slug, "country": group.country,
                       "place": group.place, "starts_on": _when(group.starts_on), "ends_on": _when(group.ends_on),
                       "joined_at": _when(member.joined_at),
                       "sessions_attended": [{"held_on": _when(day), "topic": topic} for day, topic in attended]})
    trained = [{"name": g.name, "course": g.course.slug, "starts_on": _when(g.starts_on)}
               for g in db.session.scalars(select(TrainingGroup).where(TrainingGroup.trainer_id == user.id)
                                           .order_by(TrainingGroup.starts_on))]
    certificates = [{"course": c.course.slug, "name": c.name, "code": c.code, "completed_at": _when(c.completed_at)}
                    for c in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id))]
    invitations = [{"survey": i.wave.survey.code, "wave": i.wave.kind, "due_on": _when(i.due_on),
                    "consent": i.consent, "answered": i.answered}
                   for i in db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.user_id == user.id)
                                               .order_by(SurveyInvitation.due_on, SurveyInvitation.id))]
    mine = [SurveyResponse.user_id == user.id]
    for survey in db.session.scalars(select(Survey).where(Survey.privacy == "pseudonymous")):
        mine.append(sa.and_(SurveyResponse.pseudonym == pseudonym_for(survey, user.id),
                            SurveyResponse.wave_id.in_([w.id for w in survey.waves])))
    responses = []
    for response in db.session.scalars(select(SurveyResponse).where(sa.or_(*mine))
                                       .order_by(SurveyResponse.submitted_on)):
        survey = response.wave.survey
        version = next(v for v in survey.versions if v.id == response.version_id)
        codes = {q.id: q.code for q in version.questions}
        responses.append({"survey": survey.code, "privacy": survey.privacy, "wave": response.wave.kind,
                          "submitted_on": _when(response.submitted_on), "language": response.language,
                          "country": response.country,
                          "answers": {codes.get(a.question_id, str(a.question_id)): a.value
                                      for a in response.answers}, "published": True})
    responses.extend(waiting_answers_of(user))  # not published yet: they wait for their batch
    return {
        "exported_at": _when(utcnow()),
        "account": account,
        "consents": consents,
        "enrolments": enrolments,
        "lessons_done": lessons,
        "quiz_attempts": attempts,
        "groups": groups,
        "groups_trained": trained,
        "certificates": certificates,
        "survey_invitations": invitations,
        "survey_responses": responses,
        "anonymous_survey_answers": anonymous_note,
    }


# Erasure ---------------------------------------------------------------------------------------

class AlreadyErased(Exception):
    """Another request or scheduler erased the account first."""


def erase_account(user: User, now: datetime | None = None, by: User | None = None) -> str:
    """Erase ``user``'s personal data and keep only pseudonymous learning records; returns the tombstone name.

    SQLite does not enforce foreign keys here, so nothing is left to ON DELETE: every row removed is
    deleted by name, and the account's own row stays (as a tombstone) so that references to it hold.
    The account is claimed first (``erased_at`` set where it was empty), so that two runs erase it once.
    """
    now = now or utcnow()
    tombstone = f"{TOMBSTONE_PREFIX}{secrets.token_hex(8)}"
    uid = user.id
    claimed = db.session.execute(sa.update(User).where(User.id == uid, User.erased_at.is_(None))
                                 .values(erased_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise AlreadyErased(uid)
    # Whatever names, contacts or singles the person out.
    for model in (Certificate, SyncedOperation, SurveyInvitation, CourseEditor, CoordinatorCountry,
                  CoordinatorOrganisation):
        db.session.execute(sa.delete(model).where(model.user_id == uid).execution_options(synchronize_session=False))
    # Identified survey answers lose their author: they still count, but as nobody's.
    db.session.execute(sa.update(SurveyResponse).where(SurveyResponse.user_id == uid).values(user_id=None)
                       .execution_options(synchronize_session=False))
    # Scores stay for the statistics; which choices were ticked is not needed for them.
    db.session.execute(sa.update(QuizAttempt).where(QuizAttempt.user_id == uid).values(answers={})
                       .execution_options(synchronize_session=False))
    # Consents stay as proof of what was agreed, to what wording and until when: dates, no person.
    db.session.execute(sa.update(Consent).where(Consent.user_id == uid, Consent.withdrawn_at.is_(None))
                       .values(withdrawn_at=now).execution_options(synchronize_session=False))
    user.username = user.display_name = tombstone
    user.email = user.phone = user.locale = user.birth_year = user.organisation_id = None
    user.password_hash = UNUSABLE_PASSWORD
    user.must_change_password = False
    user.last_active_at = None
    user.erased_at = now
    db.session.flush()
    signals.account_erased.send(user, by=by)
    db.session.expire_all()
    return tombstone


def inactive_accounts(now: datetime, days: int) -> list[User]:
    """Accounts not used for more than ``days`` days, not yet erased; administrators never."""
    if days <= 0:
        return []
    cutoff = now - timedelta(days=days)
    return list(db.session.scalars(select(User).where(
        User.erased_at.is_(None), User.role != "admin",
        sa.func.coalesce(User.last_active_at, User.created_at) < cutoff).order_by(User.id)))


def purge_inactive(now: datetime, days: int, dry_run: bool = False) -> list[int]:
    """Erase every account idle beyond ``days``; the ids erased (or that would be, with ``dry_run``)."""
    from lms import audit

    accounts = inactive_accounts(now, days)
    ids = [user.id for user in accounts]
    if dry_run or not ids:
        return ids
    ids = []
    for user in accounts:
        try:
            erase_account(user, now)
        except AlreadyErased:  # another scheduler was first
            continue
        ids.append(user.id)
    if ids:
            audit.record("erase inactive accounts", {"accounts": len(ids), "user_ids": ids, "inactive_days": days})
    return ids
