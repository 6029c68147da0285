"""Learning records as xAPI statements: opaque actors, stable ids, a context for each, valid xAPI 1.0.3, under the
public address only, admins only, written to the audit log."""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta

import pytest
from babel import Locale, UnknownLocaleError
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.groups import services as groups
from lms.learn import services as learning
from lms.models import Attendance, AuditEntry, Enrolment, QuizAttempt
from lms.reports import xapi
from tests.helpers import BUNDLED_COURSE, complete_course, sign_in

REQUIRED = {"id", "actor", "verb", "object", "context", "timestamp"}
PUBLIC = "https://learn.example.org"
#: An absolute IRI (RFC 3987): a scheme, then no space, no control character and none of < > " { } | \ ^ `.
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`\x00-\x1f]+")
#: An RFC 5646 language tag: a language, then subtags of 1 to 8 letters or digits.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


@pytest.fixture
def public_url(app, data_app, monkeypatch):
    for each in (app, data_app):
        monkeypatch.setitem(each.config, "PUBLIC_URL", PUBLIC)


def assert_valid_xapi(item: dict) -> None:
    """The structure xAPI 1.0.3 asks of a statement, as far as ours use it."""
    assert uuid.UUID(item["id"]).version == 5
    assert IRI.fullmatch(item["verb"]["id"]) and IRI.fullmatch(item["actor"]["account"]["homePage"])
    activities = [item["object"], *(a for each in item["context"].get("contextActivities", {}).values()
                                    for a in each)]
    for activity in activities:
        assert activity["objectType"] == "Activity" and IRI.fullmatch(activity["id"]), activity
        assert activity["id"].startswith(f"{PUBLIC}/")
        for tag in activity.get("definition", {}).get("name", {}):
            assert LANGUAGE_TAG.fullmatch(tag)
    context = item["context"]
    assert set(context) <= {"registration", "contextActivities", "language"}
    assert set(context.get("contextActivities", {})) <= {"parent", "grouping", "category", "other"}
    assert all(isinstance(each, list) for each in context.get("contextActivities", {}).values())
    if "registration" in context:
        assert str(uuid.UUID(context["registration"])) == context["registration"]
    assert LANGUAGE_TAG.fullmatch(context["language"])
    try:
        Locale.parse(context["language"].replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        pytest.fail(f"{context['language']} is not a language")
    moment = datetime.fromisoformat(item["timestamp"].replace("Z", "+00:00"))
    assert moment.utcoffset() is not None and item["timestamp"].endswith("Z")


def records(create_user):
    trainer = create_user("tina", role="trainer")
    member = create_user("rosa", email="rosa@example.org", phone="+51987654321", display_name="Rosa Quispe")
    course = learning.find_course(BUNDLED_COURSE)
    module = next(m for m in course.modules if m.has_quiz)
    learning.submit_quiz(member.id, course, module, {q.slug: [q.choices[0].slug] for q in module.questions})
    complete_course(member.id)
    group = groups.create_group(trainer=trainer, course=course, name="Lima", country="PE", place="Lima",
                                mode="in-person", starts_on=clock.today(), ends_on=clock.today() + timedelta(days=5))
    groups.add_member(group, member)
    groups.record_session(group, held_on=clock.today(), topic="Module 1", present=[member.id])
    db.session.commit()
    return member


def test_statements_have_opaque_actors_and_the_four_verbs(app, app_ctx, library, create_user, tmp_path, public_url):
    member = records(create_user)
    out = tmp_path / "xapi.json"
    result = app.test_cli_runner().invoke(args=["reports", "xapi", "--out", str(out)])
    assert result.exit_code == 0, result.output
    found = json.loads(out.read_text())
    verbs = {s["verb"]["display"]["en-US"] for s in found}
    assert {"completed", "passed", "attended"} <= verbs and verbs <= {"completed", "passed", "failed", "attended"}
    text = out.read_text()
    for secret in ("rosa@example.org", "+51987654321", "Rosa Quispe", '"rosa"'):
        assert secret not in text
    for item in found:
        assert REQUIRED <= set(item)
        assert set(item["actor"]["account"]) == {"homePage", "name"} and len(item["actor"]["account"]["name"]) == 32
        assert item["actor"]["account"]["homePage"] == PUBLIC
        assert item["verb"]["id"].startswith("http://adlnet.gov/expapi/verbs/")
        assert_valid_xapi(item)
    assert len({s["actor"]["account"]["name"] for s in found}) == 1  # one member, one opaque name
    again = tmp_path / "again.json"
    app.test_cli_runner().invoke(args=["reports", "xapi", "--out", str(again)])
    assert json.loads(again.read_text()) == found  # stable ids, registrations and all
    entries = list(db.session.scalars(select(AuditEntry)))
    assert [e.action for e in entries] == ["export xapi", "export xapi"]
    assert entries[0].actor.startswith("command line") and entries[0].details["statements"] == len(found)
    del member


def test_each_statement_says_its_enrolment_group_and_language(app, app_ctx, library, create_user, public_url):
    member = records(create_user)
    found = xapi.statements()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == member.id))
    registrations = {s["context"].get("registration") for s in found}
    # One enrolment, one registration, in every statement of its course; nothing that gives its id away.
    assert len(registrations) == 1 and None not in registrations
    unkeyed = {str(uuid.uuid5(namespace, name)) for namespace in (xapi.NAMESPACE, uuid.NAMESPACE_URL)
               for name in (str(enrolment.id), f"enrolment:{enrolment.id}", f"xapi:registration:{enrolment.id}")}
    assert not registrations & unkeyed  # a keyed hash: not made again from the id without PSEUDONYM_KEY
    # Nor is a statement's id made again from its record's ids (an enrolment, an attempt, a session and a person).
    attempt = db.session.scalar(select(QuizAttempt.id).where(QuizAttempt.user_id == member.id))
    session = db.session.scalar(select(Attendance.session_id).where(Attendance.user_id == member.id))
    records_of = [f"completed:enrolment:{enrolment.id}", f"passed:attempt:{attempt}", f"failed:attempt:{attempt}",
                  f"attended:attendance:{session}:{member.id}"]
    guesses = {str(uuid.uuid5(namespace, name)) for namespace in (xapi.NAMESPACE, uuid.NAMESPACE_URL)
               for name in records_of}
    assert not {s["id"] for s in found} & guesses
    by_verb = {s["verb"]["display"]["en-US"]: s for s in found}
    attended = by_verb["attended"]["context"]["contextActivities"]
    assert [a["id"] for a in attended["parent"]] == [by_verb["attended"]["object"]["id"].rsplit("/sessions/", 1)[0]]
    quiz = by_verb["passed" if "passed" in by_verb else "failed"]["context"]["contextActivities"]
    assert quiz["parent"][0]["id"] == f"{PUBLIC}/courses/{BUNDLED_COURSE}"
    # She joined the group the day of her quiz and her completion (joining is kept to the day): the group's records.
    group = attended["parent"][0]
    assert quiz["grouping"] == [group] and by_verb["completed"]["context"]["contextActivities"] == {"grouping": [group]}
    # She chose no language: Peru's, Spanish, in which the course is written.
    assert {s["context"]["language"] for s in found} == {"es"}
    for item in found:
        assert_valid_xapi(item)


def test_records_made_in_a_group_name_it(app, app_ctx, library, create_user, public_url):
    trainer = create_user("tina", role="trainer")
    member = create_user("ana", locale="es", country="BJ")
    course = learning.find_course(BUNDLED_COURSE)
    group = groups.create_group(trainer=trainer, course=course, name="Arequipa", country="PE", place="Arequipa",
                                mode="in-person", starts_on=clock.today(), ends_on=clock.today() + timedelta(days=5))
    groups.add_member(group, member)
    db.session.commit()
    module = next(m for m in course.modules if m.has_quiz)
    learning.submit_quiz(member.id, course, module, {q.slug: [q.choices[0].slug] for q in module.questions})
    complete_course(member.id)
    db.session.commit()
    found = xapi.statements()
    assert found and all(s["context"]["contextActivities"]["grouping"] == [
        {"objectType": "Activity", "id": f"{PUBLIC}/groups/{group.id}"}] for s in found)
    assert {s["context"]["language"] for s in found} == {"es"}  # the language she chose, which the course has
    for item in found:
        assert_valid_xapi(item)


@pytest.mark.parametrize("address", ["http://127.0.0.1:5000", "http://localhost:8000/", "http://[::1]/",
                                     "https://portal.localhost", "http://0.0.0.0:5000", "/relative"])
def test_an_address_of_this_machine_is_refused(address):
    assert xapi.is_local_address(address)


def test_a_public_address_is_taken():
    assert not xapi.is_local_address(PUBLIC) and not xapi.is_local_address("https://203.0.113.7/learn")


def test_no_export_names_anything_under_the_default_address(app, app_ctx, library, create_user, tmp_path):
    records(create_user)
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5000"  # the default
    out = tmp_path / "xapi.json"
    result = app.test_cli_runner().invoke(args=["reports", "xapi", "--out", str(out)])
    assert result.exit_code == 1 and "PUBLIC_URL" in result.output and not out.exists()
    create_user("admin", role="admin")
    admin = app.test_client()
    sign_in(admin, "admin")
    response = admin.get("/reports/xapi.json", follow_redirects=True)
    assert response.request.path == "/reports" and "xapi" not in response.mimetype
    assert "public address (PUBLIC_URL) is still an address of this computer" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export xapi")) is None  # none made


def test_only_admins_download_statements_and_each_download_is_audited(app, app_ctx, library, create_user,
                                                                       public_url):
    records(create_user)
    create_user("coord", role="coordinator", coordinated_countries=["PE"])
    create_user("admin", role="admin")
    coordinator, admin = app.test_client(), app.test_client()
    sign_in(coordinator, "coord")
    sign_in(admin, "admin")
    assert coordinator.get("/reports/xapi.json").status_code == 403
    response = admin.get("/reports/xapi.json")
    assert response.status_code == 200 and len(response.json) >= 3
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "export xapi" in log and "admin" in log
    assert coordinator.get("/admin/audit").status_code == 403
