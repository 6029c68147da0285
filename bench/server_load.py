"""How fast the server answers the lesson page, and how much memory a worker holds.

    .venv/bin/python bench/server_load.py                  # PostgreSQL on 127.0.0.1:5432 (a throwaway database)
    .venv/bin/python bench/server_load.py --database sqlite
    .venv/bin/python bench/server_load.py --page healthz   # the lightest page: this machine's ceiling

It builds a throwaway database with the migrations and the bundled courses and a member part-way
through a course, starts ``gunicorn -w 2 wsgi:app`` on a free local port (access log off), signs the
member in, then runs ``wrk`` (bounded: --duration seconds) against the member's lesson page at 50
connections and reports requests per second and the latency percentiles. Then it opens the lesson
1,000 more times and reports the resident memory of each worker. Goals: 1,000 requests/s, p99 under
50 ms, under 150 MB per worker. Loopback only.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench password 1"
BUNDLED_COURSE = "social-dialogue-at-work"
POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_database(url: str, usernames: Iterable[str]):
    """Migrates the database, imports the bundled courses and makes these members (password
    ``PASSWORD``); returns an app on it, for the caller's own reads and writes."""
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.services import create_user
    from lms.config import TestConfig
    from lms.content.reader import read_library
    from lms.content.store import import_bundles
    from lms.extensions import db
    from lms.privacy.services import give_consent

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        import_bundles(read_library(ROOT / "courses"))
        for username in usernames:
            give_consent(create_user(username=username, password=PASSWORD, display_name="Member", country="PE",
                                     gender="woman"), "membership")
        db.session.commit()
    return app


def prepare(url: str) -> str:
    """The database with the courses and a member one lesson into a course; returns the lesson's path."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.learn import services
    from lms.models import User

    app = build_database(url, ["load-member"])
    with app.app_context():
        member = db.session.scalars(select(User).where(User.username == "load-member")).one()
        course = services.find_course(BUNDLED_COURSE)
        services.mark_lesson_done(member.id, course, course.lessons[0])
        db.session.commit()
        path = f"/courses/{course.slug}/lessons/{course.lessons[1].slug}"
        db.engine.dispose()
    return path


def session_cookie(base: str) -> str:
    """Signs the member in as a browser would; returns the Cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/sign-in").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    opener.open(f"{base}/sign-in", data=urlencode({"identifier": "load-member", "password": PASSWORD,
                                                    "csrf_token": token}).encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def listening_socket() -> socket.socket:
    """A socket listening on a free local port, for gunicorn to take over (``-b fd://``): no other process can take
    the port between the moment it is chosen and the moment gunicorn binds it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def wait_until_up(base: str, server: subprocess.Popen | None = None, seconds: float = 60) -> None:
    """Until ``base``/healthz answers 200; an error at once if ``server`` stops first, or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit status {server.returncode}) before it answered")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=10)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {base}/healthz within {seconds:.0f} s")


@contextmanager
def gunicorn(url: str, instance: str, workers: int = 2, log=None,
             settings: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``gunicorn -w WORKERS wsgi:app`` on the database at ``url``, on a free local port (access log off,
    warnings to ``log`` if given), with more environment variables in ``settings``; yields the base URL and the
    master process once it answers on /healthz, and stops it (and waits for it) after."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "load-test-secret-key-not-for-production-0123",
           "INSTANCE_PATH": instance, **(settings or {})}
    with listening_socket() as sock:
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        command = [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b", f"fd://{sock.fileno()}",
                   "--log-level", "warning", "wsgi:app"]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=log, pass_fds=(sock.fileno(),))
    try:
        wait_until_up(base, server)
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def worker_memory_mb(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
    return sizes


def run_wrk(url: str, cookie: str, connections: int, duration: int) -> dict[str, float]:
    output = subprocess.run(
        ["timeout", str(duration + 30), "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
         "-H", f"Cookie: {cookie}", "-H", "Accept-Encoding: gzip", url],
        capture_output=True, text=True, check=True).stdout
    figures = {"requests/s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for percentile in ("50", "90", "99"):
        value, unit = re.search(rf"\s{percentile}%\s+([\d.]+)(us|ms|s)", output).groups()
        figures[f"p{percentile} ms"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["errors"] = float(errors.group(1)) if errors else 0.0
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=POSTGRESQL, help='a PostgreSQL URL, or "sqlite"')
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--page", choices=("lesson", "healthz"), default="lesson",
                        help="healthz: the lightest page there is (one SELECT 1), for the ceiling of this machine")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("needs wrk: apt-get install wrk")
        return 2

    from tests.helpers import throwaway_database

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = throwaway_database(None if args.database == "sqlite" else args.database, Path(tmp))
        try:
            lesson = prepare(url)
            path = lesson if args.page == "lesson" else "/healthz"
            with gunicorn(url, tmp) as (base, server):
                cookie = session_cookie(base)
                run_wrk(base + path, cookie, args.connections, 3)  # warm up
                figures = run_wrk(base + path, cookie, args.connections, args.duration)
                opener = urllib.request.build_opener()
                opener.addheaders = [("Cookie", cookie)]
                for _ in range(1000):
                    opener.open(base + path).read()
                memory = worker_memory_mb(server.pid)
        finally:
            drop()
    database = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    print(f"{args.page} page, member signed in, {database}, gunicorn -w 2, wrk -c{args.connections} "
          f"-d{args.duration}s (gzip):")
    print("  " + ", ".join(f"{k} {v:,.1f}" for k, v in figures.items()))
    print(f"  memory per worker after the run and 1,000 more views: {', '.join(f'{m:.0f} MB' for m in memory)}")
    ok = figures["requests/s"] >= 1000 and figures["p99 ms"] < 50 and max(memory) < 150 and not figures["errors"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
