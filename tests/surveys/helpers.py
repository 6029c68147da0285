"""What the survey tests call: answers stored as the survey keeps them, or sent by members through their
invitations."""
from __future__ import annotations

import io

from openpyxl import Workbook
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


def logic_survey(code: str = "logic-form", subject: str = "participant", publish: bool = True):
    """A published survey whose form has logic, as a union's field team writes one. Its pages: the gate
    ``member``; the group ``union`` (asked if member = yes) with ``years`` (a whole number, -99 for "don't know",
    its message in English and French); then ``children``, ``ages`` (asked and required when children > 0), the
    calculation ``double``, ``country`` (default Peru), ``city`` (filtered by country), ``joined`` (a date) and the
    note ``thanks`` quoting the gate's answer."""
    from lms.models import SurveyGroup, SurveyGroupText, SurveyQuestionText
    from lms.surveys import building
    from lms.surveys.building import QuestionSpec

    survey = building.create_survey(code=code, title="Logic", description="", language="en", privacy="anonymous",
                                    subject=subject, creator=None)
    for spec in [
        QuestionSpec(code="member", kind="yes_no", label="Are you a union member?"),
        QuestionSpec(code="years", kind="number", label="Years in the union"),
        QuestionSpec(code="children", kind="number", label="How many children do you have?", required=False),
        QuestionSpec(code="ages", kind="number", label="Age of the eldest", required=False),
        QuestionSpec(code="double", kind="calculate", label="Twice the children", required=False),
        QuestionSpec(code="country", kind="single", label="Country", choices=[("bj", "Benin"), ("pe", "Peru")]),
        QuestionSpec(code="city", kind="single", label="City", required=False,
                     choices=[("cotonou", "Cotonou"), ("lima", "Lima"), ("cusco", "Cusco")]),
        QuestionSpec(code="joined", kind="date", label="Day you joined", required=False),
        QuestionSpec(code="thanks", kind="note", label="Thank you. Member: ${member}, ${children} children.",
                     required=False),
    ]:
        building.add_question(survey, spec)
    version = building.editable_version(survey)
    group = SurveyGroup(version=version, code="union", position=0, relevant="${member} = 'yes'",
                        texts=[SurveyGroupText(language="en", label="Your union")])
    db.session.add(group)
    db.session.flush()
    questions = {q.code: q for q in version.questions}
    questions["years"].group_id = group.id
    questions["years"].whole = True
    questions["years"].constraint_rule = ". >= 0 or . = -99"
    questions["years"].texts[0].constraint_message = "Give the years, or -99 if you do not know."
    questions["years"].texts.append(SurveyQuestionText(
        language="fr", label="Années au syndicat", hint="", checksum="x", source_checksum=None,
        constraint_message="Donnez les années, ou -99 si vous ne savez pas."))
    questions["ages"].relevant = "${children} > 0"
    questions["ages"].required_rule = "${children} > 0"
    questions["double"].calculation = "${children} * 2"
    questions["country"].default_value = "pe"
    questions["city"].choice_filter = "country = ${country}"
    for choice, country in zip(questions["city"].choices, ["bj", "pe", "pe"], strict=True):
        choice.filters = {"country": country}
    questions["joined"].constraint_rule = ". <= today()"
    db.session.flush()
    if publish:
        building.publish(survey)
    db.session.commit()
    return survey


def book(sheets: dict[str, list[tuple]]) -> io.BytesIO:
    """A workbook of these sheets and rows, as a form's author saves it (an XLSForm, an export)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    return data


def factory_form(rows, choices=(), form_id: str = "factory_voice") -> io.BytesIO:
    """An XLSForm in English: these survey rows and choices, under a header, with its settings."""
    return book({"survey": [("type", "name", "label::English (en)"), *rows],
                 "choices": [("list_name", "name", "label::English (en)"), *choices],
                 "settings": [("form_id", "form_title", "default_language"),
                              (form_id, "Factory voice", "English (en)")]})
