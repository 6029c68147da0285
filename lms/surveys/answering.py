"""Answering surveys: consent, checking each answer, and the response as stored (invitations.py says who is
asked when)."""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import select

from lms.extensions import db
from lms.models import (
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
    return parse_answer(question, text)


#: A number written with a group separator (``1,000``, ``1.000,5``, ``12 500``): its meaning depends on the writer's
#: country, so it is refused rather than guessed (``1,000`` was once read as 1).
GROUPED = re.compile(r"^[-+]?\d{1,3}([,.\s\u00a0\u202f'’]\d{3})+([.,]\d+)?$")


#: A day as ODK and the date inputs write it: year-month-day.
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_answer(question: SurveyQuestion, text: str) -> Answer:
    """A non-empty answer checked against the question's kind, choices and range; ValueError with a reason."""
    if any(unicodedata.category(char) in UNSTORABLE for char in text if char not in "\t\n\r"):
        raise ValueError(_("The answer contains a control character; please write it again without it."))
    if question.kind == "text":
        text = text.replace("\r\n", "\n")  # as a browser sends a line break; its maxlength counts one
        if len(text) > MAX_TEXT_CHARS:
            raise ValueError(_("Please keep the answer to %(n)s characters or fewer.",
                               n=format_number(MAX_TEXT_CHARS)))
        return Answer(text)
    if question.kind == "number":
        return parse_number(question, text)
    if question.kind == "date":
        try:
            if not ISO_DAY.match(text):  # Python also reads 19900501; ODK and the form's author do not
                raise ValueError(text)
            day = date.fromisoformat(text[:10])
        except ValueError:
            raise ValueError(_("“%(value)s” is not a date: write it as year-month-day, for example %(example)s.",
                               value=text[:MAX_NUMBER_CHARS], example="2026-03-31")) from None
        if text[10:] not in ("", "T00:00:00", " 00:00:00"):
            raise ValueError(_("“%(value)s” is not a date: write it as year-month-day, for example %(example)s.",
                               value=text[:MAX_NUMBER_CHARS], example="2026-03-31"))
        return Answer(day.isoformat())
    if not question.answered:
        raise ValueError(_("This question takes no answer."))
    allowed = question.choice_codes
    if question.kind != "multiple" and text in allowed:  # one choice, whose name may hold spaces
        return Answer(text, float(text) if question.kind == "likert" else None)
    codes = text.split()
    unknown = [code for code in codes if code not in allowed]
    if unknown:
        raise ValueError(_("“%(value)s” is not one of the choices (%(choices)s).", value=" ".join(unknown),
                           choices=", ".join(allowed)))
    if question.kind != "multiple" and len(codes) > 1:
        raise ValueError(_("Only one choice is allowed."))
    ordered = " ".join(code for code in allowed if code in codes)
    return Answer(ordered, float(ordered) if question.kind == "likert" else None)


def parse_number(question: SurveyQuestion, text: str) -> Answer:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(_("“%(value)s” is not a number.", value=text[:MAX_NUMBER_CHARS] + "…"))
    if GROUPED.match(text) and not re.match(r"^[-+]?0[.,]\d+$", text):  # 0,125 is a fraction wherever it is read
        raise ValueError(_("“%(value)s” can be read in more than one way: write the number without a thousands "
                           "separator, for example %(example)s.", value=text, example="1000"))
    try:
        if "_" in text:  # Python reads 1_000 as a thousand; nobody else does
            raise ValueError(text)
        number = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(_("“%(value)s” is not a number.", value=text)) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(_("“%(value)s” is not a number.", value=text))
    if question.whole and not number.is_integer():
        raise ValueError(_("“%(value)s” is not a whole number.", value=text))
    low, high = question.min_value, question.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(out_of_range_message(question))
    return Answer(text if not number.is_integer() else str(int(number)), number)


def out_of_range_message(question: SurveyQuestion) -> str:
    low, high = question.min_value, question.max_value
    if low is not None and high is not None:
        return _("Please give a number from %(low)s to %(high)s.", low=format_number(low), high=format_number(high))
    if low is not None:
        return _("Please give a number of at least %(low)s.", low=format_number(low))
    return _("Please give a number of at most %(high)s.", high=format_number(high))
