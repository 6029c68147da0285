"""Page weight per page type in headless Chromium, against bench/budgets.toml.

    .venv/bin/python bench/page_weight.py        # prints a table; exit 1 if a page is over budget

It serves the portal on a free local port (a throwaway SQLite database with the bundled courses, a
member part-way through a course, a trainer with a group and a coordinator), signs each of them in
with the browser, then opens every page type twice: a first visit in a fresh browser profile
holding only the session cookie, and a repeat visit of the same page with the cache that visit
left. Chromium's DevTools protocol reports what crossed the network: bytes (compressed, headers
included) and requests; a response served from the cache costs nothing. Images are not counted.
Then it prints a Markdown table of the figures (kept in docs/reach.md).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import warnings_only  # noqa: E402

#: page type -> path, with {course}, {lesson} and {module} filled in from the bundled library.
PAGES = {
    "home": "/",
    "catalogue": "/courses",
    "course": "/courses/{course}",
    "lesson": "/courses/{course}/lessons/{lesson}",
    "quiz": "/courses/{course}/modules/{module}/quiz",
    "my-learning": "/my-learning",
    "sign-in": "/sign-in",
    "sign-up": "/sign-up",
    "author-course": "/author/courses/{course}",
    "author-lesson": "/author/courses/{course}/lessons/{lesson}",
    "group": "/groups/{group}",
    "survey": "/surveys/invitations/{invitation}/answer",
    "survey-edit": "/surveys/manage/{survey}",
    "survey-results": "/surveys/manage/{survey}/results",
    "dashboard": "/reports",
    "my-data": "/my-data",
    "erase-account": "/my-data/erase",
    "consent": "/privacy/consent",
}
#: Who opens each page type: the member, unless listed here; sign-in and sign-up signed out.
READER = {"author-course": "bench-trainer", "author-lesson": "bench-trainer", "group": "bench-trainer",
          "survey-edit": "bench-trainer", "survey-results": "bench-trainer", "dashboard": "bench-coordinator",
          "sign-in": None, "sign-up": None}
PASSWORD = "bench password 1"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class Visit:
    bytes: int = 0
    requests: int = 0
    html_bytes: int = 0
    urls: list[str] = field(default_factory=list)


@dataclass
class Weight:
    page: str
    first: Visit
    repeat: Visit
    budget: dict

    @property
    def over(self) -> list[str]:
        figures = {"first_bytes": self.first.bytes, "first_requests": self.first.requests,
                   "repeat_bytes": self.repeat.bytes, "html_bytes": self.first.html_bytes}
        return [key for key, value in figures.items() if value > self.budget[key]]


def budgets() -> dict[str, dict]:
    data = tomllib.loads((ROOT / "bench" / "budgets.toml").read_text())
    return {page: {**data["defaults"], **data.get("pages", {}).get(page, {})} for page in PAGES}


def prepare(app) -> dict[str, str]:
    """The people and data the pages show; returns each page type's path."""
    from datetime import timedelta

    from sqlalchemy import select

    from lms import clock
    from lms.auth.services import create_user
    from lms.content.reader import read_library
    from lms.content.store import import_bundles
    from lms.demo.surveys import create_demo_survey
    from lms.extensions import db
    from lms.groups.services import add_member, create_group
    from lms.learn import services
    from lms.models import CourseEditor, SurveyInvitation
    from lms.privacy.services import give_consent

    with app.app_context():
        bundles = read_library(ROOT / "courses")
        import_bundles(bundles)
        member = create_user(username="bench-member", password=PASSWORD, display_name="Bench", country="PE",
                             gender="woman")
        trainer = create_user(username="bench-trainer", password=PASSWORD, display_name="Trainer", country="PE",
                              gender="man", role="trainer")
        coordinator = create_user(username="bench-coordinator", password=PASSWORD, display_name="Coordinator",
                                  country="PE", gender="woman", role="coordinator", coordinated_countries=["PE"])
        for person in (member, trainer, coordinator):
            give_consent(person, "membership")
        survey = create_demo_survey(trainer)  # waves on the first course, with made-up answers
        course = services.find_course(bundles[0].slug)
        services.mark_lesson_done(member.id, course, course.lessons[0])
        invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == member.id))
        invitation.consent = "given"
        db.session.add(CourseEditor(course_id=course.id, user_id=trainer.id, role="owner"))
        group = create_group(trainer=trainer, course=course, name="Bench group", country="PE", place="Lima",
                             mode="in-person", starts_on=clock.today(), ends_on=clock.today() + timedelta(days=9))
        add_member(group, member)
        db.session.commit()
        slugs = {"course": course.slug, "lesson": course.lessons[1].slug, "module": course.modules[0].slug,
                 "group": group.id, "survey": survey.code, "invitation": invitation.id}
    return {page: path.format(**slugs) for page, path in PAGES.items()}


def session_cookies(browser, base: str, username: str) -> list[dict]:
    """Signs in through the form, as a member would, and returns the browser's cookies."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    cookies = context.cookies()
    context.close()
    return cookies


def visit(page, cdp, url: str) -> Visit:
    """Opens the URL and adds up what crossed the network (images left out)."""
    seen: dict[str, dict] = {}
    done = Visit()

    def received(event) -> None:
        response = event["response"]
        seen[event["requestId"]] = {"type": event.get("type"), "url": response["url"],
                                    "cached": response.get("fromDiskCache") or response.get("fromPrefetchCache")}

    def finished(event) -> None:
        info = seen.get(event["requestId"])
        if info is None or info["type"] == "Image" or info["cached"] or event["encodedDataLength"] == 0:
            return
        done.bytes += int(event["encodedDataLength"])
        done.requests += 1
        done.urls.append(info["url"])
        if info["type"] == "Document":
            done.html_bytes = int(event["encodedDataLength"])

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status in (200, 304), (url, response and response.status)
    page.wait_for_load_state("networkidle")  # late requests (the icon) come after "load"
    cdp.remove_listener("Network.responseReceived", received)
    cdp.remove_listener("Network.loadingFinished", finished)
    return done


def measure_all(app, browser, base: str) -> list[Weight]:
    paths = prepare(app)
    cookies = {name: session_cookies(browser, base, name) for name in set(READER.values()) | {"bench-member"}
               if name}
    limits = budgets()
    results = []
    for page_type, path in paths.items():
        reader = READER.get(page_type, "bench-member")
        # The service worker is kept out: what it fetches does not show in the page's network events, and
        # it fetches the same as the page would (pages from the network, fingerprinted files once).
        context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
        if reader:
            context.add_cookies(cookies[reader])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        first = visit(page, cdp, base + path)
        repeat = visit(page, cdp, base + path)
        context.close()
        results.append(Weight(page_type, first, repeat, limits[page_type]))
    return results


def serve(app):
    """The app on a free local port, in a thread; returns (base URL, stop function)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.port}", server.shutdown


def table(results: list[Weight]) -> str:
    lines = ["| page | first visit: bytes | requests | of which the page | repeat visit: bytes | budget |",
             "|---|---:|---:|---:|---:|---|"]
    for w in results:
        budget = (f"{w.budget['first_bytes']:,} in {w.budget['first_requests']}; "
                  f"{w.budget['repeat_bytes']:,} again")
        flag = " **over: " + ", ".join(w.over) + "**" if w.over else ""
        lines.append(f"| {w.page} | {w.first.bytes:,} | {w.first.requests} | {w.first.html_bytes:,} | "
                     f"{w.repeat.bytes:,} | {budget}{flag} |")
    return "\n".join(lines)


@contextmanager
def served_portal():
    """A portal on a throwaway SQLite database, served on a free local port, and headless Chromium:
    yields (app, browser, base URL, a temporary folder)."""
    from playwright.sync_api import sync_playwright

    from lms import create_app
    from lms.config import TestConfig
    from lms.database.migrations import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        class Config(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.sqlite"

        app = create_app(Config)
        warnings_only("lms.access", "werkzeug")  # the portal's line per request, and the local server's
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        base, stop = serve(app)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                yield app, browser, base, Path(tmp)
                browser.close()
        finally:
            stop()


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # no options: --help says so
    with served_portal() as (app, browser, base, _tmp):
        results = measure_all(app, browser, base)
    print(table(results))
    return 1 if any(w.over for w in results) else 0


if __name__ == "__main__":
    sys.exit(main())
