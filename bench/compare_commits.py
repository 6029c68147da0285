"""The report pages under the code of a commit and under the working copy, side by side on one kept database.

    .venv/bin/python bench/compare_commits.py --base fc3bc05 \\
        --reuse postgresql+psycopg://postgres@127.0.0.1:5432/b500k
    .venv/bin/python bench/compare_commits.py --base HEAD~2 --reuse ... --reader coordinator --rounds 21 \\
        --pages "/reports?year=2025" /overview

On the virtual machines this runs on, the same page takes a fifth more or less from one run of
``bench/report_dashboard.py`` to the next (docs/reports.md): two runs of different code cannot show a change of a
few percent. Here both versions answer in the same minutes. The commit is checked out in a temporary git worktree,
and the translations of both are compiled; ``gunicorn -w 1 wsgi:app`` serves each version on a free local port with
the same secret keys and instance folder (so that both publish the same figures); the reader (the data set's
administrator or coordinator of Peru, bench/report_data.py) signs in on both; then each page is requested twice on
each (left out), and ``--rounds`` times on one and then the other, which goes first alternating. It prints per page
both medians, their ratio and whether the two answers were the same length (a page with the same figures is; a
workbook carries the moment it was written). Run it with ``--base HEAD`` first: the same code against itself shows
how far apart two versions must be for a run to tell them apart. The database must suit both versions: a commit
from before a migration the working copy has may not run on it. Loopback only.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import warnings_only  # noqa: E402
from bench.report_data import ADMIN, COORDINATOR, PASSWORD  # noqa: E402
from bench.server_load import gunicorn, session_cookie  # noqa: E402

READERS = {"admin": ADMIN, "coordinator": COORDINATOR}
SECRETS = {"SECRET_KEY": "compare-commits-secret-key-not-for-production-0123",
           "PSEUDONYM_KEY": "compare-commits-pseudonym-key-not-for-production"}


@contextmanager
def worktree(commit: str):
    """The commit checked out in a temporary git worktree, its translations compiled; removed after."""
    with tempfile.TemporaryDirectory() as parent:
        path = Path(parent) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(path), commit], cwd=ROOT, check=True)
        try:
            subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "catalogues", "compile"],
                           cwd=path, check=True, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(path), "INSTANCE_PATH": parent})
            yield path
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)


def default_pages(url: str, reader: str) -> list[str]:
    """The pages ``bench/report_dashboard.py`` times, for this reader."""
    from bench.report_dashboard import app_for, landmarks, pages
    from lms import clock

    year = clock.today().year - 1
    app = app_for(url)
    with app.app_context():
        marks = landmarks(year)
    return [path for _name, path, admins_only in pages(year, marks) if reader == "admin" or not admins_only]


def fetch(base: str, path: str, cookie: str) -> tuple[float, int]:
    """One request: seconds until the whole answer was read, and its length."""
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as answer:  # nosec B310: a local URL this script made
        length = len(answer.read())
    return time.perf_counter() - start, length


def compare(servers: dict[str, tuple[str, str]], pages: list[str], rounds: int) -> None:
    names = list(servers)
    print(f"| page | {names[0]} ms | {names[1]} ms | {names[1]} / {names[0]} | same length |")
    print("|---|---:|---:|---:|---|")
    for path in pages:
        times: dict[str, list[float]] = {name: [] for name in names}
        lengths: dict[str, int] = {}
        for base, cookie in servers.values():
            for _ in range(2):
                fetch(base, path, cookie)
        for number in range(rounds):
            for name in names if number % 2 == 0 else reversed(names):
                base, cookie = servers[name]
                seconds, lengths[name] = fetch(base, path, cookie)
                times[name].append(seconds)
        first, second = (1000 * statistics.median(times[name]) for name in names)
        same = "yes" if lengths[names[0]] == lengths[names[1]] else f"no ({lengths[names[0]]} / {lengths[names[1]]})"
        print(f"| {path} | {first:,.1f} | {second:,.1f} | {second / first:.3f} | {same} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare the working copy with")
    parser.add_argument("--reuse", required=True, help="the URL of a database bench/report_dashboard.py kept")
    parser.add_argument("--reader", choices=sorted(READERS), default="admin")
    parser.add_argument("--rounds", type=int, default=15, help="requests of each page on each version")
    parser.add_argument("--pages", nargs="+", help="paths; by default those of bench/report_dashboard.py")
    args = parser.parse_args()
    warnings_only()
    from tests.helpers import compile_translations

    compile_translations()  # the working copy's catalogues (the commit's are compiled in its worktree)
    pages = args.pages or default_pages(args.reuse, args.reader)
    commit = subprocess.run(["git", "rev-parse", "--short", args.base], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout.strip()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as instance:
        base_root = stack.enter_context(worktree(commit))
        log = stack.enter_context(open(Path(instance) / "portal.log", "w"))  # a line per request, as in production
        servers = {}
        for name, root in ((commit, base_root), ("working copy", ROOT)):
            base, _server = stack.enter_context(gunicorn(
                args.reuse, instance, workers=1, log=log, settings=SECRETS, options=["-t", "120"], code=root))
            servers[name] = (base, session_cookie(base, READERS[args.reader], PASSWORD))
        print(f"{args.reader}, {args.rounds} requests of each page on each version, alternating; "
              f"medians in ms; database {args.reuse.rsplit('/', 1)[-1]}")
        compare(servers, pages, args.rounds)
    print(f"command: {' '.join(sys.argv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
