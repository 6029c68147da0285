"""Page weight per page type against bench/budgets.toml.

    .venv/bin/python bench/page_weight.py        # prints a table; exit 1 if a page is over budget

It serves the pages through the Flask test client on a throwaway SQLite database with the bundled
courses, a member part-way through a course and a trainer with a group, and counts what a browser
would download.
"""
from __future__ import annotations

import gzip
import re
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
}
#: Page types a trainer sees; the rest are measured as a signed-in member (sign-in/up signed out).
TRAINER_PAGES = ("author-course", "author-lesson", "group", "survey-edit", "survey-results")
SIGNED_OUT_PAGES = ("sign-in", "sign-up")
COORDINATOR_PAGES = ("dashboard",)
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"]+)"')


@dataclass
class Weight:
    page: str
    html_gzip: int
    assets_gzip: int
    requests: int
    budget: dict

    @property
    def over(self) -> list[str]:
        return [key for key in ("html_gzip", "assets_gzip", "requests") if getattr(self, key) > self.budget[key]]


def budgets() -> dict[str, dict]:
    data = tomllib.loads((ROOT / "bench" / "budgets.toml").read_text())
    return {page: {**data["defaults"], **data.get("pages", {}).get(page, {})} for page in PAGES}


def measure(client, paths: dict[str, str]) -> list[Weight]:
    limits = budgets()
    results = []
    for page, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        html = response.get_data()
        assets = sorted(set(ASSET.findall(html.decode("utf-8"))) - {"/static/favicon.svg"})
        asset_bytes = sum(len(gzip.compress(client.get(a).get_data())) for a in assets)
        results.append(Weight(page, len(gzip.compress(html)), asset_bytes, 1 + len(assets), limits[page]))
    return results


def clients(app, password: str = "bench password 1"):
    """Signed-in clients by username (the member in a group, one lesson done), and each page's URL."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from lms.auth.services import create_user
    from lms.content.reader import read_library
    from lms.content.store import import_bundles
    from lms.demo_surveys import create_demo_survey
    from lms.extensions import db
    from lms.groups.services import add_member, create_group
    from lms.learn import services
    from lms.models import CourseEditor, SurveyInvitation

    with app.app_context():
        bundles = read_library(ROOT / "courses")
        import_bundles(bundles)
        member = create_user(username="bench-member", password=password, display_name="Bench", country="PE",
                             gender="woman")
        trainer = create_user(username="bench-trainer", password=password, display_name="Trainer", country="PE",
                              gender="man", role="trainer")
        create_user(username="bench-coordinator", password=password, display_name="Coordinator", country="PE",
                    gender="woman", role="coordinator", coordinated_countries=["PE"])
        survey = create_demo_survey(trainer)  # waves on the first course, with made-up answers
        course = services.find_course(bundles[0].slug)
        services.mark_lesson_done(member.id, course, course.lessons[0])
        invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == member.id))
        invitation.consent = "given"
        db.session.add(CourseEditor(course_id=course.id, user_id=trainer.id, role="owner"))
        group = create_group(trainer=trainer, course=course, name="Bench group", country="PE", place="Lima",
                             mode="in-person", starts_on=date.today(), ends_on=date.today() + timedelta(days=9))
        add_member(group, member)
        db.session.commit()
        slugs = {"course": course.slug, "lesson": course.lessons[1].slug, "module": course.modules[0].slug,
                 "group": group.id, "survey": survey.code, "invitation": invitation.id}
    signed_in = {}
    for username in ("bench-member", "bench-trainer", "bench-coordinator"):
        client = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get("/sign-in").get_data(as_text=True)).group(1)
        client.post("/sign-in", data={"identifier": username, "password": password, "csrf_token": token})
        signed_in[username] = client
    return signed_in, {page: path.format(**slugs) for page, path in PAGES.items()}


def measure_all(app) -> list[Weight]:
    signed_in, paths = clients(app)
    others = TRAINER_PAGES + SIGNED_OUT_PAGES + COORDINATOR_PAGES
    return (measure(signed_in["bench-member"], {k: v for k, v in paths.items() if k not in others})
            + measure(signed_in["bench-trainer"], {k: paths[k] for k in TRAINER_PAGES})
            + measure(signed_in["bench-coordinator"], {k: paths[k] for k in COORDINATOR_PAGES})
            + measure(app.test_client(), {k: paths[k] for k in SIGNED_OUT_PAGES}))


def main() -> int:
    from flask_migrate import upgrade

    from lms import create_app
    from lms.config import TestConfig

    with tempfile.TemporaryDirectory() as tmp:
        class Config(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.sqlite"

        app = create_app(Config)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        results = measure_all(app)
    print(f"{'page':<12} {'html gz':>8} {'assets gz':>10} {'requests':>9}  budget (html/assets/requests)")
    for w in results:
        flag = "  OVER: " + ", ".join(w.over) if w.over else ""
        print(f"{w.page:<12} {w.html_gzip:>8} {w.assets_gzip:>10} {w.requests:>9}  "
              f"{w.budget['html_gzip']}/{w.budget['assets_gzip']}/{w.budget['requests']}{flag}")
    return 1 if any(w.over for w in results) else 0


if __name__ == "__main__":
    sys.exit(main())
