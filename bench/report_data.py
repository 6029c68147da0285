"""The reports' benchmark data set: participants, their learning and survey answers, and everything else a report
reads (partner organisations, training groups with sessions and attendance, a cascade of trainers, workplaces
surveyed before and after trainings held there), generated fast and the same for the same seed.

Courses, surveys, workplaces, the administrator and the coordinator are made with the app's own services; the bulk
rows are written with COPY (PostgreSQL) or executemany (SQLite), record keys and all, keeping the invariants the
reports rely on: each person's attribute history (PersonAttributes), an enrolment completed only when all its
lessons are done and its quizzes passed, members joining a group (on a day, never before it was created) and
enrolled in its course, trainers promoted after completing a training of trainers, answers published. Most activity
falls in the last two whole years, so that the last one is a realistic report year (lms/reports/forms.py).
"""
from __future__ import annotations

import random
import time as timer
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bench.report_people import (
    COORDINATED,
    COUNTRIES,
    PASSWORD,
    Group,
    People,
    between,
    plan_groups,
    plan_people,
    write_groups,
    write_people,
)
from bench.report_rows import Bulk

ROOT = Path(__file__).resolve().parent.parent
ADMIN, COORDINATOR = "bench-admin", "bench-coordinator"
#: Participants whose lessons, attempts and answers are generated and written at a time.
CHUNK = 5000
#: The countries with surveyed workplaces (two each), the coordinator's among them.
WORKPLACE_COUNTRIES = ("PE", "ID", "BD", "KH", "SN")


@dataclass
class Setting:
    """What the services made, that the bulk rows refer to."""

    today: date
    #: The start of today: nothing generated happens after it.
    now: datetime
    courses: list  # lms.models.Course, with modules and lessons loaded
    admin_id: int
    coordinator_id: int
    organisations: dict[str, list[int]]
    #: Course index -> (survey, version id, {wave kind: (wave id, days after)}, answered questions).
    surveys: dict[int, tuple] = field(default_factory=dict)
    #: (workplace id, country, organisation id) of each workplace, and the workplace survey's rounds per workplace.
    workplaces: list[tuple[int, str, int]] = field(default_factory=list)
    workplace_survey: tuple | None = None


def generate(participants: int, seed: int = 2026, *, check_references: bool = False) -> dict[str, int]:
    """The whole data set in the app's (empty, migrated) database; returns how many rows of each table it wrote.
    PostgreSQL checks the foreign keys of the bulk rows only if asked (``Bulk``)."""
    from lms.extensions import db

    rng = random.Random(seed)
    setting = services(rng)
    db.session.commit()
    connection = db.session.connection()
    bulk = Bulk(connection, check_references=check_references)
    people = plan_people(rng, participants, setting)
    groups = plan_groups(rng, people, setting)
    write_people(bulk, people, setting)
    write_groups(bulk, rng, groups, people, setting)
    write_learning(bulk, rng, people, setting)
    write_workplace_answers(bulk, rng, setting)
    from lms.models import Enrolment, GroupSession, QuizAttempt, TrainerPromotion, TrainingGroup, User

    bulk.reset_sequences(t.__table__ for t in (User, Enrolment, QuizAttempt, TrainingGroup, GroupSession,
                                               TrainerPromotion))
    db.session.commit()
    return dict(sorted(bulk.counts.items()))


def services(rng: random.Random) -> Setting:
    """Courses, staff, partner organisations, surveys and workplaces, through the app's services."""
    from lms import clock
    from lms.auth.services import create_user
    from lms.content.reader import read_library
    from lms.content.store import import_bundles
    from lms.demo.surveys import create_demo_survey
    from lms.extensions import db
    from lms.learn import services as learning
    from lms.models import Organisation
    from lms.privacy.services import give_consent

    import_bundles(read_library(ROOT / "courses"))
    admin = create_user(username=ADMIN, password=PASSWORD, display_name="Admin", country="NL",
                        gender="undisclosed", role="admin")
    coordinator = create_user(username=COORDINATOR, password=PASSWORD, display_name="Coordinator",
                              country=COORDINATED, gender="woman", role="coordinator",
                              coordinated_countries=[COORDINATED])
    for user in (admin, coordinator):
        give_consent(user, "membership")
    organisations: dict[str, list[int]] = {}
    for country in COUNTRIES:
        made = [Organisation(name=f"{name} union of {country}", acronym=f"{acronym}-{country}", country=country,
                             sector=sector)
                for name, acronym, sector in (("Garment workers'", "GWU", "garment"),
                                              ("Hotel and catering", "HCU", "hotels"),
                                              ("Farm workers'", "FWU", "agriculture"))]
        db.session.add_all(made)
        db.session.flush()
        organisations[country] = [o.id for o in made]
    courses = [learning.find_course(slug) for slug in ("social-dialogue-at-work", "womens-leadership")]
    today = clock.today()  # the data set is the same all day for the same seed: it ends at midnight
    setting = Setting(today, datetime.combine(today, time(0), tzinfo=UTC), courses, admin.id, coordinator.id,
                      organisations)
    first = create_demo_survey(admin)  # pseudonymous, on the first course by slug: social-dialogue-at-work
    if first is None or first.waves[0].course_id != courses[0].id:
        raise RuntimeError("the demo survey is not where the benchmark expects it")
    setting.surveys[0] = survey_plan(first)
    setting.surveys[1] = survey_plan(leadership_survey(admin, courses[1]))
    setting.workplace_survey, setting.workplaces = workplace_survey(admin, setting)
    db.session.flush()
    return setting


def survey_plan(survey) -> tuple:
    version = survey.published_version
    waves = {w.kind: (w.id, w.days_after) for w in survey.waves}
    return survey, version.id, waves, [q for q in version.questions if q.kind not in ("text", "note", "calculate")]


def leadership_survey(admin, course):
    """An identified survey of the second course, with baseline, endline and a 180-day follow-up."""
    from lms.surveys import building
    from lms.surveys.building import QuestionSpec

    survey = building.create_survey(code="leadership-voice", title="My voice in the union", language="en",
                                    privacy="identified", subject="participant", creator=admin,
                                    description="Before, at the end and six months after the course.")
    for spec in (QuestionSpec(code="speak", kind="likert", label="I speak at union meetings."),
                 QuestionSpec(code="stood", kind="yes_no", label="Have you stood for a union position this year?"),
                 QuestionSpec(code="lead", kind="likert", label="I feel ready to lead a negotiation."),
                 QuestionSpec(code="meetings", kind="number", label="How many union meetings did you attend last "
                              "month?", min_value=0, max_value=60),
                 QuestionSpec(code="barrier", kind="single", label="What holds you back most?",
                              choices=[("time", "Time"), ("care", "Care work"), ("confidence", "Confidence"),
                                       ("none", "Nothing")])):
        building.add_question(survey, spec)
    building.publish(survey)
    for kind in ("baseline", "endline", "follow_up"):
        building.add_wave(survey, kind=kind, course=course, days_after=180 if kind == "follow_up" else None)
    for code, question, kind, choices, title in (
            ("speaks_up", "speak", "share", ["4", "5"], "Women who speak at union meetings"),
            ("stood_for_office", "stood", "share", ["yes"], "Women who stood for a union position"),
            ("ready_to_lead", "lead", "mean", [], "Readiness to lead a negotiation (1-5)")):
        building.add_indicator(survey, code=code, question_code=question, kind=kind, choice_codes=choices,
                               direction="up", title=title, language="en")
    return survey


def workplace_survey(admin, setting: Setting):
    """An anonymous workplace survey asked at two workplaces in each of WORKPLACE_COUNTRIES, in three rounds: a year
    before the trainings held there, just before them, and after them (the trainings: ``workplace_window``)."""
    from lms.surveys import building
    from lms.surveys.building import QuestionSpec

    survey = building.create_survey(code="workers-voice-bench", title="Workers' voice", language="en",
                                    privacy="anonymous", subject="workplace", creator=admin,
                                    description="Asked of every worker who agrees, by the union team.")
    for spec in (QuestionSpec(code="contract", kind="yes_no", label="Do you have a written contract?"),
                 QuestionSpec(code="safe", kind="likert", label="I can do my work without risk to my health."),
                 QuestionSpec(code="overtime_paid", kind="single", label="Is your overtime paid?",
                              choices=[("always", "Always"), ("sometimes", "Sometimes"), ("never", "Never")])):
        building.add_question(survey, spec)
    building.publish(survey)
    building.add_indicator(survey, code="written_contract", question_code="contract", kind="share",
                           choice_codes=["yes"], direction="up", title="Workers with a written contract", language="en")
    building.add_indicator(survey, code="feels_safe", question_code="safe", kind="mean", choice_codes=[],
                           direction="up", title="Feeling safe at work (1-5)", language="en")
    year = setting.today.year - 1
    workplaces, rounds = [], []
    for country in WORKPLACE_COUNTRIES:
        for number, organisation_id in enumerate(setting.organisations[country][:2], start=1):
            place = building.create_workplace(name=f"Workplace {number} of {country}", sector="hotels",
                                              country=country, organisation_id=organisation_id)
            workplaces.append((place.id, country, organisation_id))
            for kind, opens, closes in (("baseline", date(year - 1, 9, 1), date(year - 1, 9, 30)),
                                        ("baseline", date(year, 2, 1), date(year, 2, 28)),
                                        ("endline", date(year, 9, 1), date(year, 9, 30))):
                wave = building.add_wave(survey, kind=kind, workplace=place, opens_on=opens, closes_on=closes)
                rounds.append((wave.id, country, closes, kind))
    return (survey, survey.published_version.id, rounds, survey.published_version.questions), workplaces


def workplace_window(today: date) -> tuple[date, date]:
    """The first and last day of the trainings held at the workplaces: between their rounds before and after."""
    return date(today.year - 1, 4, 1), date(today.year - 1, 5, 31)


def answer(rng: random.Random, question, level: int) -> tuple[str, float | None]:
    """A made-up answer; ``level`` 0 before the course, 1 at its end, 2 months after (a little better)."""
    if question.kind == "likert":
        value = min(5, between(rng, 1, 4) + (level > 0 and rng.random() < 0.5))
        return str(value), float(value)
    if question.kind == "yes_no":
        return ("yes" if rng.random() < 0.3 + 0.2 * (level > 0) else "no"), None
    if question.kind == "number":
        low, high = int(question.min_value or 0), int(question.max_value or 50)
        value = between(rng, low, min(high, low + 60))
        return str(value), float(value)
    return rng.choice(question.choice_codes), None


def write_learning(bulk: Bulk, rng: random.Random, people: People, setting: Setting) -> None:
    """Enrolments, lessons done, quiz attempts and survey answers, a chunk of participants at a time."""
    from lms.models import Enrolment, LessonCompletion, QuizAttempt, SurveyAnswer, SurveyResponse
    from lms.surveys.answering import pseudonym_for

    courses = []
    for course in setting.courses:
        lesson_ids, quizzes, end = [], [], 0
        for module in course.modules:  # a quiz is taken before the module's lessons, and after its last one
            end += len(module.lessons)
            lesson_ids += [lesson.id for lesson in module.lessons]
            if module.questions:
                quizzes.append((module.id, end, module.pass_mark or 70))
        courses.append((course.id, lesson_ids, quizzes))
    latest = setting.now - timedelta(hours=2)
    enrolment_id = attempt_id = 0
    for start in range(0, len(people.ids), CHUNK):
        enrolments, completions, attempts, responses, answers = [], [], [], [], []
        for index in range(start, min(start + CHUNK, len(people.ids))):
            user_id = people.ids[index]
            for course_index, (enrolled, complete_by) in people.enrolments[index].items():
                course_id, lesson_ids, modules = courses[course_index]
                enrolment_id += 1
                complete = complete_by is not None or rng.random() < 0.75
                done = len(lesson_ids) if complete else rng.randrange(len(lesson_ids))
                end = complete_by or enrolled + timedelta(days=between(rng, 3, 100), seconds=between(rng, 0, 86399))
                end = max(enrolled + timedelta(minutes=30), min(end, latest))
                step = (end - enrolled) / (len(lesson_ids) + 1)
                times = [enrolled + step * (i + 1) for i in range(done)]
                completions += [(user_id, lesson_id, at) for lesson_id, at in zip(lesson_ids, times, strict=False)]
                last = times[-1] if times else enrolled
                for position, (module_id, end_index, pass_mark) in enumerate(modules):
                    before = max(0, min(100, int(rng.gauss(50, 18))))
                    if rng.random() < 0.5:
                        attempt_id += 1
                        attempts.append((attempt_id, user_id, module_id, before, before >= pass_mark, "{}",
                                         enrolled + timedelta(seconds=30 + position), True,
                                         rng.getrandbits(31)))
                    if end_index > done or not (complete or rng.random() < 0.7):
                        continue
                    at = times[end_index - 1] + timedelta(minutes=5)
                    score = max(0, min(100, before + int(rng.gauss(18, 12))))
                    attempt_id += 1
                    attempts.append((attempt_id, user_id, module_id, score, score >= pass_mark, "{}", at, False,
                                     rng.getrandbits(31)))
                    if complete and score < pass_mark:
                        score = between(rng, pass_mark, 100)
                        attempt_id += 1
                        attempts.append((attempt_id, user_id, module_id, score, True, "{}", at + timedelta(minutes=3),
                                         False, rng.getrandbits(31)))
                    last = max(last, at + timedelta(minutes=3))
                completed_at = last if complete else None
                enrolments.append((enrolment_id, user_id, course_id, enrolled, completed_at, last,
                                   rng.getrandbits(31)))
                respond(rng, setting, course_index, user_id, people.countries[index], enrolled, completed_at,
                        responses, answers, pseudonym_for)
        bulk.write(Enrolment.__table__, ("id", "user_id", "course_id", "enrolled_at", "completed_at",
                                         "last_activity_at", "record_key"), enrolments)
        bulk.write(LessonCompletion.__table__, ("user_id", "lesson_id", "completed_at"), completions)
        bulk.write(QuizAttempt.__table__, ("id", "user_id", "module_id", "score", "passed", "answers",
                                           "submitted_at", "before_lessons", "record_key"), attempts)
        bulk.write(SurveyResponse.__table__, RESPONSE_COLUMNS, responses)
        bulk.write(SurveyAnswer.__table__, ("response_id", "question_id", "value", "number"), answers)


RESPONSE_COLUMNS = ("id", "wave_id", "version_id", "user_id", "pseudonym", "language", "country", "submitted_on",
                    "source", "record_key")
#: The chance that a member answers each wave (of those due): about five answers per participant in all.
ANSWER_CHANCE = {"baseline": 0.25, "endline": 0.25, "follow_up": 0.2}


def respond(rng, setting: Setting, course_index: int, user_id: int, country: str, enrolled: datetime,
            completed_at: datetime | None, responses: list, answers: list, pseudonym_for) -> None:
    """The member's answers to the course's survey: the baseline before the first lesson, the endline when they
    completed it, the follow-up that many days after (if that day has come)."""
    survey, version_id, waves, questions = setting.surveys[course_index]
    for level, kind in enumerate(("baseline", "endline", "follow_up")):
        wave_id, days_after = waves[kind]
        if kind == "baseline":
            day = enrolled.date()
        elif completed_at is None:
            break
        else:
            day = completed_at.date() + timedelta(days=(days_after or 0) + between(rng, 0, 7))
        if rng.random() >= ANSWER_CHANCE[kind] or day >= setting.today:
            continue
        response_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        identified = survey.names_respondents
        responses.append((response_id, wave_id, version_id, user_id if identified else None,
                          None if identified else pseudonym_for(survey, user_id), "en", country, day,
                          "web", rng.getrandbits(31)))
        answers += [(response_id, q.id, *answer(rng, q, level)) for q in questions]


def write_workplace_answers(bulk: Bulk, rng: random.Random, setting: Setting) -> None:
    """Forty workers' anonymous answers in each round at each workplace."""
    from lms.models import SurveyAnswer, SurveyResponse

    _survey, version_id, rounds, questions = setting.workplace_survey
    responses, answers = [], []
    for wave_id, country, closes_on, kind in rounds:
        for _worker in range(40):
            response_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            responses.append((response_id, wave_id, version_id, None, None, "en", country,
                              closes_on - timedelta(days=between(rng, 0, 20)), "import", rng.getrandbits(31)))
            level = 1 if kind == "endline" else 0
            answers += [(response_id, q.id, *answer(rng, q, level)) for q in questions]
    bulk.write(SurveyResponse.__table__, RESPONSE_COLUMNS, responses)
    bulk.write(SurveyAnswer.__table__, ("response_id", "question_id", "value", "number"), answers)


def timed_generate(participants: int, seed: int) -> tuple[dict[str, int], float]:
    started = timer.perf_counter()
    counts = generate(participants, seed)
    return counts, timer.perf_counter() - started


__all__ = ["ADMIN", "COORDINATOR", "COORDINATED", "PASSWORD", "Group", "generate", "timed_generate"]
