"""Fixtures: one throwaway database per test run (SQLite file, or a fresh PostgreSQL database when
TEST_DATABASE_URL points at a server), built by the real migrations and emptied after each test."""
from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from lms import clock, create_app
from lms.config import TestConfig
from lms.extensions import db

ROOT = Path(__file__).resolve().parent.parent
COURSES = ROOT / "courses"
BUNDLED_COURSE = "social-dialogue-at-work"
PASSWORD = "correct horse battery"
#: Where ``frozen_clock`` stops the portal's clock: a morning, far from midnight and noon.
FROZEN_AT = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


def throwaway_database(base_url: str | None, tmp_dir: Path) -> tuple[str, callable]:
    """A new, empty database and a function that drops it."""
    if not base_url or base_url.startswith("sqlite"):
        path = tmp_dir / f"lms-{uuid.uuid4().hex[:8]}.sqlite"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    url = make_url(base_url)
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url, drop = throwaway_database(os.environ.get("TEST_DATABASE_URL"), tmp_path_factory.mktemp("db"))
    yield url
    drop()


def compile_translations() -> None:
    """Tests read the interface in French and Spanish: compile the catalogues they need."""
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(ROOT / "translations")])


@pytest.fixture(scope="session")
def config(database_url):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    return Config


@pytest.fixture(scope="session")
def app(config):
    """The app under test, serving requests."""
    compile_translations()
    app = create_app(config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def data_app(app, config):
    """A second app on the same database, for a test's own reads and writes.

    Requests must not run inside a context the test pushed: Flask would share ``g`` between them,
    and with it the signed-in user and the chosen locale.
    """
    data_app = create_app(config)
    yield data_app
    with data_app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _forget_failed_attempts(request):
    """Each test starts with no failed sign-ins counted by the shared app."""
    yield
    if "app" in request.fixturenames:
        request.getfixturevalue("app").extensions["throttle"].reset()


@pytest.fixture(autouse=True)
def _empty_database_after_test(request):
    yield
    if "app" not in request.fixturenames and "app_ctx" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app_ctx(data_app):
    with data_app.app_context():
        yield data_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[datetime], datetime]]:
    """Stops lms.clock at FROZEN_AT for the test, and starts it again after; ``frozen_clock(moment)`` moves it.

    It holds in this process (a live server in a thread too), not in a subprocess, and not for libraries that
    read the time themselves (Flask-WTF's CSRF tokens, Flask-Limiter's windows)."""
    def stop_at(moment: datetime) -> datetime:
        clock.frozen_at = moment
        return moment

    with clock.freeze(FROZEN_AT):
        yield stop_at


@pytest.fixture
def create_user(app_ctx):
    """Factory: ``create_user(role="coordinator", coordinated_countries=["PE"])``."""
    from lms.auth.services import create_user as create

    counter = iter(range(1, 10_000))

    def make(username: str | None = None, password: str = PASSWORD, consent: bool = True, **fields):
        from lms.privacy.services import give_consent

        defaults = {"display_name": "Test Member", "country": "PE", "gender": "woman"}
        user = create(username=username or f"member{next(counter)}", password=password, **{**defaults, **fields})
        if consent:  # as at sign-up; ``consent=False`` for an account made before consent was asked
            give_consent(user, "membership")
        db.session.commit()
        return user

    return make


@pytest.fixture
def library(app_ctx):
    """Imports the bundled courses/ and returns the bundles that were read."""
    from lms.content.reader import read_library
    from lms.content.store import import_bundles

    bundles = read_library(COURSES)
    import_bundles(bundles)
    db.session.commit()
    return {b.slug: b for b in bundles}


@pytest.fixture
def course_copy(tmp_path):
    """A writable copy of the bundled course library, to break or change in a test."""
    target = tmp_path / "courses"
    shutil.copytree(COURSES, target)
    return target


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



def release_answers(minimum: int = 1) -> int:
    """Publish the survey answers waiting in the pool, as the scheduler's release-answers job does, in
    batches of any size (the job itself waits for RELEASE_BATCH of a batch); returns how many."""
    from lms.jobs import release_answers as release

    return release(minimum=minimum)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One browser's cookies against a live server (real HTTP)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        return self.opener.open(f"{self.base}{path}", timeout=30).read().decode()

    def token(self, path: str) -> str:
        """The CSRF token of the form on ``path``."""
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', self.get(path)).group(1)

    def post(self, path: str, form: dict) -> int:
        """The status of a form sent to ``path`` (redirects followed)."""
        try:
            return self.opener.open(f"{self.base}{path}", data=urlencode(form).encode(), timeout=60).status
        except HTTPError as error:
            return error.code


@contextmanager
def live_server(app) -> Iterator[str]:
    """``app`` served on a free local port, one thread per request; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def burst(send: Callable[[int], int], times: int = 20) -> list[int]:
    """``send(number)`` for ``times`` numbers, all released at the same moment from as many threads."""
    start = threading.Barrier(times)

    def at_once(number: int) -> int:
        start.wait(timeout=30)
        return send(number)

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(at_once, range(times)))
