"""What the survey tests call: answers stored as the survey keeps them, or sent by members through their
invitations."""
from __future__ import annotations

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyWave
from lms.surveys import answering

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
