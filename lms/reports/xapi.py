"""Learning records as xAPI 1.0.3 statements, for organisations that keep a learning record store.

Actors are opaque account names (a keyed hash of the account), never a name, e-mail or phone.
Statement ids are derived from the record, so exporting twice gives the same statements and an
LRS keeps each once. For an erased account both are derived from its tombstone's random name
instead of its id: after an erasure, nothing in an export can be matched with an earlier one.
"""
from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, date, datetime, time

from flask import current_app
from sqlalchemy import select

from lms.extensions import db
from lms.i18n import pick_string
from lms.models import Attendance, Course, Enrolment, GroupSession, Module, QuizAttempt, TrainingGroup, User

VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "attended": "http://adlnet.gov/expapi/verbs/attended",
}
COURSE = "http://adlnet.gov/expapi/activities/course"
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
MEETING = "http://adlnet.gov/expapi/activities/meeting"
NAMESPACE = uuid.UUID("6f1c3c52-4b8e-4d7e-9a31-0b5d3b074029")


def account_name(user_id: int, tombstone: str | None = None) -> str:
    """The actor's opaque name: a keyed hash of the account id, or of the tombstone's name once erased."""
    key = current_app.config["PSEUDONYM_KEY"].encode()
    subject = f"xapi:erased:{tombstone}" if tombstone else f"xapi:user:{user_id}"
    return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()[:32]


def timestamp(moment: datetime | date) -> str:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(12, 0))
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def statement(kind: str, record: str, user_id: int, activity_id: str, activity_type: str, name: str,
              moment, result: dict | None = None, tombstone: str | None = None) -> dict:
    home = current_app.config["PUBLIC_URL"].rstrip("/")
    seed = f"{kind}:{record}" if tombstone is None else f"{kind}:{record}:{tombstone}"
    data = {
        "id": str(uuid.uuid5(NAMESPACE, seed)),
        "actor": {"objectType": "Agent", "account": {"homePage": home, "name": account_name(user_id, tombstone)}},
        "verb": {"id": VERBS[kind], "display": {"en-US": kind}},
        "object": {"objectType": "Activity", "id": f"{home}{activity_id}",
                   "definition": {"type": activity_type, "name": {"en-US": name}}},
        "timestamp": timestamp(moment),
    }
    if result is not None:
        data["result"] = result
    return data


def statements(since: date | None = None) -> list[dict]:
    """Completions, quiz results and attendance, oldest first."""
    start = datetime.combine(since, time.min, tzinfo=UTC) if since else None
    courses = {c.id: c for c in db.session.scalars(select(Course))}
    erased = dict(db.session.execute(select(User.id, User.username).where(User.erased_at.is_not(None))).all())

    def title(course: Course) -> str:
        return pick_string(course.translations, "en", course.source_language, "title")

    found = []
    completions = select(Enrolment).where(Enrolment.completed_at.is_not(None))
    if start:
        completions = completions.where(Enrolment.completed_at >= start)
    for enrolment in db.session.scalars(completions):
        course = courses[enrolment.course_id]
        found.append(statement("completed", f"enrolment:{enrolment.id}", enrolment.user_id,
                               f"/courses/{course.slug}", COURSE, title(course), enrolment.completed_at,
                               {"completion": True}, erased.get(enrolment.user_id)))
    attempts = select(QuizAttempt, Module).join(Module, Module.id == QuizAttempt.module_id)
    if start:
        attempts = attempts.where(QuizAttempt.submitted_at >= start)
    for attempt, module in db.session.execute(attempts):
        course = courses[module.course_id]
        kind = "passed" if attempt.passed else "failed"
        quiz = pick_string(module.translations, "en", course.source_language, "title")
        found.append(statement(kind, f"attempt:{attempt.id}", attempt.user_id,
                               f"/courses/{course.slug}/modules/{module.slug}/quiz", ASSESSMENT,
                               f"{title(course)}: {quiz}", attempt.submitted_at,
                               {"success": attempt.passed, "completion": True,
                                "score": {"scaled": attempt.score / 100, "raw": attempt.score, "min": 0, "max": 100}},
                               erased.get(attempt.user_id)))
    sessions = (select(Attendance.user_id, GroupSession, TrainingGroup)
                .join(GroupSession, GroupSession.id == Attendance.session_id)
                .join(TrainingGroup, TrainingGroup.id == GroupSession.group_id))
    if since:
        sessions = sessions.where(GroupSession.held_on >= since)
    for user_id, session, group in db.session.execute(sessions):
        found.append(statement("attended", f"attendance:{session.id}:{user_id}", user_id,
                               f"/groups/{group.id}/sessions/{session.id}", MEETING, f"{group.name}: {session.topic}",
                               session.held_on, tombstone=erased.get(user_id)))
    return sorted(found, key=lambda s: (s["timestamp"], s["id"]))
