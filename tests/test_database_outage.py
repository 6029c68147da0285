"""A database that stops answering: a translated 503 page, nothing written, and recovery on its own.

On PostgreSQL the app reaches its own throwaway database through a small TCP proxy that the test
stops (closing every proxied connection) and starts again. On SQLite, another process holds the
database file's write lock beyond the busy timeout.
"""
from __future__ import annotations

import os
import re
import socket
import sqlite3
import threading
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.engine import make_url

from lms import create_app
from lms.config import TestConfig
from lms.database import sqlite as sqlite_setup
from lms.database.migrations import upgrade
from lms.extensions import db
from lms.models import LessonCompletion, User
from tests.helpers import BUNDLED_COURSE, COURSES, ROOT, compile_translations, sign_in, throwaway_database

COURSE_URL = f"/courses/{BUNDLED_COURSE}"
FIRST, SECOND = "what-is-social-dialogue", "who-takes-part"
MESSAGE = "The database is not answering. Please try again in a minute."
ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL only: set TEST_DATABASE_URL")
sqlite_only = pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite only")


class Proxy:
    """Forwards a local port to the database server, in threads; ``stop()`` closes every connection."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.running = threading.Event()
        self.listener: threading.Thread | None = None

    def start(self) -> None:
        server = socket.create_server(("127.0.0.1", self.port))
        server.settimeout(0.1)
        self.running.set()
        self.listener = threading.Thread(target=self._accept, args=(server,), daemon=True)
        self.listener.start()

    def stop(self) -> None:
        """Refuse new connections and cut the open ones, as a server that went away."""
        self.running.clear()
        if self.listener:
            self.listener.join()
        self.drop_connections()

    def drop_connections(self) -> None:
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, server: socket.socket) -> None:
        with server:
            while self.running.is_set():
                try:
                    client, _ = server.accept()
                except TimeoutError:
                    continue
                client.settimeout(None)
                try:
                    upstream = socket.create_connection(self.target)
                except OSError:
                    client.close()
                    continue
                with self.lock:
                    self.sockets += [client, upstream]
                for source, target in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def build(url: str):
    """An app of its own on ``url``, migrated, with the bundled courses and the member "rosa"."""
    from lms.auth.services import create_user
    from lms.content.reader import read_library
    from lms.content.store import import_bundles
    from lms.privacy.services import give_consent

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    compile_translations()
    app = create_app(Config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        import_bundles(read_library(COURSES))
        rosa = create_user(username="rosa", password="correct horse battery", display_name="Rosa", country="PE",
                           gender="woman")
        give_consent(rosa, "membership")
        db.session.commit()
    return app


def completions(app) -> set[str]:
    with app.app_context():
        rows = db.session.scalars(select(LessonCompletion).join(User).where(User.username == "rosa")).all()
        slugs = {row.lesson.slug for row in rows}
        db.session.remove()
        return slugs


def lesson_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page).group(1)


def rosa_on_the_first_lesson(app):
    """Rosa signed in, the first lesson's address, and the token of its "done" form."""
    client = app.test_client()
    sign_in(client, "rosa")
    lesson = f"{COURSE_URL}/lessons/{FIRST}"
    return client, lesson, lesson_token(client.get(lesson).get_data(as_text=True))


def translated(app, language: str, text: str) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(text)


def assert_unavailable(app, response, language: str = "en") -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "no-store" in response.headers["Cache-Control"]
    assert f'<html lang="{language}"' in page
    assert translated(app, language, MESSAGE) in page
    assert "Traceback" not in page and "sqlalchemy" not in page.lower() and "psycopg" not in page.lower()
    # The page is drawn without the database: the member is shown it as a visitor.
    assert "/sign-in" in page
    return page


@pytest.fixture
def outage(tmp_path):
    url, drop = throwaway_database(os.environ["TEST_DATABASE_URL"], tmp_path)
    real = make_url(url)
    proxy = Proxy(real.host or "127.0.0.1", real.port or 5432)
    proxy.start()
    app = build(real.set(port=proxy.port).render_as_string(hide_password=False))
    yield app, proxy
    proxy.stop()
    with app.app_context():
        db.engine.dispose()
    drop()


@pytest.mark.postgresql
@postgresql_only
def test_database_gone_gives_a_translated_503_writes_nothing_and_recovers(outage):
    app, proxy = outage
    client, lesson, token = rosa_on_the_first_lesson(app)

    proxy.stop()
    assert_unavailable(app, client.get(lesson))
    assert_unavailable(app, client.post(f"{lesson}/done", data={"csrf_token": token}))
    french = assert_unavailable(app, client.get(lesson, headers={"Accept-Language": "fr"}), "fr")
    assert "Erreur 503" in french and "Aller à la page d'accueil" in french
    assert_unavailable(app, client.post(f"{lesson}/done", data={"csrf_token": token},
                                   headers={"Accept-Language": "fr"}), "fr")

    proxy.start()
    assert completions(app) == set()
    page = client.get(lesson)
    assert page.status_code == 200 and "Sign out" in page.get_data(as_text=True)  # still signed in
    done = client.post(f"{lesson}/done", data={"csrf_token": token})
    assert done.status_code == 302 and done.location.endswith(f"/lessons/{SECOND}")
    assert completions(app) == {FIRST}


@pytest.mark.postgresql
@postgresql_only
def test_connections_cut_while_idle_are_replaced_without_an_error(outage):
    """A server restart ends every connection in the pool; the next request gets a fresh one."""
    app, proxy = outage
    client, lesson, token = rosa_on_the_first_lesson(app)
    proxy.drop_connections()
    assert client.get(lesson).status_code == 200
    proxy.drop_connections()
    assert client.post(f"{lesson}/done", data={"csrf_token": token}).status_code == 302
    assert completions(app) == {FIRST}


@pytest.fixture
def sqlite_app(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_setup, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "lms.sqlite"
    app = build(f"sqlite:///{path}")
    yield app, path
    with app.app_context():
        db.engine.dispose()


@sqlite_only
def test_sqlite_file_locked_beyond_the_busy_timeout_gives_a_503_for_writes_only(sqlite_app):
    app, path = sqlite_app
    client, lesson, token = rosa_on_the_first_lesson(app)

    holder = sqlite3.connect(Path(path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing for longer than the busy timeout
    try:
        assert client.get(lesson).status_code == 200  # write-ahead log: reading never waits
        assert_unavailable(app, client.post(f"{lesson}/done", data={"csrf_token": token}))
        assert_unavailable(app, client.post(f"{lesson}/done", data={"csrf_token": token},
                                       headers={"Accept-Language": "fr"}), "fr")
    finally:
        holder.rollback()
        holder.close()
    assert completions(app) == set()
    done = client.post(f"{lesson}/done", data={"csrf_token": token})
    assert done.status_code == 302
    assert completions(app) == {FIRST}
