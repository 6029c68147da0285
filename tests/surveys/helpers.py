"""What the survey tests call: answers stored as the survey keeps them, or sent by members through their
invitations."""
from __future__ import annotations

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.learn import services as learning
from lms.models import (
    ContactPreference,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyWave,
)
from lms.surveys import answering
from tests.helpers import BUNDLED_COURSE

Answer = answering.Answer


def answer(survey, wave, country: str, safe: int, hours: float) -> None:
    """One anonymous response, stored as the survey keeps it."""
    questions = {q.code: q.id for q in db.session.scalars(select(SurveyQuestion))}
    response = SurveyResponse(wave_id=wave.id, version_id=survey.published_version.id, language="en",
                              country=country, submitted_on=clock.today())
    db.session.add(response)
    db.session.flush()
    db.session.add_all([SurveyAnswer(response_id=response.id, question_id=questions["safe"], value=str(safe),
                                     number=float(safe)),
                        SurveyAnswer(response_id=response.id, question_id=questions["hours"], value=str(hours),
                                     number=hours)])


def members_answer(made, members, comment):
    """Each member answers the survey's first wave through their invitation, with ``comment(member)``."""
    for member in members:
        invitation = db.session.scalar(select(SurveyInvitation).join(SurveyWave).where(
            SurveyWave.survey_id == made.id, SurveyInvitation.user_id == member.id))
        answering.submit_response(wave=made.waves[0], version=made.published_version,
                                  answers={"safe": Answer("4", 4.0), "union": Answer("yes"),
                                           "voice": Answer("often"), "hours": Answer("40", 40.0),
                                           "comment": Answer(comment(member))},
                                  user=member, invitation=invitation)
    db.session.commit()


#: A member's number for SMS reminders: Peru, UTC-5.
PHONE = "+51987654321"


def member_with_channel(create_user, make_survey, username="amina", channel="sms", confirmed=True, stopped=False,
                        survey=True, privacy="anonymous", **fields):
    """A member with a survey due (``survey``: a new one, else the one made before), a phone in Peru (confirmed unless
    told) and ``channel`` chosen for survey reminders (None: no choice)."""
    course = learning.find_course(BUNDLED_COURSE)
    if survey:
        make_survey(course=course, waves=["baseline"], privacy=privacy)
    fields = {"phone": PHONE, "country": "PE", **fields}
    member = create_user(username, **fields)
    member.phone_confirmed_at = clock.utcnow() if confirmed else None
    member.sms_stopped_at = clock.utcnow() if stopped else None
    if channel:
        db.session.add(ContactPreference(user_id=member.id, topic="survey_reminders", channel=channel))
    learning.enrol(member.id, course)
    db.session.commit()
    return member
