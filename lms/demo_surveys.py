"""A demo survey tied to the first bundled course, with made-up answers so that results have figures."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.models import Course, Survey, User
from lms.surveys import answering, building
from lms.surveys.building import QuestionSpec

CODE = "dialogue-at-work"
QUESTIONS = [
    QuestionSpec(code="heard", kind="likert", label="Management listens when workers raise a problem."),
    QuestionSpec(code="meeting", kind="yes_no",
                 label="In the last three months, did you take part in a meeting between workers and management?"),
    QuestionSpec(code="report", kind="single", label="If you saw a safety hazard, would you report it?",
                 choices=[("surely", "Yes, surely"), ("maybe", "Maybe"), ("no", "No")]),
    QuestionSpec(code="confident", kind="likert", label="I feel confident speaking up for my colleagues."),
    QuestionSpec(code="hours", kind="number", label="How many hours did you work last week?", min_value=0,
                 max_value=100),
    QuestionSpec(code="comment", kind="text", label="Anything you would like to add?", required=False),
]
FRENCH = {
    "heard": "La direction écoute quand les travailleurs signalent un problème.",
    "meeting": "Au cours des trois derniers mois, avez-vous participé à une réunion entre travailleurs et direction ?",
    "report": "Si vous voyiez un danger pour la sécurité, le signaleriez-vous ?",
    "confident": "Je me sens capable de prendre la parole pour mes collègues.",
    "hours": "Combien d'heures avez-vous travaillé la semaine dernière ?",
    "comment": "Souhaitez-vous ajouter quelque chose ?",
}


def create_demo_survey(creator: User) -> Survey | None:
    """The demo survey (pseudonymous; baseline, endline and a 90-day follow-up); None if it exists."""
    if db.session.scalar(select(Survey.id).where(Survey.code == CODE)) is not None:
        return None
    course = db.session.scalar(select(Course).where(Course.published.is_(True)).order_by(Course.slug))
    if course is None:
        return None
    survey = building.create_survey(
        code=CODE, title="Social dialogue at my workplace", language="en", privacy="pseudonymous",
        subject="participant", creator=creator,
        description="Five minutes of questions before and after the course, to see what it changes at work.")
    for spec in QUESTIONS:
        building.add_question(survey, spec)
    building.save_translation(
        survey, "fr", title="Le dialogue social sur mon lieu de travail",
        description="Cinq minutes de questions avant et après le cours, pour voir ce qu'il change au travail.",
        questions={code: (text, "") for code, text in FRENCH.items()},
        choices={("report", "surely"): "Oui, sûrement", ("report", "maybe"): "Peut-être", ("report", "no"): "Non"})
    building.publish(survey)
    for kind in ("baseline", "endline", "follow_up"):
        building.add_wave(survey, kind=kind, course=course, days_after=90 if kind == "follow_up" else None)
    building.add_indicator(survey, code="management_listens", question_code="heard", kind="share",
                           choice_codes=["4", "5"], direction="up", title="Workers who say management listens",
                           language="en")
    building.add_indicator(survey, code="joint_meetings", question_code="meeting", kind="share",
                           choice_codes=["yes"], direction="up",
                           title="Workers who took part in a joint meeting", language="en")
    building.add_indicator(survey, code="confidence", question_code="confident", kind="mean", choice_codes=[],
                           direction="up", title="Confidence to speak up (1-5)", language="en")
    add_demo_responses(survey)
    return survey


def add_demo_responses(survey: Survey, people: int = 12) -> None:
    """Made-up paired answers (no accounts behind them), so that the results page has figures to show."""
    rng = random.Random(2026)
    version = survey.published_version
    baseline, endline = survey.waves[0], survey.waves[1]
    for person in range(people):
        before = rng.randint(1, 4)
        after = min(5, before + rng.choice([0, 1, 1, 2]))
        for wave, score, days_ago in ((baseline, before, 60), (endline, after, 5)):
            confident, hours = max(1, score - 1 + rng.randint(0, 1)), rng.randint(40, 60)
            answers = {
                "heard": answering.Answer(str(score), float(score)),
                "meeting": answering.Answer("yes" if rng.random() < (0.3 if wave is baseline else 0.6) else "no"),
                "report": answering.Answer(rng.choice(["surely", "maybe", "no"])),
                "confident": answering.Answer(str(confident), float(confident)),
                "hours": answering.Answer(str(hours), float(hours)),
            }
            response = answering.submit_response(wave=wave, version=version, answers=answers, language="en",
                                                 today=date.today() - timedelta(days=days_ago), country="PE")
            response.pseudonym = f"demo-{person:02d}"
    db.session.flush()
