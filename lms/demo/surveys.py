"""A demo survey tied to the first bundled course, with made-up answers so that results have figures."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import Course, Organisation, Survey, User
from lms.surveys import answering, building, pool
from lms.surveys.building import QuestionSpec
from lms.surveys.results import RELEASE_BATCH

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
    """Made-up paired answers (no accounts behind them, made-up pseudonyms), released at once like any batch,
    so that the results page has figures to show."""
    rng = random.Random(2026)  # made-up demo answers, seeded: no secret  # nosec B311
    version = survey.published_version
    questions = {q.code: q.id for q in version.questions}
    baseline, endline = survey.waves[0], survey.waves[1]
    for person in range(people):
        before = rng.randint(1, 4)
        after = min(5, before + rng.choice([0, 1, 1, 2]))
        for wave, score in ((baseline, before), (endline, after)):
            confident, hours = max(1, score - 1 + rng.randint(0, 1)), rng.randint(40, 60)
            answers = {
                "heard": answering.Answer(str(score), float(score)),
                "meeting": answering.Answer("yes" if rng.random() < (0.3 if wave is baseline else 0.6) else "no"),
                "report": answering.Answer(rng.choice(["surely", "maybe", "no"])),
                "confident": answering.Answer(str(confident), float(confident)),
                "hours": answering.Answer(str(hours), float(hours)),
            }
            pool.add(wave_id=wave.id, version_id=version.id, country="PE", language="en", source="web",
                     answers=[(questions[code], a.value, a.number) for code, a in answers.items()],
                     pseudonym=f"demo-{person:02d}")
    release_demo_answers()


def release_demo_answers() -> None:
    """Publish the demo's answers now, batch by batch, as the scheduler's release-answers job would."""
    for batch, count in pool.waiting_batches():
        if count >= RELEASE_BATCH:
            pool.release_batch(batch, clock.today())


WORKPLACE_CODE = "hotel-workers-voice"


def create_demo_workplace(creator: User, union: Organisation) -> Survey | None:
    """A demo hotel surveyed anonymously twice, six months apart; None if it exists."""
    if db.session.scalar(select(Survey.id).where(Survey.code == WORKPLACE_CODE)) is not None:
        return None
    survey = building.create_survey(
        code=WORKPLACE_CODE, title="Hotel workers' voice", language="en", privacy="anonymous",
        subject="workplace", creator=creator, description="Asked of every worker who agrees, by the union team.")
    for spec in (
        QuestionSpec(code="contract", kind="yes_no", label="Do you have a written contract?"),
        QuestionSpec(code="safe", kind="likert", label="I can do my work without risk to my health."),
        QuestionSpec(code="overtime_paid", kind="single", label="Is your overtime paid?",
                     choices=[("always", "Always"), ("sometimes", "Sometimes"), ("never", "Never")]),
    ):
        building.add_question(survey, spec)
    building.publish(survey)
    building.add_indicator(survey, code="written_contract", question_code="contract", kind="share",
                           choice_codes=["yes"], direction="up", title="Workers with a written contract",
                           language="en")
    building.add_indicator(survey, code="overtime_always_paid", question_code="overtime_paid", kind="share",
                           choice_codes=["always"], direction="up", title="Workers whose overtime is always paid",
                           language="en")
    hotel = building.create_workplace(name="Demo Hotel Miraflores", sector="hotels", country="PE",
                                      organisation_id=union.id)
    rng = random.Random(7)  # made-up demo answers, seeded: no secret  # nosec B311
    today = clock.today()
    for days_ago, contract_rate, paid_rate in ((200, 0.4, 0.2), (20, 0.65, 0.45)):
        wave = building.add_wave(survey, kind="baseline" if days_ago > 100 else "endline", workplace=hotel,
                                 opens_on=today - timedelta(days=days_ago),
                                 closes_on=today - timedelta(days=days_ago - 14))
        for _worker in range(15):
            safe = rng.randint(2, 5)
            answers = {
                "contract": answering.Answer("yes" if rng.random() < contract_rate else "no"),
                "safe": answering.Answer(str(safe), float(safe)),
                "overtime_paid": answering.Answer("always" if rng.random() < paid_rate
                                                  else rng.choice(["sometimes", "never"])),
            }
            answering.submit_response(wave=wave, version=survey.published_version, answers=answers,
                                      country="PE")
    release_demo_answers()
    return survey
