"""A course that is not published is read only by its editors and administrators, on every route.

The routes come from the app's URL map: every rule that names a course by its slug (learning, the handout,
the offline manifest, authoring, translating, the zip) is called by another trainer, a member, the
course's editor and an administrator.
"""
from __future__ import annotations

import re

import pytest

from lms.author import services as authoring
from lms.extensions import db
from lms.surveys import building
from lms.surveys.building import QuestionSpec
from tests.helpers import csrf_token, sign_in


@pytest.fixture
def draft(app_ctx, create_user):
    """Ana's unpublished course: a module with a lesson and a quiz."""
    ana = create_user("ana", role="trainer")
    course = authoring.create_course(owner=ana, language="en", title="Secret plans", summary="Not yet.",
                                     intro="Our strike plans.", topics=["social-dialogue"])
    module = authoring.add_module(course, "Getting ready")
    lesson = authoring.add_lesson(course, module, "The day", "We stop work at dawn.", ana)
    authoring.save_question(module, None, language="en", prompt="When?", kind="single", choices=[
        authoring.ChoiceInput("At dawn", "Yes.", True), authoring.ChoiceInput("Never", "No.", False)])
    db.session.commit()
    return {"slug": course.slug, "module": module.slug, "lesson": lesson.slug, "question": "q1", "language": "fr",
            "number": "1"}


def course_routes(app) -> list[tuple[str, str]]:
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules() if "<slug>" in rule.rule
                  for method in rule.methods - {"HEAD", "OPTIONS"})


def url_of(rule: str, values: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule)


def test_another_trainer_is_refused_an_unpublished_course_on_every_route(app, draft, create_user):
    create_user("bea", role="trainer")
    create_user("rosa")
    create_user("boss", role="admin")
    routes = course_routes(app)
    assert len(routes) > 30 and any(r.startswith("/courses/") for r, _m in routes)
    wrong = []
    for who in ("bea", "rosa"):
        client = app.test_client()
        sign_in(client, who)
        token = csrf_token(client, "/profile")
        for rule, method in routes:
            url = url_of(rule, draft)
            response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            if response.status_code not in (403, 404):
                wrong.append(f"{method} {url} as {who}: {response.status_code}")
    assert wrong == []
    # Its editor and administrators read it (a preview) wherever a reader would.
    for who in ("ana", "boss"):
        client = app.test_client()
        sign_in(client, who)
        for rule, method in routes:
            if method == "GET" and not rule.endswith("/quiz/result"):
                url = url_of(rule, draft)
                assert client.get(url).status_code == 200, (who, url)
    # Once published, everyone reads it.
    client = app.test_client()
    sign_in(client, "rosa")
    assert client.get(f"/courses/{draft['slug']}").status_code == 404
    from lms.models import Course

    db.session.get(Course, db.session.scalar(db.select(Course.id))).published = True
    db.session.commit()
    assert client.get(f"/courses/{draft['slug']}").status_code == 200


def test_a_survey_author_is_not_offered_another_trainers_unpublished_course(client, draft, create_user):
    bea = create_user("bea", role="trainer")
    survey = building.create_survey(code="voice", title="Voice", description="", language="en",
                                    privacy="anonymous", subject="participant", creator=bea)
    building.add_question(survey, QuestionSpec(code="safe", kind="likert", label="I feel safe."))
    db.session.commit()
    sign_in(client, "bea")
    assert "Secret plans" not in client.get("/surveys/manage/voice").get_data(as_text=True)
