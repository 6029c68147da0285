"""What members do offline is applied once when their phone syncs, whatever the retries or the order."""
from __future__ import annotations

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from lms.extensions import db
from lms.learn import services
from lms.models import LessonCompletion, QuizAttempt, SyncedOperation
from tests.conftest import BUNDLED_COURSE, sign_in


def token(client) -> str:
    return client.get("/sync/token").get_json()["token"]


def send(client, operations, csrf: str | None = None):
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
        assert f"/courses/{BUNDLED_COURSE}/lessons/{lesson.slug}" in manifest["urls"]
    assert "/offline" in manifest["urls"] and f"/courses/{BUNDLED_COURSE}" in manifest["urls"]
    assert any(url.startswith("/static/offline.js?v=") for url in manifest["urls"])
    for url in manifest["urls"]:  # every one of them can be fetched
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
    assert services.aware(done_at) <= datetime.now(UTC)
    past = lesson_done(course.lessons[1].slug, at=datetime(2001, 1, 1, tzinfo=UTC))
    send(client, [past])
    db.session.expire_all()
    times = db.session.scalars(select(LessonCompletion.completed_at).where(LessonCompletion.user_id == user.id))
    assert all(services.aware(t).year >= datetime.now(UTC).year - 1 for t in times)


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
                    {"operations": [{**a_quiz, "answers": {"q\u0000": "a"}}]}):
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
