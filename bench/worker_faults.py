"""Whether web workers die while a trainer saves lessons and visitors read them: as served, and with Python's own
garbage collection put back, in one run.

    .venv/bin/python bench/worker_faults.py                    # PostgreSQL on 127.0.0.1:5432 (a throwaway database)
    .venv/bin/python bench/worker_faults.py --database sqlite --seconds 120

gunicorn runs ``wsgi:app`` with the deployment's settings (docs/deploy/gunicorn.conf.py; two workers, a free local
port, faulthandler on), on a throwaway database made as the README's quick start makes it (``flask db upgrade``,
``flask content import courses``, ``flask demo``). For ``--seconds`` demo-admin saves the bundled course's first
three lessons in turn, one every 0.2 s (each save a new content stamp: every process drops its copy of the course and
reads it again), and ``wrk`` (8 connections, gzip, no cookie) reads the first lesson. Each worker collects after
every ``--gc-threshold`` new objects (Python's default is 700), which brings a fault in memory that collection trips
over to light in a minute rather than an hour. Twice: as served (wsgi.py: garbage collected between requests,
lms/core/garbage.py), then the app without wsgi.py (``lms:create_app()``), left to CPython's own collection, which
runs in the middle of the interpreter's allocations, where CPython 3.11 corrupts memory (2 cores, the default 50 s
each, 2026-12-07: none died as served in 32,074 requests, 31 workers died of SIGSEGV the other way; an outside
tester's run the same morning, 0 and 32).

Exit status 0 only when no worker died as served. A death is gunicorn's "Worker (pid:…) was sent SIGSEGV" (any
signal but the TERM that stops it); the first fault faulthandler wrote is printed.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import warnings_only  # noqa: E402
from bench.load_test import Member, edit, first_fault, worker_deaths  # noqa: E402
from bench.server_load import BUNDLED_COURSE, POSTGRESQL, gunicorn  # noqa: E402

EDITOR, PASSWORD = "demo-admin", "worker faults bench 1"

#: A gunicorn settings file: the deployment's, then a post_fork hook of the bench's own.
SETTINGS = """exec(open({deployed!r}).read())

def post_fork(server, worker):
    import gc
    gc.set_threshold({threshold})
"""


def quick_start(database: str, instance: str) -> list[str]:
    """The database as ``make run`` prepares it; the bundled course's lessons."""
    env = {**os.environ, "DATABASE_URL": database, "INSTANCE_PATH": instance, "DEMO_PASSWORD": PASSWORD}
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["content", "import", "courses"], ["demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    listed = subprocess.run([sys.executable, "-c", "from wsgi import app\nfrom lms.learn import services\n"
                             "with app.app_context():\n    print(*(lesson.slug for lesson in "
                             f"services.find_course({BUNDLED_COURSE!r}).lessons))"],
                            cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return listed.stdout.split()


def save_in_turn(editor: Member, lessons: list[str], deadline: float) -> None:
    """Saves ``lessons`` one after the other, each with one more line, every 0.2 s until ``deadline``."""
    turn = 0
    while time.monotonic() < deadline:
        edit(editor, lessons[turn % len(lessons)], time.monotonic() + 0.1)  # one save, then 0.2 s
        turn += 1


def measure(database: str, tmp: str, lessons: list[str], args, automatic: bool) -> tuple[int, int, int, str]:
    """One run; the requests wrk made, the lessons saved, the workers that died and the first fault."""
    settings = Path(tmp) / f"gunicorn-{'automatic' if automatic else 'served'}.conf.py"
    settings.write_text(SETTINGS.format(deployed=str(ROOT / "docs/deploy/gunicorn.conf.py"),
                                        threshold=args.gc_threshold))
    log = open(Path(tmp) / f"{settings.stem}.log", "w+")
    with gunicorn(database, tmp, log=log, settings={"PYTHONFAULTHANDLER": "1"},
                  options=["--config", str(settings), "--log-level", "info"],
                  # the app without wsgi.py's collection between requests: CPython's own runs wherever it trips
                  app="lms:create_app()" if automatic else "wsgi:app") as (base, _server):
        editor = Member(base, EDITOR, "en", "", password=PASSWORD)
        editor.begin(BUNDLED_COURSE, time.monotonic() + 60)
        deadline = time.monotonic() + args.seconds
        saving = threading.Thread(target=save_in_turn, args=(editor, lessons[:3], deadline))
        saving.start()
        reading = subprocess.run(["wrk", "-t2", "-c8", f"-d{args.seconds}s", "-H", "Accept-Encoding: gzip",
                                  f"{base}/courses/{BUNDLED_COURSE}/lessons/{lessons[0]}"],
                                 capture_output=True, text=True, check=True)
        saving.join()
    log.seek(0)
    logged = log.read()
    log.close()
    requests = int(re.search(r"(\d+) requests in", reading.stdout).group(1))
    saves = sum(1 for s in editor.samples if s.kind == "edit" and s.status == 302)
    return requests, saves, sum(worker_deaths(logged).values()), first_fault(logged)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=POSTGRESQL, help="a server URL (a throwaway database is made on it), "
                        "or 'sqlite'")
    parser.add_argument("--seconds", type=int, default=50, help="how long each of the two runs lasts")
    parser.add_argument("--gc-threshold", type=int, default=50, help="new objects between collections")
    args = parser.parse_args()
    warnings_only()  # the migrations' lines would bury the figures
    from tests.helpers import throwaway_database

    with tempfile.TemporaryDirectory() as tmp:
        url = None if args.database == "sqlite" else args.database
        database, drop = throwaway_database(url, Path(tmp))
        try:
            lessons = quick_start(database, tmp)
            runs = {automatic: measure(database, tmp, lessons, args, automatic) for automatic in (False, True)}
        finally:
            drop()
    command = " ".join(["bench/worker_faults.py", *sys.argv[1:]])
    print(f"{command}: gunicorn (2 workers, deployment's settings, gc.set_threshold({args.gc_threshold})), an admin "
          f"saving lessons every 0.2 s, wrk -c8 on a lesson page, {args.seconds} s each")
    for automatic, (requests, saves, deaths, fault) in runs.items():
        label = "CPython's own collection" if automatic else "as served (collected between requests)"
        print(f"  {label:40} {requests:7,} requests, {saves:4} saves, {deaths} workers died")
        if fault:
            print(fault)
    return 0 if runs[False][2] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
