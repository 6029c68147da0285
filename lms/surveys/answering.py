"""Answering surveys: which waves are due for whom, consent, responses, and withdrawal."""
from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import select

from lms.extensions import db
from lms.models import (
    Enrolment,
    GroupMember,
    PooledResponse,
    Survey,
    SurveyInvitation,
    SurveyQuestion,
    SurveyVersion,
    SurveyWave,
    TrainingGroup,
    User,
)
from lms.models.surveys import MAX_NUMBER_CHARS, MAX_TEXT_CHARS
from lms.sql import insert_new
from lms.surveys import pool

#: Unicode categories an answer may not hold (besides tab and line breaks): control characters (PostgreSQL
#: stores no NUL in text) and lone surrogates (not UTF-8).
UNSTORABLE = frozenset({"Cc", "Cs"})


class AlreadyAnswered(Exception):
    """This wave has been answered already; nothing was written."""


@dataclass(frozen=True)
class Answer:
    """One answer as stored: the text form (choice codes or words) and the number, if any."""

    value: str
    number: float | None = None


def pseudonym_for(survey: Survey, user_id: int) -> str:
    """A keyed hash of survey and account: the same for a person's waves, useless without the key."""
    key = current_app.config["PSEUDONYM_KEY"].encode()
    return hmac.new(key, f"survey:{survey.id}:user:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


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
    from lms.models import utcnow

    return len(insert_new(SurveyInvitation, [{**row, "created_at": utcnow()} for row in rows], ["wave_id", "user_id"]))


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
    for invitation in waiting_for(user_id, date.today()):
        wave = invitation.wave
        if invitation.consent is None and wave.kind == "baseline" and (
                wave.course_id == course.id
                or (wave.group_id is not None and db.session.get(TrainingGroup, wave.group_id).course_id == course.id)):
            return invitation
    return None


def invitations_of(user_id: int) -> list[SurveyInvitation]:
    return list(db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.user_id == user_id)
                                   .order_by(SurveyInvitation.due_on.desc(), SurveyInvitation.id.desc())))


def record_consent(invitation: SurveyInvitation, given: bool) -> None:
    if invitation.answered:
        raise AlreadyAnswered()
    invitation.consent = "given" if given else "refused"
    db.session.flush()


def submit_response(*, wave: SurveyWave, version: SurveyVersion, answers: dict[str, Answer],
                    user: User | None = None, invitation: SurveyInvitation | None = None,
                    country: str | None = None, source: str = "web", collector: User | None = None) -> PooledResponse:
    """Seal one response into the pool, with only what the survey's privacy mode allows to point to a person.

    It is published later, with the rest of its batch (lms/surveys/pool.py). The invitation is claimed in
    the same transaction, so that it says "answered" at once and no answer is lost or given twice.
    """
    survey = wave.survey
    if invitation is not None:
        # Claim the invitation first: of two submissions racing, exactly one changes the row.
        claimed = db.session.execute(
            sa.update(SurveyInvitation).where(SurveyInvitation.id == invitation.id,
                                              SurveyInvitation.answered.is_(False))
            .values(answered=True, consent="given").execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            raise AlreadyAnswered()
    questions = {q.code: q for q in version.questions}
    # The survey's language, not the one it was read in: a batch mixing readers of French, Arabic and Khmer in a
    # Peruvian group then holds them all, where batches per reading language never reached 5 (outside tester G).
    row = pool.add(
        wave_id=wave.id, version_id=version.id, country=country or response_country(wave, user),
        language=survey.source_language,
        source=source, answers=[(questions[code].id, answer.value, answer.number)
                                for code, answer in answers.items() if answer.value != ""],
        user_id=user.id if user is not None and survey.privacy == "identified" else None,
        pseudonym=pseudonym_for(survey, user.id) if user is not None and survey.privacy == "pseudonymous" else None,
        collector_id=collector.id if collector is not None else None)
    if invitation is not None:
        db.session.refresh(invitation)
    return row


def response_country(wave: SurveyWave, user: User | None) -> str | None:
    """The country a response counts for: the group's or workplace's, else the member's."""
    if wave.group_id is not None:
        return db.session.get(TrainingGroup, wave.group_id).country
    if wave.workplace is not None:
        return wave.workplace.country
    return user.country if user is not None else None


def waiting_answers_of(user: User) -> list[dict]:
    """The member's identified and pseudonymous answers still waiting in the pool, for their copy of their data."""
    surveys = {s.id: s for s in db.session.scalars(select(Survey).where(Survey.privacy != "anonymous"))}
    waves = {w.id: w for w in db.session.scalars(select(SurveyWave).where(SurveyWave.survey_id.in_(list(surveys))))}
    pseudonyms = {pseudonym_for(s, user.id): s.id for s in surveys.values() if s.privacy == "pseudonymous"}

    def mine(row, content: dict) -> bool:
        survey_id = waves[row.wave_id].survey_id
        return (content["user_id"] == user.id if surveys[survey_id].privacy == "identified"
                else pseudonyms.get(content["pseudonym"]) == survey_id)

    found = []
    for row, content in pool.find_waiting(list(waves), mine):
        wave = waves[row.wave_id]
        version = next(v for v in wave.survey.versions if v.id == row.version_id)
        codes = {q.id: q.code for q in version.questions}
        found.append({"survey": wave.survey.code, "privacy": wave.survey.privacy, "wave": wave.kind,
                      "submitted_on": None, "language": row.language, "country": row.country,
                      "answers": {codes.get(qid, str(qid)): value for qid, value, _number in content["answers"]},
                      "published": False})
    return found


def check_answer(question: SurveyQuestion, raw: str) -> Answer:
    """One answer from its text form (a form field, a spreadsheet cell); ValueError with a reason."""
    text = (raw or "").strip()
    if text == "":
        if question.required:
            raise ValueError(_("An answer is required."))
        return Answer("")
    if any(unicodedata.category(char) in UNSTORABLE for char in text if char not in "\t\n\r"):
        raise ValueError(_("The answer contains a control character; please write it again without it."))
    if question.kind == "text":
        text = text.replace("\r\n", "\n")  # as a browser sends a line break; its maxlength counts one
        if len(text) > MAX_TEXT_CHARS:
            raise ValueError(_("Please keep the answer to %(n)s characters or fewer.",
                               n=format_number(MAX_TEXT_CHARS)))
        return Answer(text)
    if question.kind == "number":
        if len(text) > MAX_NUMBER_CHARS:
            raise ValueError(_("“%(value)s” is not a number.", value=text[:MAX_NUMBER_CHARS] + "…"))
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise ValueError(_("“%(value)s” is not a number.", value=text)) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(_("“%(value)s” is not a number.", value=text))
        low, high = question.min_value, question.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(out_of_range_message(question))
        return Answer(text if not number.is_integer() else str(int(number)), number)
    codes = text.split()
    allowed = question.choice_codes
    unknown = [code for code in codes if code not in allowed]
    if unknown:
        raise ValueError(_("“%(value)s” is not one of the choices (%(choices)s).", value=" ".join(unknown),
                           choices=", ".join(allowed)))
    if question.kind != "multiple" and len(codes) > 1:
        raise ValueError(_("Only one choice is allowed."))
    ordered = " ".join(code for code in allowed if code in codes)
    return Answer(ordered, float(ordered) if question.kind == "likert" else None)


def out_of_range_message(question: SurveyQuestion) -> str:
    low, high = question.min_value, question.max_value
    if low is not None and high is not None:
        return _("Please give a number from %(low)s to %(high)s.", low=format_number(low), high=format_number(high))
    if low is not None:
        return _("Please give a number of at least %(low)s.", low=format_number(low))
    return _("Please give a number of at most %(high)s.", high=format_number(high))
