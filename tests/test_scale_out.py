"""Two app servers behind one nginx, on one database and one Redis (docs/deploy.md, "Several app servers"):
a session, the sign-in limits and the courses are the same whichever server answers.

Each server is its own gunicorn (one worker, so that the process that read a course is the one asked again), with
its own instance folder, started the way bench/server_load.py starts one. On SQLite both open the same file, as
two gunicorn workers do on one machine; across machines it takes PostgreSQL.
"""
from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from bench.server_load import gunicorn
from tests.helpers import BUNDLED_COURSE, PASSWORD, Browser, redis_or_skip

pytestmark = [pytest.mark.slow, pytest.mark.redis]

#: What every server of one portal shares: its keys and its Redis (the tests' own database number of it).
SHARED = {"SECRET_KEY": "scale-out-secret-key-not-for-production-0123456789",
          "PSEUDONYM_KEY": "scale-out-pseudonym-key-not-for-production-012345",
          "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
          "SIGN_IN_LIMIT_ACCOUNT": "4 per hour",
          # The cost of the hashes the test's accounts have (TestConfig): a sign-in does not rehash them.
          "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024"}
SIGNED_OUT = "You were signed out on this device. Please sign in again."
LESSON = "what-is-social-dialogue"


@pytest.fixture(scope="module")
def instances(tmp_path_factory) -> Path:
    """The instance folders of the two servers: ``a`` and ``b`` in it."""
    return tmp_path_factory.mktemp("instances")


@pytest.fixture(scope="module")
def servers(database_url, instances) -> Iterator[tuple[str, str]]:
    """The base URLs of two servers, A and B, each with an instance folder of its own; started once for the tests
    here (the database is emptied after each one, and each names accounts of its own)."""
    redis = redis_or_skip()
    prefix = f"lms-scale-out-{uuid.uuid4().hex[:8]}"  # these tests' counts only, whatever runs beside them
    try:
        with ExitStack() as stack:
            bases = []
            for name in ("a", "b"):
                folder = instances / name
                folder.mkdir()
                base, _server = stack.enter_context(gunicorn(database_url, str(folder), workers=1,
                                                             settings={**SHARED, "RATELIMIT_KEY_PREFIX": prefix}))
                bases.append(base)
            yield bases[0], bases[1]
    finally:
        for key in redis.keys(f"*{prefix}*"):
            redis.delete(key)


def attempt(browser: Browser, identifier: str, password: str = PASSWORD) -> int:
    """A sign-in sent through the form, as a browser sends it; the status of the answer."""
    return browser.post("/sign-in", {"identifier": identifier, "password": password,
                                     "csrf_token": browser.token("/sign-in")})


def copied(jar: CookieJar) -> CookieJar:
    """Another jar holding copies of the same cookies (the cookie copied to another device)."""
    other = CookieJar()
    for cookie in jar:
        other.set_cookie(copy.copy(cookie))
    return other


def test_a_session_is_one_on_both_servers_and_ends_on_both(servers, create_user, instances):
    a, b = servers
    create_user("amina")
    phone = Browser(a)
    assert attempt(phone, "amina") == 200
    assert phone.visit("/profile")[0] == "/profile"
    assert Browser(b, jar=phone.jar).visit("/profile")[0] == "/profile", "B opens the session A started"

    # Signing out through B ends the session on A too, for a copy of the cookie taken before.
    kept_copy = Browser(a, jar=copied(phone.jar))
    on_b = Browser(b, jar=phone.jar)
    assert on_b.post("/sign-out", {"csrf_token": on_b.token("/profile")}) == 200
    path, page = kept_copy.visit("/profile")
    assert path == "/sign-in" and SIGNED_OUT in page

    # A session ended from another device's list, on B, ends on A at its next request.
    assert attempt(phone, "amina") == 200
    laptop = Browser(b)
    assert attempt(laptop, "amina") == 200
    others = re.findall(r'action="/profile/sessions/(\d+)/sign-out"', laptop.get("/profile"))
    assert len(others) == 1, "the laptop lists the phone's session"
    assert laptop.post(f"/profile/sessions/{others[0]}/sign-out", {"csrf_token": laptop.token("/profile")}) == 200
    path, page = phone.visit("/profile")
    assert path == "/sign-in" and SIGNED_OUT in page
    assert laptop.visit("/profile")[0] == "/profile"
    # Nothing of the portal's is kept in a server's instance folder: it need not be shared.
    assert [*(instances / "a").iterdir(), *(instances / "b").iterdir()] == []


def test_failed_sign_ins_on_both_servers_count_against_one_limit(servers, create_user):
    a, b = servers
    create_user("rosa")
    answers = [attempt(Browser(base), "rosa", "not the password") for base in (a, b, a, b)]
    assert answers == [200] * 4
    assert attempt(Browser(a), "rosa") == 429  # the right password, the fifth attempt, wherever it lands
    assert attempt(Browser(b), "rosa") == 429


def test_a_lesson_edited_through_one_server_is_read_on_the_other_at_its_next_request(servers, create_user, library):
    a, b = servers
    create_user("reader")
    create_user("editor", role="admin")
    reader = Browser(b)
    assert attempt(reader, "reader") == 200
    lesson = f"/courses/{BUNDLED_COURSE}/lessons/{LESSON}"
    assert "What is social dialogue?" in reader.get(lesson)  # B's process now keeps the course

    editor = Browser(a)
    assert attempt(editor, "editor") == 200
    form = f"/author/courses/{BUNDLED_COURSE}/lessons/{LESSON}"
    page = editor.get(form)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert editor.post(form, {"title": "Social dialogue, explained", "body": "Talks between workers and employers.",
                              "version": version, "save": "Save",
                              "csrf_token": editor.token(form)}) == 200

    page = reader.get(lesson)
    assert "Social dialogue, explained" in page and "Talks between workers and employers." in page
    assert "What is social dialogue?" not in page
