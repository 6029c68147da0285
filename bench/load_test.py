"""Many members learning at once: throughput, latency, and no "done" lost or doubled.

    .venv/bin/python bench/load_test.py                      # 200 members for 60 s, PostgreSQL on 127.0.0.1:5432
    .venv/bin/python bench/load_test.py --members 50 --duration 20
    .venv/bin/python bench/load_test.py --restart-database   # on a private PostgreSQL 15, restarted at a third
    .venv/bin/python bench/load_test.py --editor --visitors 8 --gc-threshold 50   # workers' health under edits

It builds a throwaway database (the migrations, the bundled courses, ``--members`` accounts), starts
``gunicorn -w 2 wsgi:app`` on a free local port (bench/server_load.py), and runs one thread per
member, as a browser would over real HTTP: sign in, start the bundled course (these first steps are
timed apart), then for ``--duration`` seconds read a lesson and press "Mark as done" with the page's
CSRF token, lesson after lesson, starting again after the last. Half the members ask for French.
Every "done" answered with success (a redirect onward) is recorded. At the end it reports
throughput and latency percentiles, reads and writes apart, then checks in the database that every
recorded "done" is there and that none is doubled (one row per member and lesson, one enrolment per
member); exit 1 if not, if any request failed, or if a worker died (a signal such as SIGSEGV, which cuts off the
request it was answering; the workers run with faulthandler on, so the log says where each died).

``--visitors N``: N visitors with cookies off (each request a new visitor, as a crawler or a first visit) also read
the lessons, the one the editor saves every other time.
``--editor``: an admin also saves the course's first lesson every 0.2 s, as a trainer at work would, so that every
process drops its copy of the course (lms/learn/reading.py) and reads it again, over and over. ``--gc-threshold N``:
gunicorn runs with the deployment's settings (docs/deploy/gunicorn.conf.py, the command line's bind, workers and
log level first) and each worker collects garbage after every N new objects (``gc.set_threshold(N)``; Python's
default is 700), which brings a fault in memory that garbage collection trips over to light in a minute rather
than an hour.

``--restart-database``: the shared server must not be restarted, so the database is on a
PostgreSQL 15 cluster of the bench's own (``initdb`` in a temporary folder, run as the ``postgres``
user, a free port; removed afterwards), restarted with ``pg_ctl restart -m fast`` a third of the way
through. The report then says how many requests failed during the outage, whether every failure
was the 503 page in the member's language with ``Retry-After`` (not a 500, not a hang), and how long
after the restart began requests succeeded again. Loopback only.
"""
from __future__ import annotations

import argparse
import gzip
import html
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import warnings_only  # noqa: E402
from bench.server_load import BUNDLED_COURSE, PASSWORD, POSTGRESQL, build_database, free_port, gunicorn  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
#: A request not answered in this many seconds counts as a hang.
TIMEOUT = 30
UNAVAILABLE = "The database is not answering. Please try again in a minute."
LANGUAGES = ("en", "fr")
CSRF = re.compile(r'name="csrf_token"[^>]* value="([^"]+)"')


@dataclass
class Sample:
    kind: str  # "sign-in", "start", "read", "write"; "visit" (a visitor's), "edit" (the editor's)
    started: float
    seconds: float
    status: int  # 0: no answer (a timeout or a dropped connection)
    ok: bool
    #: For a failure: it was the 503 page, in the member's language, with Retry-After.
    clean: bool = False


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the answer we time (a "done" answers with one), not a reason for another request."""

    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Member:
    base: str
    username: str
    language: str
    unavailable_text: str
    samples: list[Sample] = field(default_factory=list)
    #: Lessons whose "done" got a success answer.
    done: set[str] = field(default_factory=set)
    #: Whether it keeps the cookies it is given (a visitor with cookies off is a new visitor at every request).
    cookies: bool = True
    password: str = PASSWORD

    def __post_init__(self) -> None:
        handlers = [urllib.request.HTTPCookieProcessor(CookieJar())] if self.cookies else []
        self.opener = urllib.request.build_opener(*handlers, KeepRedirects())
        self.opener.addheaders = [("Accept-Language", self.language), ("Accept-Encoding", "gzip")]

    def call(self, kind: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        """One request; returns (status, body, Location) and keeps its sample."""
        data = urlencode(form).encode() if form is not None else None
        started = time.monotonic()
        headers = {}
        try:
            with self.opener.open(self.base + path, data=data, timeout=TIMEOUT) as response:
                status, raw, headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, headers = error.code, error.read(), error.headers
        except OSError:
            status, raw = 0, b""
        seconds = time.monotonic() - started
        if headers and headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        body = raw.decode(errors="replace")
        location = headers.get("Location", "") if headers else ""
        ok = status == 200 or (status == 302 and "/sign-in" not in location)
        clean = (status == 503 and bool(headers.get("Retry-After")) and self.unavailable_text in body
                 and f'<html lang="{self.language}"' in body)
        self.samples.append(Sample(kind, started, seconds, status, ok, clean))
        return status, body, location

    def token(self, body: str) -> str | None:
        match = CSRF.search(body)
        return match.group(1) if match else None

    def begin(self, course: str, deadline: float) -> None:
        """Sign in and start the course, trying again (after a pause) until it works or time is up."""
        while time.monotonic() < deadline:
            status, body, _ = self.call("sign-in", "/sign-in")
            token = self.token(body) if status == 200 else None
            if token:
                status, _, _ = self.call("sign-in", "/sign-in", {"identifier": self.username,
                                                                 "password": self.password, "csrf_token": token})
                if status == 302:
                    break
            time.sleep(1)
        while time.monotonic() < deadline:
            status, body, _ = self.call("start", f"/courses/{course}")
            token = self.token(body) if status == 200 else None
            if token and self.call("start", f"/courses/{course}/start", {"csrf_token": token})[0] == 302:
                return
            time.sleep(1)

    def visit(self, course: str, lessons: list[str], deadline: float) -> None:
        """Read the first lesson (the one the editor saves), then the next, without signing in, until ``deadline``."""
        index = 0
        while time.monotonic() < deadline:
            self.call("visit", f"/courses/{course}/lessons/{lessons[0 if index % 2 else index // 2 % len(lessons)]}")
            index += 1

    def learn(self, course: str, lessons: list[str], deadline: float) -> None:
        """Read a lesson, mark it done, go on to the next; after a failure, wait a second as a person would."""
        index = 0
        while time.monotonic() < deadline:
            lesson = lessons[index % len(lessons)]
            path = f"/courses/{course}/lessons/{lesson}"
            status, body, _ = self.call("read", path)
            token = self.token(body) if status == 200 else None
            if token is None:
                time.sleep(1)
                continue
            status, _, location = self.call("write", f"{path}/done", {"csrf_token": token})
            if status == 302 and "/sign-in" not in location:
                self.done.add(lesson)
                index += 1
            else:
                time.sleep(1)


@contextmanager
def private_postgresql() -> Iterator[tuple[str, Callable[[], None]]]:
    """A PostgreSQL 15 cluster of our own on a free port; yields its URL and a function that restarts it."""
    folder = Path(tempfile.mkdtemp(prefix="lms-load-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()

    def pg(*args: str) -> None:
        # initdb refuses to run as root: the cluster belongs to the postgres user.
        subprocess.run(["runuser", "-u", "postgres", "--", *args], cwd=folder, check=True, timeout=120,
                       stdout=subprocess.DEVNULL)

    try:
        pg(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "-o",
           f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start")
        try:
            yield (f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
                   lambda: pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-m", "fast", "restart"))
        finally:
            pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-m", "fast", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def unavailable_texts(app) -> dict[str, str]:
    """The 503 page's message in each language the members use, as the catalogues have it."""
    from flask_babel import force_locale, gettext

    texts = {}
    for language in LANGUAGES:
        with app.test_request_context(), force_locale(language):
            texts[language] = gettext(UNAVAILABLE)
    return texts


EDITOR = "load-editor"
TEXT_FIELDS = {name: re.compile(pattern, re.S) for name, pattern in (
    ("version", r'name="version"[^>]* value="([^"]*)"'),
    ("title", r'name="title"[^>]* value="([^"]*)"'),
    ("body", r'<textarea[^>]* name="body"[^>]*>(.*?)</textarea>'),
)}


def make_editor(app) -> None:
    """An admin account, ``EDITOR``, who may edit the bundled course."""
    from lms.auth.services import create_user
    from lms.extensions import db

    with app.app_context():
        create_user(username=EDITOR, password=PASSWORD, display_name="Editor", country="PE", gender="woman",
                    role="admin")
        db.session.commit()


def edit(editor: Member, lesson: str, deadline: float) -> None:
    """Saves ``lesson`` with one more line, every 0.2 s until ``deadline`` (each save a new content stamp)."""
    path = f"/author/courses/{BUNDLED_COURSE}/lessons/{lesson}"
    while time.monotonic() < deadline:
        status, body, _ = editor.call("edit", path)
        found = {name: pattern.search(body) for name, pattern in TEXT_FIELDS.items()} if status == 200 else {}
        token = editor.token(body) if status == 200 else None
        if token and all(found.values()):
            text = {name: html.unescape(match.group(1)) for name, match in found.items()}
            status, _, location = editor.call("edit", path, {**text, "csrf_token": token,
                                                             "body": text["body"].rstrip() + "\n\nOne more line.\n"})
            if status == 302:  # the edit page again, with its "Saved as version n" message, as a browser goes on
                editor.call("edit", location.removeprefix(editor.base))
        time.sleep(0.2)


#: What the server log says when a worker dies of a signal other than the one that stops it, and where
#: (faulthandler's first line).
WORKER_DEATH = re.compile(r"Worker \(pid:\d+\) was sent (SIG(?!TERM)\w+)")
FAULT = "Fatal Python error"


def worker_deaths(logged: str) -> Counter:
    return Counter(WORKER_DEATH.findall(logged))


def first_fault(logged: str, lines: int = 8) -> str:
    """The first fault faulthandler wrote, its first few lines."""
    at = logged.find(FAULT)
    return "\n".join("    " + line for line in logged[at:].splitlines()[:lines]) if at >= 0 else ""


def production_passwords(app) -> None:
    """Gives every member the same password hash at the production cost (argon2's defaults, as in
    Config): signing in then costs what it costs in production, without hashing 200 times here."""
    import sqlalchemy as sa
    from argon2 import PasswordHasher

    from lms.extensions import db
    from lms.models import User

    with app.app_context():
        db.session.execute(sa.update(User).values(password_hash=PasswordHasher().hash(PASSWORD)))
        db.session.commit()


def lesson_slugs(app) -> list[str]:
    from lms.extensions import db
    from lms.learn import services

    with app.app_context():
        slugs = [lesson.slug for lesson in services.find_course(BUNDLED_COURSE).lessons]
        db.session.remove()
    return slugs


def check_writes(app, members: list[Member]) -> list[str]:
    """Every "done" answered with success is in the database, and nothing is there twice."""
    import sqlalchemy as sa

    from lms.extensions import db
    from lms.models import Course, Enrolment, Lesson, LessonCompletion, User

    with app.app_context():
        rows = db.session.execute(
            sa.select(User.username, Lesson.slug, sa.func.count())
            .select_from(LessonCompletion).join(User).join(Lesson).join(Course)
            .where(Course.slug == BUNDLED_COURSE).group_by(User.username, Lesson.slug)).all()
        enrolments = db.session.execute(
            sa.select(Enrolment.user_id, Enrolment.course_id).group_by(Enrolment.user_id, Enrolment.course_id)
            .having(sa.func.count() > 1)).all()
        db.session.remove()
        db.engine.dispose()
    stored = {(username, slug): count for username, slug, count in rows}
    problems = [f"{m.username}: {slug} answered done but not in the database"
                for m in members for slug in sorted(m.done) if (m.username, slug) not in stored]
    problems += [f"{username}: {slug} stored {count} times" for (username, slug), count in stored.items() if count > 1]
    problems += [f"user {user_id}: enrolled more than once in course {course_id}" for user_id, course_id in enrolments]
    return problems


def drop_after_restart(drop: Callable[[], None]) -> None:
    """The dropping connection was opened before the restart: the first try finds it closed."""
    from sqlalchemy.exc import OperationalError

    try:
        drop()
    except OperationalError:
        drop()


def percentiles(samples: list[Sample]) -> str:
    times = sorted(s.seconds * 1000 for s in samples)
    if len(times) < 2:
        return "too few requests"
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return f"p50 {cuts[49]:.0f} ms, p95 {cuts[94]:.0f} ms, p99 {cuts[98]:.0f} ms, max {times[-1]:.0f} ms"


def report(members: list[Member], start: float, duration: float, ramp: float,
           restart: tuple[float, float] | None) -> bool:
    """Prints the figures; True if every failure is accounted for (none, or clean 503s of the outage)."""
    samples = [s for m in members for s in m.samples]
    timed = [s for s in samples if s.kind in ("read", "write")]
    first = [s for s in samples if s.kind in ("sign-in", "start")]
    print(f"{len(members)} members, gunicorn -w 2, PostgreSQL, {duration:.0f} s of reading and marking done "
          f"(signing in and starting the course first took {ramp:.1f} s: {percentiles(first)}; "
          f"{sum(not s.ok for s in first)} of {len(first)} requests failed or unanswered in {TIMEOUT} s, "
          "then tried again)")
    succeeded = [s for s in timed if s.ok]
    print(f"  throughput: {len(succeeded) / duration:,.0f} successful requests/s ({len(timed):,} requests, "
          f"{len(timed) - len(succeeded):,} failed)")
    for kind, label in (("read", "reads (lesson page)"), ("write", 'writes ("mark as done")')):
        of_kind = [s for s in timed if s.kind == kind]
        ok = [s for s in of_kind if s.ok]
        print(f"  {label}: {len(ok):,} ok, {len(ok) / duration:,.0f}/s, {percentiles(ok)}; "
              f"{len(of_kind) - len(ok):,} failed")
    failures = [s for s in timed if not s.ok]
    statuses = Counter(s.status for s in failures)
    if failures:
        print("  failures by status: " + ", ".join(f"{code or 'no answer'}: {n}"
                                                   for code, n in sorted(statuses.items())))
    if restart is None:
        return not failures
    began, ended = (t - start for t in restart)
    print(f"  database restart (pg_ctl restart -m fast) began at {began:.1f} s, pg_ctl returned at {ended:.1f} s "
          f"({ended - began:.1f} s)")
    if not failures:
        print("  no request failed during the restart")
        return True
    first_failure = min(s.started for s in failures) - start
    last_failure = max(s.started + s.seconds for s in failures) - start
    # The first success of a request sent once the database was back: a failure later on (a request that timed
    # out on a busy machine) does not make the recovery undone, and is counted on its own below.
    recovered = min((s.started + s.seconds - start for s in timed if s.ok and s.started - start >= ended),
                    default=None)
    later = [s for s in failures if recovered is not None and s.started - start > recovered]
    clean = sum(s.clean for s in failures)
    print(f"  {len(failures)} requests failed, between {first_failure:.1f} s and {last_failure:.1f} s; "
          f"{clean} of them the 503 page in the member's language with Retry-After; "
          f"slowest failure {max(s.seconds for s in failures) * 1000:.0f} ms")
    if recovered is not None:
        print(f"  requests succeeded again {recovered - began:.1f} s after the restart began"
              + (f"; {len(later)} failed after that (" + ", ".join(
                  f"{code or 'no answer'}: {n}" for code, n in sorted(Counter(f.status for f in later).items()))
                 + ")" if later else ""))
    else:
        print("  requests never succeeded again")
    return clean == len(failures) and recovered is not None


def run(url: str, args, restart_database: Callable[[], None] | None) -> int:
    from tests.helpers import throwaway_database

    usernames = [f"member{n:03d}" for n in range(args.members)]
    with tempfile.TemporaryDirectory() as tmp:
        database, drop = throwaway_database(url, Path(tmp))
        try:
            app = build_database(database, usernames)
            if args.editor:
                make_editor(app)
            production_passwords(app)
            lessons, texts = lesson_slugs(app), unavailable_texts(app)
            with app.app_context():
                from lms.extensions import db

                db.engine.dispose()
            log = open(Path(tmp) / "gunicorn.log", "w+")  # read after the server stops
            options = []
            if args.gc_threshold:
                settings = Path(tmp) / "gc.conf.py"
                settings.write_text(f"exec(open({str(ROOT / 'docs/deploy/gunicorn.conf.py')!r}).read())\n"
                                    "def post_fork(server, worker):\n    import gc\n"
                                    f"    gc.set_threshold({args.gc_threshold})\n")
                options = ["--config", str(settings)]
            with gunicorn(database, tmp, log=log, settings={"PYTHONFAULTHANDLER": "1"}, options=options) \
                    as (base, _server):
                members = [Member(base, name, LANGUAGES[n % 2], texts[LANGUAGES[n % 2]])
                           for n, name in enumerate(usernames)]
                began = time.monotonic()
                threads = [threading.Thread(target=m.begin, args=(BUNDLED_COURSE, began + 300)) for m in members]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                editor = Member(base, EDITOR, "en", texts["en"]) if args.editor else None
                if editor:
                    editor.begin(BUNDLED_COURSE, time.monotonic() + 60)
                start = time.monotonic()
                deadline = start + args.duration
                restart: list[float] = []

                def restart_at_a_third() -> None:
                    time.sleep(args.duration / 3)
                    restart.append(time.monotonic())
                    restart_database()
                    restart.append(time.monotonic())

                threads = [threading.Thread(target=m.learn, args=(BUNDLED_COURSE, lessons, deadline)) for m in members]
                if restart_database:
                    threads.append(threading.Thread(target=restart_at_a_third))
                if editor:
                    threads.append(threading.Thread(target=edit, args=(editor, lessons[0], deadline)))
                visitors = [Member(base, "", LANGUAGES[n % 2], texts[LANGUAGES[n % 2]], cookies=False)
                            for n in range(args.visitors)]
                threads += [threading.Thread(target=visitor.visit, args=(BUNDLED_COURSE, lessons, deadline))
                            for visitor in visitors]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                ended = time.monotonic()
            ok = report(members, start, ended - start, start - began, tuple(restart) if restart_database else None)
            log.seek(0)
            logged = log.read()
            log.close()
            deaths = worker_deaths(logged)
            if visitors:
                visits = [s for v in visitors for s in v.samples]
                print(f"  visitors: {sum(s.ok for s in visits):,} lesson pages read, "
                      f"{sum(not s.ok for s in visits):,} failed")
                ok = ok and all(s.ok for s in visits)
            if editor:
                saved = sum(1 for s in editor.samples if s.kind == "edit" and s.status == 302)
                print(f"  editor: {saved} saves of the lesson {lessons[0]!r}")
            print(f"  server log: {logged.count('Database unavailable')} 'Database unavailable' warnings, "
                  f"{logged.count('Traceback')} tracebacks, "
                  + (", ".join(f"{n} workers died of {signal}" for signal, n in deaths.items()) or "no worker died"))
            if FAULT in logged:
                print("  the first fault:\n" + first_fault(logged))
            ok = ok and "Traceback" not in logged and not deaths
            problems = check_writes(app, members)
        finally:
            if restart_database:
                drop_after_restart(drop)
            else:
                drop()
    recorded = sum(len(m.done) for m in members)
    if problems:
        print(f"  writes: {len(problems)} problems among {recorded:,} lessons answered done:")
        for problem in problems[:20]:
            print(f"    {problem}")
        return 1
    print(f"  writes: all {recorded:,} lessons answered done are in the database, once each; one enrolment per member")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60, help="seconds of reading and marking done")
    parser.add_argument("--database", default=POSTGRESQL, help="the PostgreSQL server to make a throwaway database on")
    parser.add_argument("--visitors", type=int, default=0, help="visitors reading lessons without signing in")
    parser.add_argument("--editor", action="store_true", help="an admin saves the first lesson every 0.2 s")
    parser.add_argument("--gc-threshold", type=int, help="each worker collects garbage after this many new objects")
    parser.add_argument("--restart-database", action="store_true",
                        help="a private PostgreSQL 15 cluster instead, restarted a third of the way through")
    args = parser.parse_args()
    warnings_only()  # the migrations' lines would bury the figures
    if not args.restart_database:
        return run(args.database, args, None)
    if not (PG_BIN / "initdb").exists() or not shutil.which("runuser"):
        print(f"--restart-database needs PostgreSQL 15's {PG_BIN} and runuser, as root")
        return 2
    with private_postgresql() as (url, restart_database):
        return run(url, args, restart_database)


if __name__ == "__main__":
    sys.exit(main())
