"""Fixtures: one throwaway database per test run (SQLite file, or a fresh PostgreSQL database when
TEST_DATABASE_URL points at a server), built by the real migrations and emptied after each test; factories for
users, the bundled courses and surveys. What tests call themselves is in tests/helpers.py."""
from __future__ import annotations

import copy
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.test import TestResponse

from lms import clock, create_app
from lms.config import TestConfig
from lms.core import after_response
from lms.core.logs import JsonFormatter
from lms.database.migrations import upgrade
from lms.extensions import db
from lms.surveys import building
from tests.helpers import (
    COURSES,
    PASSWORD,
    QUESTIONS,
    ROOT,
    compile_translations,
    emptying_order,
    free_port,
    serve,
    throwaway_database,
)
from tests.kannel import PROGRAMS as KANNEL_PROGRAMS
from tests.kannel import Kannel
from tests.library_rows import bundled_courses, imported_library

#: Where ``frozen_clock`` stops the portal's clock: a morning, far from midnight and noon.
FROZEN_AT = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
#: Markers given by the fixtures a test uses (the others are set where the tests are: pytestmark or a decorator).
MARKERS_BY_FIXTURE = {"browser": "browser", "inbox": "smtp", "kannel": "kannel"}


def pytest_collection_modifyitems(items):
    for item in items:
        for fixture, marker in MARKERS_BY_FIXTURE.items():
            if fixture in item.fixturenames:
                item.add_marker(marker)



def _then_settle(method):
    """``method``, returning once the work a page does after answering (a code to the gateway, an e-mail:
    lms/core/after_response.py) is done, so that tests look at what the page did, not at a race with it."""
    def then_settle(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        after_response.settle()
        return result
    return then_settle


# A test client's request, and closing its answer (which starts the work after it, as a server does).
FlaskClient.open = _then_settle(FlaskClient.open)
TestResponse.close = _then_settle(TestResponse.close)

@event.listens_for(Engine, "connect")
def _commit_without_waiting_for_the_disk(dbapi_connection, _record):
    """Test databases are thrown away: an SQLite commit need not wait for its flush to disk (PostgreSQL's are set
    so by ``throwaway_database``). What other connections see is the same; only a power cut could lose a commit."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url, drop = throwaway_database(os.environ.get("TEST_DATABASE_URL"), tmp_path_factory.mktemp("db"))
    yield url
    drop()


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
    """Each test starts with nothing counted by the shared apps' limits (failed sign-ins, codes sent)."""
    yield
    for name in ("app", "data_app"):
        if name in request.fixturenames:
            request.getfixturevalue(name).extensions["throttle"].reset()


@pytest.fixture(autouse=True)
def _clean_ups_without_waiting():
    """A storage clean-up on PostgreSQL first waits up to 2 s for the server's older transactions
    (lms/database/storage.py); in the suite those are the other pytest worker's, almost always open, so that a test
    that publishes or erases answers a dozen times waited half a minute. The tests that read the files for old row
    versions wait longer instead (tests/surveys/test_storage.py, tests/reports/test_summaries.py).

    Not with ``monkeypatch``: an autouse fixture that asks for it sets it up before every other fixture, so that it
    is undone last, and a test's own ``monkeypatch.setitem`` on a setting that a fixture had changed then put that
    fixture's value back after the fixture had restored the setting (SMS_SENDING_HOURS left at "0-24")."""
    from lms.database import storage

    waited = storage.SNAPSHOT_WAIT_SECONDS
    storage.SNAPSHOT_WAIT_SECONDS = 0.0
    yield
    storage.SNAPSHOT_WAIT_SECONDS = waited


@pytest.fixture(autouse=True)
def _empty_database_after_test(request):
    yield
    if "app" not in request.fixturenames and "app_ctx" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in emptying_order(db.metadata):
                conn.execute(table.delete())


@pytest.fixture(scope="session")
def live_server(app):
    """The app under test served on a free local port (real HTTP), for a browser or a gateway's callbacks."""
    with serve(app) as base:
        yield base


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
def still_clock() -> Iterator[datetime]:
    """Stops lms.clock at the real moment the test starts: for a test that counts a page's queries, which a
    session's "last seen" write (at most once in five minutes, lms/auth/session_store.py) adds when the test
    happens to cross one of those five minutes."""
    with clock.freeze(datetime.now(UTC)) as moment:
        yield moment


@pytest.fixture
def json_app(config):
    """The app writing its logs as JSON lines to stderr (read them with ``json_lines(capsys)``)."""

    class JsonLogs(config):
        LOG_FORMAT = "json"

    yield create_app(JsonLogs)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    for name in ("werkzeug", "alembic.runtime.plugins"):
        logging.getLogger(name).setLevel(logging.NOTSET)


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
    """Imports the bundled courses/ and returns the bundles that were read (a copy of its own for each test): the
    rows of one import put back, or, when the database has course content already, the import itself."""
    from lms.content.store import import_bundles

    imported = imported_library(app_ctx, import_bundles)
    if imported is not None and imported.put_back(db.session):
        bundles = imported.copy_of_bundles()
    else:
        bundles = copy.deepcopy(bundled_courses())
        import_bundles(bundles)
    db.session.commit()
    return {b.slug: b for b in bundles}


@pytest.fixture
def course_copy(tmp_path):
    """A writable copy of the bundled course library, to break or change in a test."""
    target = tmp_path / "courses"
    shutil.copytree(COURSES, target)
    return target


@pytest.fixture
def make_survey(app_ctx):
    """Factory: ``make_survey(privacy="pseudonymous", course=course, waves=["baseline", "endline"])``, a published
    survey with one question of every kind (QUESTIONS in tests/helpers.py)."""

    def make(code="workers-voice", privacy="anonymous", creator=None, subject="participant", publish=True,
             course=None, group=None, waves=(), indicators=True):
        survey = building.create_survey(code=code, title="Workers' voice", description="Why we ask.",
                                        language="en", privacy=privacy, subject=subject, creator=creator)
        for spec in QUESTIONS:
            building.add_question(survey, spec)
        if publish:
            building.publish(survey)
        for kind in waves:
            building.add_wave(survey, kind=kind, course=course, group=group,
                              days_after=90 if kind == "follow_up" else None)
        if indicators:
            building.add_indicator(survey, code="feels_safe", question_code="safe", kind="share",
                                   choice_codes=["4", "5"], direction="up", title="Workers who feel safe",
                                   language="en")
            building.add_indicator(survey, code="mean_hours", question_code="hours", kind="mean",
                                   choice_codes=[], direction="down", title="Hours worked", language="en")
        db.session.commit()
        return survey

    return make


class Inbox:
    """What the local SMTP server received: ``messages``, each a dict of ``to``, ``subject`` and ``body``."""

    def __init__(self):
        self.messages: list[dict] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        message = message_from_bytes(envelope.content)
        self.messages.append({"to": envelope.rcpt_tos, "subject": str(make_header(decode_header(message["Subject"]))),
                              "body": message.get_payload(decode=True).decode()})
        return "250 OK"

    def wait_for(self, count: int, seconds: float = 10) -> list[dict]:
        """The messages, once ``count`` have arrived (a live server sends after its answer, from its own thread)."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def inbox(app, data_app):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping what arrives; the app under test sends its e-mail there,
    and so does the test's own (jobs a test runs itself, such as reminders)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port  # for a process started by the test, which reads its settings from the environment
    keys = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")
    saved = [(each, {key: each.config[key] for key in keys}) for each in (app, data_app)]
    for each, _settings in saved:
        each.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield inbox
    for each, settings in saved:
        each.config.update(settings)
    controller.stop()


#: An SMS gateway that nobody answers (port 9, refused at once): SMS choices show and messages are queued, and
#: every attempt to hand one over fails, to be tried again. Tests of what reaches a phone use the real Kannel.
UNANSWERED_GATEWAY = {"SMS_GATEWAY": "kannel", "SMS_SEND_URL": "http://127.0.0.1:9/cgi-bin/sendsms",
                      "SMS_USERNAME": "portal", "SMS_PASSWORD": "gateway-password",
                      "SMS_CALLBACK_SECRET": "callback-secret-for-tests", "SMS_SENDING_HOURS": "0-24"}


@pytest.fixture
def sms_enabled(app, data_app):
    """SMS turned on in the app under test and the test's own, with UNANSWERED_GATEWAY; restored after."""
    saved = [(each, {key: each.config[key] for key in UNANSWERED_GATEWAY}) for each in (app, data_app)]
    for each, _settings in saved:
        each.config.update(UNANSWERED_GATEWAY)
    yield UNANSWERED_GATEWAY
    for each, settings in saved:
        each.config.update(settings)


@pytest.fixture
def kannel(app, data_app, live_server, tmp_path):
    """A real Kannel (tests/kannel.py), started for the test and stopped after it: the app under test and the
    test's own send through it, and its delivery reports and incoming messages come to the live server."""
    missing = [program for program in KANNEL_PROGRAMS if not Path(program).exists()]
    if missing:
        pytest.fail(f"Kannel tests need {', '.join(missing)}: run `make test`, which installs kannel and "
                    "kannel-extras.")
    gateway = Kannel(tmp_path / "kannel", live_server)
    saved = [(each, {key: each.config[key] for key in gateway.settings}) for each in (app, data_app)]
    try:
        gateway.start()
        for each, _settings in saved:
            each.config.update(gateway.settings)
        yield gateway
    finally:
        for each, settings in saved:
            each.config.update(settings)
        gateway.stop()
        live_server.wait_until_idle()
