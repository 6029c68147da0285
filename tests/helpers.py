"""What tests call: sign-ins, CSRF tokens, a course done, answers released, a live server, a burst of requests,
a throwaway database, and the constants they share. Fixtures are in conftest.py (pytest passes them in); these are
imported: ``from tests.helpers import BUNDLED_COURSE, sign_in``."""
from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from lms.content.reader import CourseProblems, read_library
from lms.core import after_response
from lms.extensions import db
from lms.models import SurveyAnswer
from lms.surveys.building import QuestionSpec

ROOT = Path(__file__).resolve().parent.parent
COURSES = ROOT / "courses"
BUNDLED_COURSE = "social-dialogue-at-work"
PASSWORD = "correct horse battery"
#: The year the reports count (the ``population`` fixture enrols members from 2024 to 2026).
YEAR = 2025
#: A sign-up form filled in, and a profile form (``sign_up(client, **changes)``, ``save_profile(...)``).
PROFILE = {"display_name": "Amina", "phone": "", "email": "", "country": "PE", "gender": "woman",
           "birth_year": "", "locale": "en"}
SIGN_UP = {
    "username": "Rosa.Q", "display_name": "Rosa Quispe", "phone": "", "email": "", "country": "PE",
    "gender": "woman", "birth_year": "1994", "password": PASSWORD, "confirm": PASSWORD, "consent": "y",
}

#: The questions of the survey the ``make_survey`` fixture builds: one of every kind.
QUESTIONS = [
    QuestionSpec(code="safe", kind="likert", label="I feel safe at work."),
    QuestionSpec(code="union", kind="yes_no", label="Are you a union member?"),
    QuestionSpec(code="voice", kind="single", label="How often are workers heard?",
                 choices=[("never", "Never"), ("sometimes", "Sometimes"), ("often", "Often")]),
    QuestionSpec(code="issues", kind="multiple", label="Which issues matter most?", required=False,
                 choices=[("wages", "Wages"), ("safety", "Safety"), ("hours", "Working hours")]),
    QuestionSpec(code="hours", kind="number", label="Hours worked last week", min_value=0, max_value=100),
    QuestionSpec(code="comment", kind="text", label="Anything else?", required=False),
]

GOOD_ANSWERS = {"q_safe": "4", "q_union": "yes", "q_voice": "often", "q_issues": ["wages", "safety"],
                "q_hours": "48", "q_comment": "More breaks"}


def throwaway_database(base_url: str | None, tmp_dir: Path) -> tuple[str, Callable[[], None]]:
    """A new, empty database and a function that drops it."""
    if not base_url or base_url.startswith("sqlite"):
        path = tmp_dir / f"lms-{uuid.uuid4().hex[:8]}.sqlite"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    url = make_url(base_url)
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # Thrown away after the run: a commit need not wait for its flush to disk (what others see is the same).
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@contextmanager
def app_on_new_database(tmp_path: Path):
    """An app in its own context on a new, empty database (the test runs the migrations it wants), dropped after."""
    from lms import create_app
    from lms.config import TestConfig

    url, drop = throwaway_database(os.environ.get("TEST_DATABASE_URL"), tmp_path)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    try:
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        drop()


def at_once(apps, action) -> list:
    """Run ``action()`` in each app at the same moment, one thread and one database session each (two scheduler
    processes, say); what each returned. An error in any thread fails the test."""
    results, errors = [], []
    barrier = threading.Barrier(len(apps))

    def run(flask_app):
        with flask_app.app_context():
            try:
                barrier.wait(timeout=30)
                results.append(action())
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def compile_translations() -> None:
    """Tests read the interface in every language: compile the catalogues, unless each is newer than its source
    (``make test`` compiled them; test processes started together would otherwise rewrite files others read)."""
    from babel.messages.frontend import CommandLineInterface

    sources = list((ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))
    if all(po.with_suffix(".mo").exists() and po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime
           for po in sources):
        return
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(ROOT / "translations")])


def complete_course(user_id: int, slug: str = BUNDLED_COURSE):
    """Do every lesson and pass every quiz of a course, as the member would; returns the course."""
    from lms.learn import services as learning

    course = learning.find_course(slug)
    for lesson in course.lessons:
        learning.mark_lesson_done(user_id, course, lesson)
    for module in course.modules:
        learning.submit_quiz(user_id, course, module,
                             {q.slug: [c.slug for c in q.choices if c.correct] for q in module.questions})
    db.session.commit()
    return course


def on_page(number: str) -> str:
    """A phone number as pages write it: kept left to right (an isolate) and on one line (no-break spaces)."""
    return "\u2066" + number.replace(" ", "\u00a0") + "\u2069"


def sign_in(client, identifier: str, password: str = PASSWORD):
    return client.post("/sign-in", data={"identifier": identifier, "password": password,
                                         "csrf_token": csrf_token(client, "/sign-in")})


def csrf_token(client, path: str) -> str:
    """The CSRF token a page's form carries, as a browser would send it back."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def dead_versions(table: str) -> list:
    """Row versions of a PostgreSQL table that are not live: deleted or replaced ones (an ``xmax``), or
    line pointers left dead or redirected."""
    with db.engine.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        items = conn.execute(sa.text(
            "SELECT n, lp, lp_flags, t_xmax::text FROM generate_series(0, pg_relation_size(:t) / 8192 - 1) AS n, "
            "heap_page_items(get_raw_page(CAST(:t AS text), n::int))"), {"t": table}).all()
        conn.commit()
    return [item for item in items if item.lp_flags != 1 or item.t_xmax != "0"]


def release_any(minimum: int = 1) -> int:
    """Publish the survey answers waiting in the pool at once, as ``flask jobs run-once release-answers`` does,
    but in batches of any size (the portal waits for RELEASE_BATCH of a batch); how many were published."""
    from lms.surveys.releases import release_answers as release

    return release(minimum=minimum)


def redis_or_skip(database: int = 15):
    """A client of the Redis server on 127.0.0.1:6379 (its ``database``), or the test skipped without one."""
    redis = pytest.importorskip("redis").Redis(host="127.0.0.1", port=6379, db=database)
    try:
        redis.ping()
    except Exception:  # any failure means there is no server to test against
        pytest.skip("no Redis server on 127.0.0.1:6379")
    return redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One browser's cookies against a live server (real HTTP); ``jar``: cookies shared with another ``Browser``
    (the same browser sent to another server)."""

    def __init__(self, base: str, jar: CookieJar | None = None):
        self.base = base
        self.jar = jar if jar is not None else CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        return self.visit(path)[1]

    def visit(self, path: str) -> tuple[str, str]:
        """The path a GET of ``path`` ends on (redirects followed), and the page there."""
        response = self.opener.open(f"{self.base}{path}", timeout=30)
        return urlsplit(response.geturl()).path, response.read().decode()

    def token(self, path: str) -> str:
        """The CSRF token of the form on ``path``."""
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', self.get(path)).group(1)

    def post(self, path: str, form: dict) -> int:
        """The status of a form sent to ``path`` (redirects followed)."""
        try:
            return self.opener.open(f"{self.base}{path}", data=urlencode(form).encode(), timeout=60).status
        except HTTPError as error:
            return error.code


class Served(str):
    """The base URL of a served app, which can also wait until no request is being answered."""

    idle: threading.Condition
    active: list[int]

    def wait_until_idle(self, timeout: float = 10) -> None:
        """Wait for requests still being answered (a browser's last fetches), so that their log lines are
        written now, not into the output a later test reads."""
        with self.idle:
            self.idle.wait_for(lambda: not self.active[0], timeout=timeout)
        after_response.settle(timeout)


def closed_once_answered(app):
    """``app`` whose answer is closed (``response.call_on_close`` run) as soon as its last byte is written.

    Werkzeug's development server closes an answer only after draining what the client may still send, and skips
    it when that read fails because the browser has hung up already (after a redirect, often): what the portal does
    after an answer (a code handed to the SMS gateway, an e-mail) would then never run. gunicorn always closes."""
    def wsgi(environ, start_response):
        answer = app(environ, start_response)

        def chunks():
            try:
                yield from answer
            finally:
                if hasattr(answer, "close"):
                    answer.close()
                after_response.settle()  # the work after the answer (lms/core/after_response.py) done, as gunicorn's
        return chunks()
    return wsgi


@contextmanager
def serve(app) -> Iterator[Served]:
    """``app`` served on a free local port, one thread per request; yields its base URL."""
    server = make_server("127.0.0.1", 0, closed_once_answered(app), threaded=True)
    base = Served(f"http://127.0.0.1:{server.port}")
    base.idle, base.active = threading.Condition(), [0]
    answer = server.process_request_thread

    def counted(request, client_address) -> None:
        with base.idle:
            base.active[0] += 1
        try:
            answer(request, client_address)
        finally:
            with base.idle:
                base.active[0] -= 1
                base.idle.notify_all()

    server.process_request_thread = counted  # the server starts each request's thread on this attribute
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        base.wait_until_idle()
        server.shutdown()
        thread.join(timeout=10)


def burst(send: Callable[[int], int], times: int = 20) -> list[int]:
    """``send(number)`` for ``times`` numbers, all released at the same moment from as many threads."""
    start = threading.Barrier(times)

    def together(number: int) -> int:
        start.wait(timeout=30)
        return send(number)

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(together, range(times)))


def row_counts() -> dict[str, int]:
    """Rows in every table, to show that a refused request wrote nothing."""
    db.session.remove()
    every = sa.union_all(*(select(sa.literal(table.name), func.count()).select_from(table)
                           for table in db.metadata.sorted_tables))  # one query: property tests ask hundreds of times
    with db.engine.connect() as conn:
        return dict(conn.execute(every).all())


def post_form(client, url: str, data: dict | None = None, page: str | None = None, **kwargs):
    """Post a form with the CSRF token of ``page`` (by default the form's own page), as a browser would."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, page or url))
    return client.post(url, data=data, **kwargs)


def prefixed(prefix: str, data: dict) -> dict:
    """A subform's fields as the page names them: ``prefixed("q", {"code": ...})`` gives ``q-code``."""
    return {f"{prefix}-{key}": value for key, value in data.items()}


def problems_of(folder: Path) -> list[str]:
    """The problems that refuse a course library, as the reader words them."""
    with pytest.raises(CourseProblems) as caught:
        read_library(folder)
    return [str(p) for p in caught.value.problems]


def published_texts() -> list[str]:
    """The published text answers that tests marked ``marker-...``, sorted."""
    db.session.expire_all()
    return sorted(db.session.scalars(select(SurveyAnswer.value).where(SurveyAnswer.value.like("marker-%"))))


def dialect() -> str:
    """``sqlite`` or ``postgresql``: the database the tests run on."""
    return db.engine.dialect.name


def json_lines(capsys) -> list[dict]:
    """Every line written to stderr, each of which must be JSON."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def save_profile(client, **changes):
    return client.post("/profile", data={**PROFILE, **changes, "csrf_token": csrf_token(client, "/profile")})


def sign_up(client, **changes):
    data = {**SIGN_UP, **changes, "csrf_token": csrf_token(client, "/sign-up")}
    return client.post("/sign-up", data=data)


def count_password_checks(monkeypatch) -> list[str]:
    """Every password checked from now on, each check made slow as on a production server (argon2id, 64 MiB):
    the window a burst aims at."""
    checks, lock, real_verify = [], threading.Lock(), PasswordHasher.verify

    def counted_verify(self, hash, password):
        with lock:
            checks.append(password)
        time.sleep(0.3)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted_verify)
    return checks


def html_lang(response) -> str:
    page = response.get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def answer_in_browser(client, invitation_id, answers=GOOD_ANSWERS):
    consent_url = f"/surveys/invitations/{invitation_id}"
    client.post(consent_url, data={"decision": "agree", "csrf_token": csrf_token(client, consent_url)})
    answer_url = f"{consent_url}/answer"
    return client.post(answer_url, data={**answers, "csrf_token": csrf_token(client, answer_url)})


def forget_language(slug: str, language: str) -> None:
    """Delete every text of the course in ``language`` (the bundled courses exist in every interface language), so
    that a test can translate into it from nothing."""
    from lms.models import Course, CourseTranslation, LessonVersion

    course = db.session.scalar(select(Course).where(Course.slug == slug))
    db.session.execute(sa.delete(LessonVersion).where(LessonVersion.language == language,
                                                      LessonVersion.lesson_id.in_([x.id for x in course.lessons])))
    for rows in ([course.translations], [m.translations for m in course.modules],
                 [lesson.translations for lesson in course.lessons],
                 [q.translations for m in course.modules for q in m.questions],
                 [c.translations for m in course.modules for q in m.questions for c in q.choices]):
        for collection in rows:
            for row in [r for r in collection if r.language == language]:
                collection.remove(row)
    db.session.commit()
    assert not db.session.scalar(select(func.count()).select_from(CourseTranslation).where(
        CourseTranslation.course_id == course.id, CourseTranslation.language == language))


#: Tables that database triggers write to when other tables are written (migrations 0036 to 0046: a summary's or
#: the kept generations' count of changes).
MARKED_BY_TRIGGERS = ("report_summaries", "kept_generations")


def emptying_order(metadata: sa.MetaData) -> list[sa.Table]:
    """Every table, in an order that deletes no row another still refers to: first the tables that triggers mark,
    with the tables that refer to them, so that deleting the rest fires triggers with nothing left to mark (a test
    with a summary of every period kept took 17 s to empty on PostgreSQL, marking each period per row deleted)."""
    order = list(reversed(metadata.sorted_tables))
    first = {metadata.tables[name] for name in MARKED_BY_TRIGGERS}
    while True:
        referring = {t for t in order if t not in first and any(k.column.table in first for k in t.foreign_keys)}
        if not referring:
            break
        first |= referring
    return [t for t in order if t in first] + [t for t in order if t not in first]
