"""How fast the reports are on a realistic data set, on SQLite and PostgreSQL.

    .venv/bin/python bench/report_dashboard.py                       # SQLite, in a temporary file
    .venv/bin/python bench/report_dashboard.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

It builds a throwaway database with the real migrations and the bundled courses, then generates
50,000 participants in 15 countries, about 1,000,000 lessons done, quiz attempts before and after
the lessons, and 250,000 survey answers; then it times the dashboard (as an admin, all countries,
and as a coordinator of one country), counts its SQL queries, and times the IATI export. Smaller
runs: --participants 5000. Goal: the dashboard under 150 ms on PostgreSQL.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTRIES = ["BJ", "ML", "NE", "SN", "CI", "GN", "TN", "KH", "ID", "VN", "BD", "MM", "BO", "CO", "PE"]
GENDERS = ["woman", "woman", "man", "man", "another", "undisclosed"]
PASSWORD = "bench password 1"


def chunks(rows: list[dict], size: int = 20_000):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def insert(table, rows: list[dict]) -> None:
    from lms.extensions import db

    for part in chunks(rows):
        db.session.execute(sa.insert(table), part)
    db.session.commit()


def generate(participants: int, answers_wanted: int, seed: int = 2026) -> dict[str, int]:
    """The data set; returns how many rows of each kind were written."""
    from lms.auth.services import create_user, hash_password
    from lms.content.reader import read_library
    from lms.content.store import import_bundles
    from lms.demo.surveys import create_demo_survey
    from lms.extensions import db
    from lms.learn import services as learning
    from lms.models import (
        Enrolment,
        LessonCompletion,
        PersonAttributes,
        QuizAttempt,
        SurveyAnswer,
        SurveyResponse,
        User,
    )
    from lms.models.users import BEGINNING

    rng = random.Random(seed)
    import_bundles(read_library(ROOT / "courses"))
    from lms.privacy.services import give_consent

    give_consent(create_user(username="bench-admin", password=PASSWORD, display_name="Admin", country="NL",
                             gender="undisclosed", role="admin"), "membership")
    give_consent(create_user(username="bench-coordinator", password=PASSWORD, display_name="Coordinator",
                             country="PE", gender="woman", role="coordinator", coordinated_countries=["PE"]),
                 "membership")
    survey = create_demo_survey(db.session.scalar(sa.select(User).where(User.username == "bench-admin")))
    db.session.commit()
    courses = [learning.find_course(slug) for slug in ("social-dialogue-at-work", "womens-leadership")]
    password_hash = hash_password(PASSWORD)
    now = datetime.now(UTC)
    first_id = (db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
    users = [{"id": first_id + i, "username": f"bench{i}", "display_name": f"Member {i}",
              "country": rng.choice(COUNTRIES), "gender": rng.choice(GENDERS),
              "birth_year": rng.choice([None] + list(range(1960, 2008))), "role": "participant",
              "password_hash": password_hash, "must_change_password": False, "created_at": now}
             for i in range(participants)]
    insert(User.__table__, users)
    insert(PersonAttributes.__table__, [{"user_id": u["id"], "counts_from": BEGINNING, "country": u["country"],
                                         "gender": u["gender"], "birth_year": u["birth_year"]} for u in users])
    enrolments, completions, attempts = [], [], []
    for user in users:
        for course in (courses if rng.random() < 0.95 else courses[:1]):
            enrolled = now - timedelta(days=rng.randint(1, 720))
            done = len(course.lessons) if rng.random() < 0.7 else rng.randint(0, len(course.lessons))
            completed = enrolled + timedelta(days=rng.randint(3, 90)) if done == len(course.lessons) else None
            enrolments.append({"user_id": user["id"], "course_id": course.id, "enrolled_at": enrolled,
                               "completed_at": completed if completed and completed < now else None,
                               "last_activity_at": enrolled})
            completions += [{"user_id": user["id"], "lesson_id": lesson.id, "completed_at": enrolled}
                            for lesson in course.lessons[:done]]
            module = course.modules[0]
            if rng.random() < 0.5:
                before = rng.randint(0, 100)
                attempts.append({"user_id": user["id"], "module_id": module.id, "score": before, "passed": before >= 70,
                                 "answers": {}, "submitted_at": enrolled, "before_lessons": True})
                after = min(100, before + rng.randint(-10, 40))
                attempts.append({"user_id": user["id"], "module_id": module.id, "score": after, "passed": after >= 70,
                                 "answers": {}, "submitted_at": enrolled + timedelta(days=2),
                                 "before_lessons": False})
    insert(Enrolment.__table__, enrolments)
    insert(LessonCompletion.__table__, completions)
    insert(QuizAttempt.__table__, attempts)
    version = survey.published_version
    questions = [q for q in version.questions if q.kind != "text"]
    responses, answers = [], []
    while len(answers) < answers_wanted:
        person = rng.randrange(participants)
        for wave in survey.waves[:2]:
            response_id = uuid.uuid4()
            responses.append({"id": response_id, "wave_id": wave.id, "version_id": version.id,
                              "pseudonym": f"bench-{person}-{len(responses)}", "language": "en",
                              "country": users[person]["country"], "source": "import",
                              "submitted_on": datetime.now(UTC).date() - timedelta(days=rng.randint(0, 300))})
            for question in questions:
                code = rng.choice(question.choice_codes) if question.choice_codes else str(rng.randint(30, 70))
                number = float(code) if question.kind in ("likert", "number") else None
                answers.append({"response_id": response_id, "question_id": question.id, "value": code,
                                "number": number})
    insert(SurveyResponse.__table__, responses)
    insert(SurveyAnswer.__table__, answers)
    return {"participants": participants, "enrolments": len(enrolments), "lessons done": len(completions),
            "quiz attempts": len(attempts), "survey responses": len(responses), "survey answers": len(answers)}


def signed_in(app, username: str):
    import re

    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/sign-in").get_data(as_text=True)).group(1)
    client.post("/sign-in", data={"identifier": username, "password": PASSWORD, "csrf_token": token})
    return client


def timed(client, path: str, repeat: int) -> tuple[float, float, int]:
    """Median and slowest time in ms, and the number of SQL queries of one request."""
    from lms.extensions import db

    seen = []

    def count(*_args) -> None:
        seen.append(1)

    with client.application.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    assert client.get(path).status_code == 200
    sa.event.remove(engine, "before_cursor_execute", count)
    queries = len(seen)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), queries


def print_parts(year: int) -> None:
    """Where the dashboard's time goes, part by part (as an admin: all countries)."""
    from flask import current_app

    from lms.reports import cascade, figures
    from lms.reports.filters import ReportFilter, parse_age_bands
    from lms.reports.views import outcomes

    report = ReportFilter(start=date(year, 1, 1), end=date(year, 12, 31),
                          age_bands=tuple(parse_age_bands(current_app.config["REPORT_AGE_BANDS"])))
    parts = []
    for name, part in (("participation", figures.participation_cube), ("trend", figures.monthly_trend),
                       ("attendance", figures.attendance), ("trainers", figures.trainers),
                       ("cascade", cascade.by_generation), ("knowledge gain", figures.knowledge_gain),
                       ("outcome indicators", outcomes)):
        start = time.perf_counter()
        part(report)
        parts.append(f"{name} {1000 * (time.perf_counter() - start):.0f} ms")
    print("parts: " + ", ".join(parts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL; default: a temporary SQLite file")
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--answers", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from lms import create_app
    from lms.config import TestConfig
    from tests.helpers import throwaway_database

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = throwaway_database(args.database, Path(tmp))

        class Config(TestConfig):
            SQLALCHEMY_DATABASE_URI = url

        app = create_app(Config)
        try:
            with app.app_context():
                upgrade(directory=str(ROOT / "migrations"))
                started = time.perf_counter()
                counts = generate(args.participants, args.answers)
                print(f"data ({time.perf_counter() - started:.0f} s): "
                      + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
                from lms.extensions import db

                # What autovacuum does to a PostgreSQL database in service: visibility maps and planner
                # statistics. (SQLite is left as it is: ANALYZE there makes worse plans for these queries.)
                if db.engine.dialect.name == "postgresql":
                    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                        conn.execute(sa.text("VACUUM ANALYZE"))
            with app.test_request_context():
                print_parts(datetime.now(UTC).date().year)
            # Requests run outside the context above, each in its own, as in a server.
            admin, coordinator = signed_in(app, "bench-admin"), signed_in(app, "bench-coordinator")
            year = datetime.now(UTC).date().year
            for who, client, path in (("admin, all countries", admin, f"/reports?year={year}"),
                                      ("coordinator of PE", coordinator, f"/reports?year={year}"),
                                      ("admin, IATI export", admin, f"/reports/iati.xml?year={year}")):
                median, slowest, queries = timed(client, path, args.repeat)
                print(f"{who:<24} median {median:7.1f} ms   slowest {slowest:7.1f} ms   {queries} SQL queries")
        finally:
            with app.app_context():
                from lms.extensions import db

                db.engine.dispose()
            drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
