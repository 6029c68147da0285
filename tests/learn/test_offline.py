"""What members do offline is applied once when their phone syncs, whatever the retries or the order."""
from __future__ import annotations

import random
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.learn import offline, services
from lms.models import LessonCompletion, QuizAttempt, SyncedOperation
from tests.helpers import BUNDLED_COURSE, sign_in


def token(client) -> str:
    return client.get("/sync/token").get_json()["token"]


def owner_of(client) -> str | None:
    """The owner token of whoever is signed in on this client, as the phone learns it from a page."""
    match = re.search(r'<meta name="offline-owner" content="([0-9a-f]{32})">', client.get("/").get_data(as_text=True))
    return match and match.group(1)


def send(client, operations, csrf: str | None = None, stamp: bool = True):
    """Sends operations as the phone does; each carries the signed-in member's owner token unless it names
    one itself (``stamp=False``: as they are)."""
    if stamp:
        mine = client.get("/sync/token").get_json()["owner"]
        operations = [{"owner": mine, **operation} for operation in operations]
    return client.post("/sync", json={"operations": operations},
                       headers={"X-CSRFToken": csrf if csrf is not None else token(client)})


def lesson_done(lesson: str, at: datetime | None = None) -> dict:
    return {"id": str(uuid.uuid4()), "kind": "lesson-done", "course": BUNDLED_COURSE, "lesson": lesson,
            "at": (at or datetime.now(UTC)).isoformat()}


def quiz(module, at: datetime | None = None, right: bool = True) -> dict:
    answers = {q.slug: [c.slug for c in q.choices if c.correct == right][:1] or [q.choices[0].slug]
               for q in module.questions}
    return {"id": str(uuid.uuid4()), "kind": "quiz", "course": BUNDLED_COURSE, "module": module.slug,
            "answers": answers, "at": (at or datetime.now(UTC)).isoformat()}


def counts(user_id: int) -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(LessonCompletion)
                              .where(LessonCompletion.user_id == user_id)),
            db.session.scalar(select(func.count()).select_from(QuizAttempt).where(QuizAttempt.user_id == user_id)))


def test_the_manifest_lists_every_page_and_file_a_phone_needs(client, library, create_user):
    create_user("reader")
    sign_in(client, "reader")
    course = services.find_course(BUNDLED_COURSE)
    manifest = client.get(f"/courses/{BUNDLED_COURSE}/offline.json").get_json()
    assert manifest["lessons"] == len(course.lessons)
    for lesson in course.lessons:
        assert f"/courses/{BUNDLED_COURSE}/lessons/{lesson.slug}" in manifest["pages"]
    assert "/offline" in manifest["pages"] and f"/courses/{BUNDLED_COURSE}" in manifest["pages"]
    assert any(url.startswith("/static/offline.js?v=") for url in manifest["files"])
    mine = owner_of(client)
    for url in manifest["pages"]:  # every one of them can be fetched, drawn for the member who saves it
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Offline-Owner"] == mine, url
    for url in manifest["files"]:
        assert client.get(url).status_code == 200, url
    assert client.get("/sw.js").headers["Content-Type"].startswith(("text/javascript", "application/javascript"))


def test_a_sync_sent_again_and_again_applies_each_operation_once(client, library, create_user):
    user = create_user("reader")
    sign_in(client, "reader")
    course = services.find_course(BUNDLED_COURSE)
    operations = [lesson_done(lesson.slug) for lesson in course.lessons[:3]]
    operations.append(quiz(next(m for m in course.modules if m.has_quiz)))
    first = send(client, operations).get_json()["results"]
    assert [r["status"] for r in first] == ["applied"] * 4
    rng = random.Random(4)
    for _ in range(3):  # the phone lost the answer and sends it again, in another order
        again = send(client, rng.sample(operations, len(operations))).get_json()["results"]
        assert {r["status"] for r in again} == {"already"}
    assert counts(user.id) == (3, 1)


def test_two_syncs_at_once_apply_an_operation_once(app, library, create_user):
    user = create_user("reader")
    course = services.find_course(BUNDLED_COURSE)
    operations = [lesson_done(course.lessons[0].slug), quiz(next(m for m in course.modules if m.has_quiz))]
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        sign_in(client, "reader")
    tokens = [token(client) for client in clients]
    statuses = []

    def sync(client, csrf):
        response = send(client, operations, csrf)
        statuses.append((response.status_code, [r["status"] for r in response.get_json()["results"]]))

    threads = [threading.Thread(target=sync, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code for code, _ in statuses) == [200, 200]
    assert sorted(s for _, results in statuses for s in results) == ["already", "already", "applied", "applied"]
    assert counts(user.id) == (1, 1)


def test_a_quiz_taken_before_the_lessons_counts_as_before_whatever_order_the_queue_arrives_in(
        client, library, create_user):
    user = create_user("reader")
    sign_in(client, "reader")
    course = services.find_course(BUNDLED_COURSE)
    module = next(m for m in course.modules if m.has_quiz)
    start = datetime.now(UTC) - timedelta(hours=2)
    before = quiz(module, at=start, right=False)
    lessons = [lesson_done(lesson.slug, at=start + timedelta(minutes=10 + i))
               for i, lesson in enumerate(module.lessons)]
    after = quiz(module, at=start + timedelta(hours=1))
    send(client, [after, *lessons, before])  # the queue out of order
    db.session.expire_all()
    attempts = db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)
                                  .order_by(QuizAttempt.submitted_at)).all()
    assert [a.before_lessons for a in attempts] == [True, False]
    assert attempts[0].score < attempts[1].score


def test_times_from_a_wrong_clock_are_kept_between_the_enrolment_and_now(client, library, create_user):
    user = create_user("reader")
    sign_in(client, "reader")
    course = services.find_course(BUNDLED_COURSE)
    future = lesson_done(course.lessons[0].slug, at=datetime.now(UTC) + timedelta(days=400))
    send(client, [future])
    db.session.expire_all()
    done_at = db.session.scalar(select(LessonCompletion.completed_at).where(LessonCompletion.user_id == user.id))
    assert clock.as_utc(done_at) <= datetime.now(UTC)
    past = lesson_done(course.lessons[1].slug, at=datetime(2001, 1, 1, tzinfo=UTC))
    send(client, [past])
    db.session.expire_all()
    times = db.session.scalars(select(LessonCompletion.completed_at).where(LessonCompletion.user_id == user.id))
    assert all(clock.as_utc(t).year >= datetime.now(UTC).year - 1 for t in times)


def test_bad_syncs_are_refused_with_a_reason_and_change_nothing(client, library, create_user):
    user = create_user("reader")
    sign_in(client, "reader")
    course = services.find_course(BUNDLED_COURSE)
    good = lesson_done(course.lessons[0].slug)
    a_quiz = quiz(next(m for m in course.modules if m.has_quiz))
    for payload in ({"operations": "x"}, {"operations": [{"kind": "lesson-done"}]}, [1, 2],
                    {"operations": [{**good, "id": "not-a-uuid"}]}, {"operations": [{**good, "kind": "delete"}]},
                    {"operations": [{**good, "at": "yesterday"}]}, {"operations": [{**good, "course": "x\u0000"}]},
                    {"operations": [{**good, "lesson": {"$ne": 1}}]},
                    {"operations": [{**a_quiz, "answers": {"q\u0000": "a"}}]}, {"operations": [{**good, "owner": 5}]},
                    {"operations": [{**good, "owner": ["x"]}]}):
        response = client.post("/sync", json=payload, headers={"X-CSRFToken": token(client)})
        assert response.status_code == 400 and response.get_json()["error"]
    assert client.post("/sync", data="{not json", content_type="application/json",
                       headers={"X-CSRFToken": token(client)}).status_code == 400
    assert send(client, [good], csrf="forged").status_code == 400
    module = next(m for m in course.modules if m.has_quiz)
    unanswered = {**quiz(module), "answers": {}}
    results = send(client, [lesson_done("no-such-lesson"), unanswered,
                            {**good, "course": "no-such-course"}]).get_json()["results"]
    assert [r["status"] for r in results] == ["refused"] * 3 and all(r["reason"] for r in results)
    assert counts(user.id) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(SyncedOperation)) == 0


def test_a_queue_left_on_a_shared_phone_by_another_member_is_not_credited_to_whoever_signs_in(
        app, client, library, create_user):
    amina, bruno = create_user("amina"), create_user("bruno")
    course = services.find_course(BUNDLED_COURSE)
    module = next(m for m in course.modules if m.has_quiz)
    phone = app.test_client()
    sign_in(phone, "amina")
    aminas = owner_of(phone)  # what Amina's pages told the phone
    aminas_queue = [{**lesson_done(course.lessons[0].slug), "owner": aminas}, {**quiz(module), "owner": aminas}]
    sign_in(client, "bruno")  # Bruno signs in on the same phone: Amina's queue is still on it
    brunos_own = lesson_done(course.lessons[5].slug)
    sent = [*aminas_queue, {**brunos_own, "owner": owner_of(client)}]
    results = send(client, sent, stamp=False).get_json()["results"]
    by_id = {result["id"]: result for result in results}
    for operation in aminas_queue:
        refused = by_id[operation["id"]]
        assert refused["status"] == "refused" and refused["other_member"] and "another member" in refused["reason"]
    assert by_id[brunos_own["id"]]["status"] == "applied"  # his own, in the same sync, is applied
    assert counts(bruno.id) == (1, 0) and counts(amina.id) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(SyncedOperation)) == 1  # refused ids not recorded
    # Amina signs in again and her phone sends her queue: applied to her, once.
    assert [r["status"] for r in send(phone, aminas_queue, stamp=False).get_json()["results"]] == ["applied"] * 2
    assert [r["status"] for r in send(phone, aminas_queue, stamp=False).get_json()["results"]] == ["already"] * 2
    assert counts(amina.id) == (1, 1) and counts(bruno.id) == (1, 0)


@pytest.mark.parametrize("owner", [pytest.param(None, id="no-owner"), pytest.param("", id="empty"),
                                   pytest.param("0" * 32, id="forged"), pytest.param("é\ud800" * 20, id="not-hex"),
                                   pytest.param("f" * 5000, id="long")])
def test_an_operation_without_its_members_owner_token_credits_nothing_and_says_why(
        client, library, create_user, owner):
    user = create_user("reader")
    sign_in(client, "reader")
    course = services.find_course(BUNDLED_COURSE)
    operation = lesson_done(course.lessons[0].slug)
    if owner is not None:
        operation["owner"] = owner
    response = send(client, [operation], stamp=False)
    assert response.status_code == 200
    [result] = response.get_json()["results"]
    assert result["status"] == "refused" and result["other_member"] and result["reason"]
    assert counts(user.id) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(SyncedOperation)) == 0
    # The same operation with the member's own token is applied: its id was not taken by the refusal.
    assert send(client, [{**operation, "owner": owner_of(client)}], stamp=False).get_json()["results"][0][
        "status"] == "applied"
    assert counts(user.id) == (1, 0)


def test_the_owner_token_is_opaque_stable_per_member_and_absent_when_signed_out(
        app, client, library, create_user, monkeypatch):
    amina, bruno = create_user("amina"), create_user("bruno")
    page = client.get("/")
    assert "offline-owner" not in page.get_data(as_text=True) and "Offline-Owner" not in page.headers
    sign_in(client, "amina")
    aminas = owner_of(client)
    assert aminas and re.fullmatch(r"[0-9a-f]{32}", aminas) and aminas != str(amina.id)
    assert client.get("/my-learning").headers["Offline-Owner"] == aminas
    assert client.get("/sync/token").get_json()["owner"] == aminas
    client.post("/sign-out", data={"csrf_token": token(client)})
    assert "Offline-Owner" not in client.get("/").headers
    other = app.test_client()
    sign_in(other, "bruno")
    assert owner_of(other) != aminas
    sign_in(client, "amina")  # a new session, the same member: the same token
    assert owner_of(client) == aminas
    from lms.learn.offline import owner_token

    assert owner_token(amina.id) == aminas and owner_token(bruno.id) == owner_of(other)
    monkeypatch.setitem(current_app.config, "SECRET_KEY", "another key")
    assert owner_token(amina.id) != aminas  # a new SECRET_KEY: saved data of the old tokens is not shown any more


def test_a_sync_of_more_operations_than_a_part_is_refused_whole_and_pages_tell_the_phone_the_part_size(
        client, library, create_user):
    user = create_user("reader")
    sign_in(client, "reader")
    lessons = services.find_course(BUNDLED_COURSE).lessons
    page = client.get("/").get_data(as_text=True)
    assert f'data-sync-batch="{offline.MAX_OPERATIONS}"' in page and offline.MAX_OPERATIONS <= 100
    too_many = [lesson_done(lessons[i % len(lessons)].slug) for i in range(offline.MAX_OPERATIONS + 1)]
    response = send(client, too_many)
    assert response.status_code == 400 and response.get_json()["error"]
    assert counts(user.id) == (0, 0)
    assert send(client, too_many[:offline.MAX_OPERATIONS]).status_code == 200  # the part the phone sends first
    assert counts(user.id) == (len(lessons), 0)


def test_syncs_are_counted_per_account_and_past_the_limit_refused_with_a_429_that_applies_nothing(
        app, client, library, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "SYNC_LIMIT", "2 per minute")
    user, other = create_user("reader"), create_user("other")
    sign_in(client, "reader")
    module = next(m for m in services.find_course(BUNDLED_COURSE).modules if m.has_quiz)
    refused = {**quiz(module), "answers": {}}  # refused, so not recorded: it could be sent again and again
    for _ in range(2):
        assert send(client, [refused]).get_json()["results"][0]["status"] == "refused"
    blocked = send(client, [lesson_done(services.find_course(BUNDLED_COURSE).lessons[0].slug)])
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert counts(user.id) == (0, 0)
    phone = app.test_client()  # another member's count is their own
    sign_in(phone, "other")
    assert send(phone, [lesson_done(services.find_course(BUNDLED_COURSE).lessons[0].slug)]).status_code == 200
    assert counts(other.id) == (1, 0)
