"""Anonymous answers cannot be linked to an invitation, an account or a sign-in by whoever holds the
database (system columns included), a backup or the logs: the attacks of docs/privacy.md, played."""
from __future__ import annotations

import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import make_url

from lms.extensions import db
from lms.learn import services as learning
from lms.models import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
from lms.surveys.results import RELEASE_BATCH
from tests.helpers import (
    BUNDLED_COURSE,
    GOOD_ANSWERS,
    ROOT,
    answer_in_browser,
    dialect,
    free_port,
    json_lines,
    release_any,
    sign_in,
)
from tests.privacy.helpers import fixed_points_bound

MEMBERS = 20
DEMO_PASSWORD = "demo pass 1"


@pytest.fixture
def answered_wave(json_app, app_ctx, library, create_user, make_survey, capsys):
    """20 members answer an anonymous wave one after the other, each writing a unique marker in the free
    text, through the app that logs in JSON; returns the markers and invitations in the order answered."""
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(course=course, waves=["baseline"])
    members = [create_user(f"worker{i:02d}", display_name=f"Worker Number{i:02d}") for i in range(MEMBERS)]
    for member in members:
        learning.enrol(member.id, course)
    db.session.commit()
    invitation_of = dict(db.session.execute(select(SurveyInvitation.user_id, SurveyInvitation.id)).all())
    capsys.readouterr()
    markers = []
    for member in members:
        client = json_app.test_client()
        sign_in(client, member.username)
        marker = f"mark{secrets.token_hex(8)}"
        answered = answer_in_browser(client, invitation_of[member.id],
                                     {**GOOD_ANSWERS, "q_comment": f"The night shift is unpaid {marker}"})
        assert answered.status_code == 302 and answered.headers["Location"] == "/"
        markers.append(marker)
    db.session.expire_all()
    assert all(i.answered for i in db.session.scalars(select(SurveyInvitation)))
    return {"markers": markers, "invitations": [invitation_of[m.id] for m in members],
            "users": [m.id for m in members], "usernames": [m.username for m in members],
            "log": json_lines(capsys)}


def every_row_with_system_columns() -> list[tuple[str, dict]]:
    """Every row of every table, every column, with SQLite's rowid or PostgreSQL's xmin, cmin and ctid."""
    rows = []
    with db.engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        for table in tables:
            if dialect() == "postgresql":
                query = f'SELECT xmin::text AS "@xmin", cmin::text AS "@cmin", ctid::text AS "@ctid", * FROM "{table}"'
            else:
                without_rowid = "WITHOUT ROWID" in (conn.execute(sa.text(
                    "SELECT sql FROM sqlite_master WHERE name = :name"), {"name": table}).scalar() or "").upper()
                query = f'SELECT * FROM "{table}"' if without_rowid else f'SELECT rowid AS "@rowid", * FROM "{table}"'
            rows.extend((table, dict(row)) for row in conn.execute(sa.text(query)).mappings())
    return rows


def as_bytes(value) -> bytes:
    return bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()


def database_files() -> bytes:
    """The SQLite database's own files (the file, its write-ahead log, a journal), as a thief would copy them.

    Read by another process: closing a file of the database in this one would drop every lock this
    process's connections hold on it (POSIX advisory locks), and another process could then take the
    write-ahead log for its own and remove it ("How To Corrupt An SQLite Database File", 2.2).
    """
    path = Path(make_url(str(db.engine.url)).database)
    files = [str(p) for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]
    return subprocess.run(["cat", *files], check=True, capture_output=True).stdout


def backup_contents(app, tmp_path) -> bytes:
    """A ``flask backup`` of the database, readable: the SQLite file, or pg_dump's archive as SQL."""
    target = tmp_path / "lms.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    if dialect() != "postgresql":
        return target.read_bytes()
    return subprocess.run(["pg_restore", "--file=-", str(target)], check=True, capture_output=True).stdout


def test_before_release_no_answer_is_in_clear_in_the_database_a_backup_or_the_logs(answered_wave, app, tmp_path):
    markers = [m.encode() for m in answered_wave["markers"]]
    rows = every_row_with_system_columns()
    assert any(table == "survey_invitations" for table, _row in rows)  # the reader sees the whole database
    for table, row in rows:
        for column, value in row.items():
            found = [m for m in markers if m in as_bytes(value)]
            assert not found, f"{table}.{column} holds an answer in clear"
    if dialect() == "sqlite":
        files = database_files()
        assert files.startswith(b"SQLite format 3")
        assert not [m for m in markers if m in files], "the database file holds an answer in clear"
    backup = backup_contents(app, tmp_path)
    assert b"survey_invitations" in backup  # a real backup of everything
    assert not [m for m in markers if m in backup], "the backup holds an answer in clear"

    log = answered_wave["log"]
    access = [line for line in log if line["logger"] == "lms.access"]
    assert len(access) >= 4 * MEMBERS  # sign-in, consent and answer pages of every member, each a line
    assert sum(line["path"] == "/surveys/invitations/<invitation_id>/answer" and line["method"] == "POST"
               for line in access) == MEMBERS
    written = json.dumps(log)
    for line in log:
        assert not re.search(r"/\d", line.get("path", "")), line  # no id of anything in a path
        assert not ({"user", "user_id", "username", "invitation", "invitation_id"} & line.keys()), line
    for invitation_id in answered_wave["invitations"]:
        assert f"invitations/{invitation_id}" not in written
    for marker in answered_wave["markers"]:
        assert marker not in written
    for name in answered_wave["usernames"]:
        assert name not in written


def ordering_signals(comment_question: int) -> dict[str, dict]:
    """Every order the database gives the published responses: name -> {response id: sortable value}."""
    signals: dict[str, dict] = {"response id": {}, "submitted_on": {}}
    for response_id, day in db.session.execute(select(SurveyResponse.id, SurveyResponse.submitted_on)):
        signals["response id"][response_id] = str(response_id)
        signals["submitted_on"][response_id] = day
    if dialect() == "postgresql":
        columns = {"xmin": "xmin::text::bigint", "cmin": "cmin::text::bigint",
                   "ctid": "(ctid::text::point)[0] * 100000 + (ctid::text::point)[1]"}
    else:
        columns = {"rowid": "rowid"}
    for name, expression in columns.items():
        signals[f"response {name}"] = dict(db.session.execute(sa.text(
            f"SELECT id, {expression} FROM survey_responses")).all())
        # The adversary may also order the answers: the free-text one, and the first of each response.
        signals[f"comment answer {name}"] = dict(db.session.execute(sa.text(
            f"SELECT response_id, {expression} FROM survey_answers WHERE question_id = :q"),
            {"q": comment_question}).all())
        signals[f"first answer {name}"] = dict(db.session.execute(sa.text(
            f"SELECT response_id, min({expression}) FROM survey_answers GROUP BY response_id")).all())
    return {name: {uuid_of(key): value for key, value in values.items()} for name, values in signals.items()}


def uuid_of(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def test_after_release_no_order_in_the_database_names_more_respondents_than_chance(answered_wave, app_ctx):
    assert release_any(minimum=RELEASE_BATCH) == MEMBERS  # the scheduler's job: one batch of 20
    markers = answered_wave["markers"]
    comment = db.session.scalar(select(SurveyQuestion.id).where(SurveyQuestion.code == "comment"))
    # The truth, which the adversary does not have: whose marker each response holds.
    truth = {response_id: markers.index(value.rsplit(" ", 1)[1]) for response_id, value in db.session.execute(
        select(SurveyAnswer.response_id, SurveyAnswer.value).where(SurveyAnswer.question_id == comment))}
    assert sorted(truth.values()) == list(range(MEMBERS))
    if dialect() == "postgresql":
        # What the adversary knows: the order the invitations were answered, from their xmin.
        order = [row[0] for row in db.session.execute(sa.text(
            "SELECT id FROM survey_invitations ORDER BY xmin::text::bigint"))]
        assert order == answered_wave["invitations"]
    # (On SQLite the adversary is given that order: someone who watched the members answer.)
    signals = ordering_signals(comment)
    guesses = 2 * len(signals)  # each order, read forwards and backwards
    bound = fixed_points_bound(MEMBERS, guesses)
    assert bound <= 9  # 22 guesses at most: P(any of them names 9 or more of 20 by chance) < 3e-5
    tie_break = random.Random(14)  # the adversary's arbitrary order among equal values; not a secret
    breaker = {response_id: tie_break.random() for response_id in truth}
    named = {}
    for name, values in signals.items():
        assert set(values) == set(truth), name
        for backwards in (False, True):
            ranking = sorted(values, key=lambda r, v=values: (v[r], breaker[r]), reverse=backwards)
            # The adversary's guess: the k-th response in this order is the k-th member to have answered.
            named[(name, backwards)] = sum(truth[response_id] == k for k, response_id in enumerate(ranking))
    assert max(named.values()) < bound, "; ".join(
        f"{name}{' backwards' if backwards else ''} names {n}" for (name, backwards), n in named.items())
    assert len({r.submitted_on for r in db.session.scalars(select(SurveyResponse))}) == 1  # one day for all


def results_page(client, code: str) -> str:
    """The results page's main part, without its per-request parts (form tokens)."""
    page = client.get(f"/surveys/manage/{code}/results").get_data(as_text=True)
    main = re.search(r"<main.*</main>", page, re.S).group(0)
    return re.sub(r'name="csrf_token"[^>]*>', "", main)


def test_one_more_answer_leaves_the_live_results_unchanged_until_a_batch_is_released(
        app, client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    author = create_user("author", role="coordinator", coordinated_countries=["PE"])  # trainers read no figures
    survey = make_survey(course=course, waves=["baseline"], creator=author)
    members = [create_user(f"worker{i}") for i in range(3 * RELEASE_BATCH)]
    for member in members:
        learning.enrol(member.id, course)
    db.session.commit()
    invitation_of = dict(db.session.execute(select(SurveyInvitation.user_id, SurveyInvitation.id)).all())

    def answer(member, safe: str) -> None:
        browser = app.test_client()
        sign_in(browser, member.username)
        assert answer_in_browser(browser, invitation_of[member.id], {**GOOD_ANSWERS, "q_safe": safe}).status_code == 302

    sign_in(client, "author")
    first = 2 * RELEASE_BATCH  # a share is shown from 10 people (lms/disclosure.py); 10 and 15 are published as such
    for member in members[:first]:
        answer(member, "4")
    release_any(minimum=RELEASE_BATCH)
    before = results_page(client, survey.code)
    assert "10 responses" in before and "100%" in before
    # The attack: read the results, let one member answer, read them again.
    answer(members[first], "1")
    release_any(minimum=RELEASE_BATCH)  # the scheduler runs in between
    assert results_page(client, survey.code) == before
    for member in members[first + 1:]:
        answer(member, "1")
    release_any(minimum=RELEASE_BATCH)
    after = results_page(client, survey.code)
    assert "15 responses" in after and "67%" in after



@pytest.mark.slow
def test_make_runs_server_logs_no_invitation_id_when_a_member_answers(app_ctx, library, database_url, tmp_path):
    """``make run`` as in the quick start (its install and import taken as done), on a free port."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "PORT": str(port),
           "DEMO_PASSWORD": DEMO_PASSWORD, "JOBS_INTERVAL_MINUTES": "60"}
    for name in ("SECRET_KEY", "LOG_FORMAT", "APP_ENV"):
        env.pop(name, None)
    log_path = tmp_path / "run.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(["make", "-s", "run", "-o", "install", "-o", "prepare", f"VENV={sys.prefix}"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        browser = build_opener(HTTPCookieProcessor(CookieJar()))
        deadline = time.monotonic() + 120
        while True:
            try:
                browser.open(f"{base}/healthz", timeout=5)
                break
            except OSError:
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "make run did not serve the portal"
                time.sleep(0.5)

        def form_post(path: str, fields: dict) -> str:
            page = browser.open(f"{base}{path}", timeout=30).read().decode()
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            return browser.open(f"{base}{path}", data=urlencode({**fields, "csrf_token": token}, doseq=True).encode(),
                                timeout=30).read().decode()

        form_post("/sign-in", {"identifier": "demo-member", "password": DEMO_PASSWORD})
        waiting = browser.open(f"{base}/surveys", timeout=30).read().decode()
        invitation_id = re.search(r'/surveys/invitations/(\d+)', waiting).group(1)
        form_post(f"/surveys/invitations/{invitation_id}", {"decision": "agree"})
        thanked = form_post(f"/surveys/invitations/{invitation_id}/answer", {
            "q_heard": "4", "q_meeting": "yes", "q_report": "surely", "q_confident": "4", "q_hours": "48"})
        assert "Your answers are saved." in thanked
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=90)
    written = log_path.read_text()
    assert f"/invitations/{invitation_id}" not in written, written
    assert "POST /surveys/invitations/<invitation_id>/answer 302" in written, written  # the answer's line
