"""Lighthouse (mobile profile, throttled) on the lesson page, as a signed-in member.

    npm ci                                  # installs Lighthouse 12 (package.json)
    .venv/bin/python bench/lighthouse.py    # prints the scores; exit 1 below the goals

Goals: accessibility 100, best practices and performance at least 95. It serves the portal on a
free local port with a throwaway SQLite database (as bench/page_weight.py does), signs the member in
with Chromium, and gives Lighthouse the session cookie. About 15 seconds.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.page_weight import CHROMIUM, CHROMIUM_ARGS, prepare, served_portal, session_cookies  # noqa: E402

LIGHTHOUSE = Path(os.environ.get("LIGHTHOUSE", ROOT / "node_modules" / ".bin" / "lighthouse"))
GOALS = {"accessibility": 1.0, "best-practices": 0.95, "performance": 0.95}


def scores(url: str, cookie: str, out: Path) -> dict[str, float]:
    """Lighthouse's category scores (0-1) for one page, mobile profile with its default throttling."""
    flags = " ".join(CHROMIUM_ARGS + [f"--user-data-dir={out.parent / 'profile'}"])
    subprocess.run([str(LIGHTHOUSE), url, "--only-categories=performance,accessibility,best-practices",
                    "--output=json", f"--output-path={out}", "--quiet", f"--chrome-flags={flags}",
                    "--extra-headers", json.dumps({"Cookie": cookie})],
                   env={**os.environ, "CHROME_PATH": CHROMIUM}, check=True, timeout=180)
    report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(report["runtimeError"])
    return {name: category["score"] for name, category in report["categories"].items()}


def measure(app, browser, base: str, tmp: Path) -> dict[str, float]:
    paths = prepare(app)
    cookies = session_cookies(browser, base, "bench-member")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
    return scores(base + paths["lesson"], cookie, tmp / "lighthouse.json")


def main() -> int:
    with served_portal() as (app, browser, base, tmp):
        found = measure(app, browser, base, tmp)
    print("lesson page, Lighthouse mobile: " + ", ".join(f"{k} {round(v * 100)}" for k, v in found.items()))
    return 0 if all(found[k] >= goal for k, goal in GOALS.items()) else 1


if __name__ == "__main__":
    sys.exit(main())
