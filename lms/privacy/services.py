"""Members' rights: consent, a copy of their data, erasure and the retention of idle accounts.

Erasure keeps the account's row as a tombstone (a random name, nothing else that points to a person,
unable to sign in), so that every reference to it stays valid on SQLite and PostgreSQL alike: courses,
lessons, images and surveys a trainer wrote, and groups they ran, keep pointing at it. What is kept is
what the programme's statistics need, in pseudonymous form: enrolments, lessons done, quiz scores,
group membership and attendance, the trainer promotion that counts a new trainer, and the country and
gender of the account (reports never show fewer than 5 people); the year of birth and union are cleared
from the account and from its whole attribute history (figures by age band and union then move by one:
docs/reports.md). Identified and pseudonymous survey answers go, as a withdrawal's. Everything that
names or contacts the person, or that could single them out, is deleted or cleared: no
pseudonym, actor name, time of day, role history, audit name or free text left connects what is kept
to the person; see ``erase_account``.
"""
from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import select

from lms import clock, signals
from lms.extensions import db
from lms.models import (
    CONSENT_VERSIONS,
    Attendance,
    AuditEntry,
    Certificate,
    Consent,
    ContactPreference,
    CoordinatorCountry,
    CoordinatorOrganisation,
    Course,
    CourseEditor,
    CourseTranslation,
    Enrolment,
    GroupMember,
    GroupMessage,
    GroupMessageDraft,
    GroupMessageRecipient,
    GroupSession,
    Image,
    LessonCompletion,
    LessonTranslation,
    LessonVersion,
    ModuleTranslation,
    Organisation,
    PersonAttributes,
    QuizAttempt,
    SmsCode,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyWave,
    SyncedOperation,
    TextMessage,
    TrainerPromotion,
    TrainingGroup,
    User,
    UserSession,
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
    consent = Consent(user_id=user.id, purpose=purpose, version=CONSENT_VERSIONS[purpose],
                      given_at=now or clock.utcnow())
    db.session.add(consent)
    db.session.flush()
    return consent


def withdraw_consent(user: User, purpose: str, now: datetime | None = None) -> int:
    """End every consent of ``user`` to ``purpose``; the rows stay, with the time it ended."""
    result = db.session.execute(
        sa.update(Consent).where(Consent.user_id == user.id, Consent.purpose == purpose,
                                 Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now or clock.utcnow()).execution_options(synchronize_session=False))
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
    now = now or clock.utcnow()
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

    Every table that refers to an account has its section here (``tests/privacy`` checks it against the
    schema). Where a row names someone else as well (who entered a paper score, who made the member a
    trainer), that person is given by their role only. ``anonymous_note`` (translated by the caller) says why
    answers to anonymous surveys are not in it.
    """
    return {
        "exported_at": _when(clock.utcnow()),
        "account": _account(user),
        "consents": [{"purpose": c.purpose, "version": c.version, "given_at": _when(c.given_at),
                      "withdrawn_at": _when(c.withdrawn_at)} for c in consents_of(user.id)],
        **_learning(user),
        **_groups(user),
        **_surveys(user),
        **_staff_work(user),
        **_messages(user),
        "anonymous_survey_answers": anonymous_note,
    }


def _rows(model, *where, order=()):
    return list(db.session.scalars(select(model).where(*where).order_by(*order)))


def _role_of(user_id: int | None) -> str | None:
    """Someone else named in the member's data, by their role only ("trainer", "coordinator", "admin")."""
    other = db.session.get(User, user_id) if user_id is not None else None
    return other.role if other is not None else None


def _organisation(organisation_id: int | None) -> dict | None:
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    return {"name": organisation.name, "acronym": organisation.acronym} if organisation else None


def _account(user: User) -> dict:
    coordinated = [db.session.get(Organisation, c.organisation_id) for c in user.coordinated_organisations]
    return {
        "username": user.username, "display_name": user.display_name, "email": user.email, "phone": user.phone,
        "country": user.country, "gender": user.gender, "birth_year": user.birth_year, "locale": user.locale,
        "role": user.role,
        "organisation": _organisation(user.organisation_id),
        "coordinated_countries": user.country_scope,
        "coordinated_organisations": [{"name": o.name, "acronym": o.acronym} for o in coordinated],
        # What published figures count her as, from which day (lms/models/users.py, PersonAttributes).
        "counted_as": [{"from": _when(a.counts_from), "country": a.country, "gender": a.gender,
                        "birth_year": a.birth_year, "organisation": _organisation(a.organisation_id)}
                       for a in _rows(PersonAttributes, PersonAttributes.user_id == user.id,
                                      order=(PersonAttributes.counts_from,))],
        "created_at": _when(user.created_at), "last_active_at": _when(user.last_active_at),
        "phone_confirmed_at": _when(user.phone_confirmed_at), "sms_stopped_at": _when(user.sms_stopped_at),
        # How she chose to be reached about each topic, and the codes sent to her by SMS (never the code itself).
        "reached_by": [{"topic": p.topic, "channel": p.channel, "chosen_at": _when(p.updated_at)}
                       for p in _rows(ContactPreference, ContactPreference.user_id == user.id,
                                      order=(ContactPreference.topic,))],
        "codes_by_sms": [{"purpose": c.purpose, "sent_at": _when(c.created_at), "expires_at": _when(c.expires_at),
                          "tries": c.attempts, "used_at": _when(c.used_at)}
                         for c in _rows(SmsCode, SmsCode.user_id == user.id, order=(SmsCode.created_at,))],
        "sessions": [{"browser": s.browser, "system": s.system, "signed_in_at": _when(s.created_at),
                      "last_seen_at": _when(s.last_seen_at), "kept_signed_in": s.remembered,
                      "ends_at": _when(s.expires_at)}
                     for s in _rows(UserSession, UserSession.user_id == user.id, order=(UserSession.created_at,))],
    }


def _messages(user: User) -> dict:
    """Every SMS sent to her (a code's text is blanked once it has gone)."""
    return {
        "text_messages": [{"kind": m.kind, "phone": m.phone, "text": m.text, "status": m.status,
                           "queued_at": _when(m.created_at), "sent_at": _when(m.sent_at),
                           "finished_at": _when(m.finished_at)}
                          for m in _rows(TextMessage, TextMessage.user_id == user.id, order=(TextMessage.id,))],
    }


def _learning(user: User) -> dict:
    """Courses, lessons, quizzes, certificates, and what the member's phone sent after working offline."""
    uid = user.id
    return {
        "enrolments": [{"course": e.course.slug, "enrolled_at": _when(e.enrolled_at),
                        "completed_at": _when(e.completed_at), "last_activity_at": _when(e.last_activity_at)}
                       for e in _rows(Enrolment, Enrolment.user_id == uid,
                                      order=(Enrolment.enrolled_at, Enrolment.id))],
        "lessons_done": [{"course": c.lesson.course.slug, "lesson": c.lesson.slug,
                          "completed_at": _when(c.completed_at)}
                         for c in _rows(LessonCompletion, LessonCompletion.user_id == uid,
                                        order=(LessonCompletion.completed_at,))],
        "quiz_attempts": [{"course": a.module.course.slug, "module": a.module.slug, "score": a.score,
                           "passed": a.passed, "before_lessons": a.before_lessons,
                           "entered_from_paper": a.entered_by_id is not None, "entered_by": _role_of(a.entered_by_id),
                           "answers": a.answers, "submitted_at": _when(a.submitted_at)}
                          for a in _rows(QuizAttempt, QuizAttempt.user_id == uid,
                                         order=(QuizAttempt.submitted_at, QuizAttempt.id))],
        "certificates": [{"course": c.course.slug, "name": c.name, "code": c.code,
                          "completed_at": _when(c.completed_at)}
                         for c in _rows(Certificate, Certificate.user_id == uid)],
        "offline_sync": [{"kind": o.kind, "done_at": _when(o.done_at), "received_at": _when(o.received_at)}
                         for o in _rows(SyncedOperation, SyncedOperation.user_id == uid,
                                        order=(SyncedOperation.done_at,))],
    }


def _groups(user: User) -> dict:
    """The groups the member joined (and the sessions attended), ran, and became a trainer in."""
    uid = user.id
    groups = []
    for member in _rows(GroupMember, GroupMember.user_id == uid, order=(GroupMember.joined_at, GroupMember.group_id)):
        group = member.group
        attended = db.session.execute(
            select(GroupSession.held_on, GroupSession.topic).join(Attendance, Attendance.session_id == GroupSession.id)
            .where(GroupSession.group_id == group.id, Attendance.user_id == uid)
            .order_by(GroupSession.held_on)).all()
        groups.append({"name": group.name, "course": group.course.slug, "country": group.country,
                       "place": group.place, "starts_on": _when(group.starts_on), "ends_on": _when(group.ends_on),
                       "joined_at": _when(member.joined_at),
                       "sessions_attended": [{"held_on": _when(day), "topic": topic} for day, topic in attended]})

    def promotion(p: TrainerPromotion) -> dict:
        group = db.session.get(TrainingGroup, p.group_id)
        return {"group": group.name, "course": group.course.slug, "promoted_at": _when(p.promoted_at)}

    return {
        "groups": groups,
        "groups_trained": [{"name": g.name, "course": g.course.slug, "starts_on": _when(g.starts_on)}
                           for g in _rows(TrainingGroup, TrainingGroup.trainer_id == uid,
                                          order=(TrainingGroup.starts_on,))],
        "promotions_received": [{**promotion(p), "promoted_by": _role_of(p.promoted_by_id),
                                 "revoked_at": _when(p.revoked_at)}
                                for p in _rows(TrainerPromotion, TrainerPromotion.user_id == uid)],
        # Whom they made trainers is those people's data: the group and the day only.
        "promotions_given": [promotion(p) for p in _rows(TrainerPromotion, TrainerPromotion.promoted_by_id == uid,
                                                         order=(TrainerPromotion.promoted_at,))],
        # Their own words to a group; whom each reached is the members' data.
        "group_messages_sent": [{"group": m.group.name, "audience": m.audience, "text": m.text,
                                 "sent_at": _when(m.created_at)}
                                for m in _rows(GroupMessage, GroupMessage.sender_id == uid,
                                               order=(GroupMessage.created_at, GroupMessage.id))],
        "group_message_drafts": [{"group": d.group.name, "audience": d.audience, "text": d.text,
                                  "written_at": _when(d.created_at)}
                                 for d in _rows(GroupMessageDraft, GroupMessageDraft.sender_id == uid,
                                                order=(GroupMessageDraft.created_at,))],
        # The group messages that were for them, and how each reached them ("none": on the group's page only).
        "group_messages_received": [
            {"group": m.group.name, "text": m.text, "sent_at": _when(m.created_at), "channel": channel,
             "sent_by": _role_of(m.sender_id)}
            for m, channel in db.session.execute(
                select(GroupMessage, GroupMessageRecipient.channel)
                .join(GroupMessageRecipient, GroupMessageRecipient.group_message_id == GroupMessage.id)
                .where(GroupMessageRecipient.user_id == uid).order_by(GroupMessage.created_at, GroupMessage.id))],
    }


def _surveys(user: User) -> dict:
    """Invitations, and the identified and pseudonymous answers (anonymous ones cannot be found)."""
    from lms.surveys.answering import pseudonym_for, waiting_answers_of
    from lms.surveys.withdrawal import pending_of

    uid = user.id
    mine = [SurveyResponse.user_id == uid]
    for survey in db.session.scalars(select(Survey).where(Survey.privacy == "pseudonymous")):
        mine.append(sa.and_(SurveyResponse.pseudonym == pseudonym_for(survey, uid),
                            SurveyResponse.wave_id.in_([w.id for w in survey.waves])))
    withdrawn = pending_of(user)  # survey -> the day her published responses go
    responses = []
    for response in _rows(SurveyResponse, sa.or_(*mine), order=(SurveyResponse.submitted_on,)):
        survey = response.wave.survey
        version = next(v for v in survey.versions if v.id == response.version_id)
        codes = {q.id: q.code for q in version.questions}
        responses.append({"survey": survey.code, "privacy": survey.privacy, "wave": response.wave.kind,
                          "submitted_on": _when(response.submitted_on), "language": response.language,
                          "country": response.country,
                          "answers": {codes.get(a.question_id, str(a.question_id)): a.value
                                      for a in response.answers}, "published": True,
                          # Withdrawn: still counted in the results until deleted on that day (the next checkpoint).
                          "withdrawn_deleted_on": _when(withdrawn.get(survey.id))})
    # Not published yet: they wait for their batch (a withdrawal deletes hers at once).
    responses.extend({**answer, "withdrawn_deleted_on": None} for answer in waiting_answers_of(user))
    return {
        "survey_invitations": [{"survey": i.wave.survey.code, "wave": i.wave.kind, "due_on": _when(i.due_on),
                                "consent": i.consent, "answered": i.answered}
                               for i in _rows(SurveyInvitation, SurveyInvitation.user_id == uid,
                                              order=(SurveyInvitation.due_on, SurveyInvitation.id))],
        "survey_responses": responses,
    }


def _staff_work(user: User) -> dict:
    """What the member did as a trainer, coordinator or administrator, where their account is recorded."""
    uid = user.id
    translations = [*_rows(LessonTranslation, sa.or_(LessonTranslation.edited_by_id == uid,
                                                     LessonTranslation.reviewed_by_id == uid)),
                    *_rows(ModuleTranslation, sa.or_(ModuleTranslation.edited_by_id == uid,
                                                     ModuleTranslation.reviewed_by_id == uid)),
                    *_rows(CourseTranslation, sa.or_(CourseTranslation.edited_by_id == uid,
                                                     CourseTranslation.reviewed_by_id == uid))]

    def translation(t: LessonTranslation | ModuleTranslation | CourseTranslation) -> dict:
        """Which text: a lesson, a module's title and quiz texts, or the course page, in which language."""
        if isinstance(t, LessonTranslation):
            return {"course": t.lesson.course.slug, "lesson": t.lesson.slug, "language": t.language}
        if isinstance(t, ModuleTranslation):
            return {"course": t.module.course.slug, "module": t.module.slug, "language": t.language}
        return {"course": t.course.slug, "course_page": True, "language": t.language}

    return {
        "courses_edited": [{"course": db.session.get(Course, e.course_id).slug, "role": e.role}
                           for e in _rows(CourseEditor, CourseEditor.user_id == uid)],
        "lesson_versions_written": [{"course": v.lesson.course.slug, "lesson": v.lesson.slug, "language": v.language,
                                     "version": v.number, "saved_at": _when(v.created_at)}
                                    for v in _rows(LessonVersion, LessonVersion.author_id == uid,
                                                   order=(LessonVersion.created_at, LessonVersion.id))],
        "translations_written": [translation(t) for t in translations if t.edited_by_id == uid],
        "translations_reviewed": [translation(t) for t in translations if t.reviewed_by_id == uid],
        "images_uploaded": [{"course": db.session.get(Course, i.course_id).slug, "name": i.name,
                             "uploaded_at": _when(i.created_at)}
                            for i in _rows(Image, Image.uploaded_by_id == uid, order=(Image.created_at,))],
        # The scores are other members' data: which quiz, and the day, only.
        "paper_scores_entered": [{"course": a.module.course.slug, "module": a.module.slug,
                                  "entered_on": _when(as_utc(a.submitted_at).date())}
                                 for a in _rows(QuizAttempt, QuizAttempt.entered_by_id == uid,
                                                order=(QuizAttempt.submitted_at, QuizAttempt.id))],
        "surveys_created": [{"survey": s.code, "created_at": _when(s.created_at)}
                            for s in _rows(Survey, Survey.created_by_id == uid, order=(Survey.code,))],
        # Her own actions, and what was done to her account by others (failed sign-ins, staff), by their role.
        "audit_log_entries": [{"action": e.action, "at": _when(e.at), "details": e.details,
                               "by": "you" if e.user_id == uid else _role_of(e.user_id)}
                              for e in _rows(AuditEntry, sa.or_(AuditEntry.user_id == uid,
                                                                AuditEntry.details["account"].as_integer() == uid),
                                             order=(AuditEntry.at, AuditEntry.id))],
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
    now = now or clock.utcnow()
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
    forget_survey_answers(uid, now.date())
    # Scores stay for the statistics; which choices were ticked is not needed for them.
    db.session.execute(sa.update(QuizAttempt).where(QuizAttempt.user_id == uid).values(answers={})
                       .execution_options(synchronize_session=False))
    # Consents stay as proof of what was agreed, to what wording and until when: dates, no person.
    db.session.execute(sa.update(Consent).where(Consent.user_id == uid, Consent.withdrawn_at.is_(None))
                       .values(withdrawn_at=now).execution_options(synchronize_session=False))
    # Role history: a promotion still counts a new trainer (reports), but not by whom nor at what time.
    db.session.execute(sa.update(TrainerPromotion).where(TrainerPromotion.promoted_by_id == uid)
                       .values(promoted_by_id=None).execution_options(synchronize_session=False))
    db.session.execute(sa.update(TrainerPromotion).where(TrainerPromotion.user_id == uid)
                       .values(promoted_by_id=None).execution_options(synchronize_session=False))
    # Times of day could be matched with a log line or another record: what is kept keeps its day only.
    for model, columns, whose in (
            (GroupMember, ["joined_at"], GroupMember.user_id == uid),
            (Enrolment, ["enrolled_at", "completed_at", "last_activity_at"], Enrolment.user_id == uid),
            (LessonCompletion, ["completed_at"], LessonCompletion.user_id == uid),
            (QuizAttempt, ["submitted_at"], QuizAttempt.user_id == uid),
            (TrainerPromotion, ["promoted_at", "revoked_at"], TrainerPromotion.user_id == uid),
            (Consent, ["given_at", "withdrawn_at"], Consent.user_id == uid)):
        cut_to_the_day(model, columns, whose)
    # The audit log keeps what was done and when, under the tombstone's name instead of the person's; the
    # account's own events (when it signed in, failed to, changed its password or contacts) served only
    # while there was an account to protect, and go.
    forget_account_events(uid)
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.user_id == uid).values(actor=tombstone)
                       .execution_options(synchronize_session=False))
    user.username = user.display_name = tombstone
    user.email = user.phone = user.locale = user.birth_year = user.organisation_id = None
    user.password_hash = UNUSABLE_PASSWORD
    user.must_change_password = False
    user.last_active_at = user.suspended_at = None  # a tombstone cannot sign in anyway; when it was suspended goes
    user.created_at = start_of_day(as_utc(user.created_at))
    user.erased_at = start_of_day(now)
    db.session.flush()
    # The year of birth and the union go from the periods already published too: with the pseudonymous records
    # kept they would single the person out. Those figures then move by one person (docs/reports.md says what
    # that gives away); the country and the gender are kept, so figures by them do not move.
    db.session.execute(sa.update(PersonAttributes).where(PersonAttributes.user_id == uid)
                       .values(birth_year=None, organisation_id=None).execution_options(synchronize_session=False))
    signals.account_erased.send(user, by=by)
    forget_account_in_staff_events(uid)
    db.session.expire_all()
    return tombstone


#: Audit entries about an account's own use of it (lms/auth/audit_trail.py), deleted when it is erased.
OWN_ACCOUNT_EVENTS = ("sign in", "sign in failed", "change password", "change contact")


def forget_account_events(uid: int) -> int:
    """Delete the audit entries of the account's own events: those it wrote itself, and failed sign-ins naming it
    (written by a visitor, the account only in their details). What staff did to the account stays."""
    events = _rows(AuditEntry, AuditEntry.action.in_(OWN_ACCOUNT_EVENTS))
    ids = [e.id for e in events if e.user_id == uid
           or (e.action == "sign in failed" and (e.details or {}).get("account") == uid)]
    if ids:
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id.in_(ids)).execution_options(
            synchronize_session=False))
    return len(ids)


def forget_account_in_staff_events(uid: int) -> int:
    """What staff did to the account (a role changed, sessions ended, the erasure itself) stays in the audit log,
    but no longer says to which account nor at what time of day: the id would lead whoever acted to the kept
    statistics of the person they acted on."""
    entries = _rows(AuditEntry, AuditEntry.details["account"].as_integer() == uid)
    for entry in entries:
        entry.details = {key: value for key, value in entry.details.items() if key != "account"}
        entry.at = start_of_day(as_utc(entry.at))
    db.session.flush()
    return len(entries)


def forget_survey_answers(uid: int, today: date) -> int:
    """The person's identified and pseudonymous survey answers go: those still waiting in the pool now, the
    published ones at the next checkpoint's release, as a withdrawal's (lms/surveys/withdrawal.py), so that
    erasures re-draw no published figure between checkpoints. Until then they are nobody's: free text deleted,
    the rest under a new random pseudonym, one per survey, that nothing (not ``PSEUDONYM_KEY``, not the account
    id) leads back to, and that the withdrawal request names. Kept, they could still be matched to the
    tombstone: the one response of a wave without an account, or without the free text the others wrote
    (tester C). Returns how many of her responses go.

    Hers are not the only rows written: one UPDATE rewrites every response of each survey concerned (hers
    change, the others are written as they were) and every waiting row of its waves is sealed again, so that
    the transaction that tombstones the account (PostgreSQL's ``xmin``) marks all of them alike. The old
    versions are then cleaned from the files (lms/database/storage.py). A withdrawal of hers still waiting for its
    checkpoint names the new pseudonym, and deletes her responses then as it would have."""
    from lms.database import storage
    from lms.surveys import indicator_sums, pool, withdrawal
    from lms.surveys.answering import pseudonym_for

    pseudonyms = {pseudonym_for(survey, uid): survey.id
                  for survey in db.session.scalars(select(Survey).where(Survey.privacy == "pseudonymous"))}
    new_pseudonym: dict[int, str] = {}

    def renamed(survey_id: int) -> str:
        return new_pseudonym.setdefault(survey_id, secrets.token_hex(16))

    written = set(db.session.scalars(select(SurveyQuestion.id).where(SurveyQuestion.kind == "text")))
    rows = db.session.execute(
        select(SurveyResponse.id, SurveyResponse.pseudonym, SurveyWave.survey_id)
        .join(SurveyWave, SurveyWave.id == SurveyResponse.wave_id)
        .where(sa.or_(SurveyResponse.user_id == uid, SurveyResponse.pseudonym.in_(list(pseudonyms))))).all()
    by_survey: dict[int, list] = {}
    for response_id, pseudonym, survey_id in rows:
        if pseudonym is None or pseudonyms.get(pseudonym) == survey_id:
            by_survey.setdefault(survey_id, []).append(response_id)
    ids = [response_id for found in by_survey.values() for response_id in found]
    if ids:
        db.session.execute(sa.delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(ids),
                                                         SurveyAnswer.question_id.in_(written))
                           .execution_options(synchronize_session=False))
        hers = {survey_id: SurveyResponse.id.in_(found) for survey_id, found in by_survey.items()}
        db.session.execute(
            sa.update(SurveyResponse)
            .where(SurveyResponse.wave_id.in_(select(SurveyWave.id).where(SurveyWave.survey_id.in_(list(hers)))))
            .values(user_id=sa.case((sa.or_(*hers.values()), None), else_=SurveyResponse.user_id),
                    pseudonym=sa.case(*[(whose, renamed(survey_id)) for survey_id, whose in hers.items()],
                                      else_=SurveyResponse.pseudonym))
            .execution_options(synchronize_session=False))
        indicator_sums.stale(db.session.scalars(select(SurveyWave.id).where(SurveyWave.survey_id.in_(list(hers)))))
    # Answers still waiting for their batch: the same, inside their seal.
    waves = dict(db.session.execute(select(SurveyWave.id, SurveyWave.survey_id).join(Survey)
                                    .where(Survey.privacy != "anonymous")).all())

    def is_hers(row, content: dict) -> bool:
        return content["user_id"] == uid or pseudonyms.get(content["pseudonym"]) == waves[row.wave_id]

    waiting = pool.find_waiting(list(waves), lambda _row, _content: True)
    concerned = set(by_survey) | {waves[row.wave_id] for row, content in waiting if is_hers(row, content)}
    for row, content in waiting:
        if is_hers(row, content):
            db.session.delete(row)
    pool.reseal([(row, content) for row, content in waiting
                 if waves[row.wave_id] in concerned and not is_hers(row, content)])
    # A withdrawal still waiting for its checkpoint names her account or old pseudonym: it names the new one.
    withdrawal.rekey(renamed, lambda content: content["user_id"] == uid
                     or pseudonyms.get(content["pseudonym"]) == content["survey_id"])
    for survey_id in by_survey:
        withdrawal.write_request({"survey_id": survey_id, "user_id": None, "pseudonym": renamed(survey_id),
                                  "due_on": withdrawal.next_checkpoint(today).isoformat()})
    if concerned:
        storage.after_commit(storage.PUBLISHED)
    return len(ids) + sum(1 for row, content in waiting if is_hers(row, content))


def cut_to_the_day(model, columns: list[str], where) -> None:
    """Set each of ``columns`` of the rows ``where`` selects to midnight (UTC) of its day."""
    keys = [column.key for column in sa.inspect(model).primary_key]
    found = db.session.execute(select(*[getattr(model, k) for k in keys], *[getattr(model, c) for c in columns])
                               .where(where)).all()
    changes = []
    for row in found:
        change = dict(zip(keys, row[:len(keys)], strict=True))
        for column, moment in zip(columns, row[len(keys):], strict=True):
            change[column] = None if moment is None else start_of_day(as_utc(moment))
        changes.append(change)
    if changes:
        db.session.execute(sa.update(model), changes)


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
    from lms.core import audit

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
    if ids:  # how many, never which: the ids would point at the tombstones
        audit.record("erase inactive accounts", {"accounts": len(ids), "inactive_days": days})
    return ids
