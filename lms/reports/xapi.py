"""Learning records as xAPI 1.0.3 statements, for organisations that keep a learning record store.

Actors are opaque account names (a keyed hash of the account), never a name, e-mail or phone.
Statement ids are derived from a keyed hash of the record (never from its ids alone, which anyone
could hash again), so exporting twice gives the same statements and an LRS keeps each once. For an
erased account both are derived from its tombstone's random name instead of its id: after an erasure,
no identifier in an export matches an earlier one (what was done, where and when, stays as recorded).

Each statement has a context: the registration (one per enrolment, a UUID derived from a keyed hash, so that it
neither changes between exports nor gives the enrolment's id away; from the tombstone once the account is erased),
the training group the record belongs to (a parent or grouping activity), and the language the member reads the
course in. Actors and activities are named under the portal's public address (PUBLIC_URL): the exports refuse
to run while it is an address of this machine.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from lms.clock import as_utc
from lms.extensions import db
from lms.i18n import member_language, pick_text
from lms.models import (
    Attendance,
    Course,
    Enrolment,
    GroupMember,
    GroupSession,
    Module,
    QuizAttempt,
    TrainingGroup,
    User,
)

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
#: RFC 5646's "undetermined": the language of a text trainers type freely (a group's name, a session's topic).
UNDETERMINED = "und"


def is_local_address(url: str) -> bool:
    """Whether ``url`` names this machine (the default http://127.0.0.1:5000, localhost) or no host at all."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def keyed_hash(subject: str) -> str:
    key = current_app.config["PSEUDONYM_KEY"].encode()
    return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()


def account_name(user_id: int, tombstone: str | None = None) -> str:
    """The actor's opaque name: a keyed hash of the account id, or of the tombstone's name once erased."""
    return keyed_hash(f"xapi:erased:{tombstone}" if tombstone else f"xapi:user:{user_id}")[:32]


def registration(enrolment_id: int, course_id: int, tombstone: str | None = None) -> str:
    """The enrolment's registration: a UUID from a keyed hash of the enrolment, or of the tombstone's name and the
    course once the account is erased."""
    subject = f"xapi:registration:erased:{tombstone}:{course_id}" if tombstone else f"xapi:registration:{enrolment_id}"
    return str(uuid.uuid5(NAMESPACE, keyed_hash(subject)))


def language_tag(code: str) -> str:
    """A stored language code as an RFC 5646 tag ("pt_BR" -> "pt-BR")."""
    return code.replace("_", "-")


def timestamp(moment: datetime | date) -> str:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(12, 0))
    return as_utc(moment).astimezone(UTC).isoformat().replace("+00:00", "Z")


def activity(home: str, path: str, kind: str | None = None, name: tuple[str, str] | None = None) -> dict:
    """An activity under the public address; ``name`` is (language, text), the text in that language."""
    data: dict = {"objectType": "Activity", "id": f"{home}{path}"}
    if kind is not None:
        data["definition"] = {"type": kind}
        if name is not None:
            data["definition"]["name"] = {language_tag(name[0]): name[1]}
    return data


@dataclass(frozen=True)
class Context:
    """Where a record stands: its enrolment's registration, the language of the course, its group(s)."""

    language: str
    registration: str | None = None
    parent: dict | None = None
    groups: tuple[int, ...] = ()

    def as_xapi(self, home: str) -> dict:
        data: dict = {"language": language_tag(self.language)}
        if self.registration:
            data["registration"] = self.registration
        activities = {}
        if self.parent:
            activities["parent"] = [self.parent]
        if self.groups:
            activities["grouping"] = [activity(home, f"/groups/{group}") for group in self.groups]
        if activities:
            data["contextActivities"] = activities
        return data


def statement(kind: str, record: str, user_id: int, target: dict, moment, context: Context,
              result: dict | None = None, tombstone: str | None = None) -> dict:
    home = public_home()
    seed = f"{kind}:{record}" if tombstone is None else f"{kind}:{record}:{tombstone}"
    data = {
        "id": str(uuid.uuid5(NAMESPACE, keyed_hash(f"xapi:statement:{seed}"))),
        "actor": {"objectType": "Agent", "account": {"homePage": home, "name": account_name(user_id, tombstone)}},
        "verb": {"id": VERBS[kind], "display": {"en-US": kind}},
        "object": target,
        "context": context.as_xapi(home),
        "timestamp": timestamp(moment),
    }
    if result is not None:
        data["result"] = result
    return data


def public_home() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/")


def statements(since: date | None = None) -> list[dict]:
    """Completions, quiz results and attendance, oldest first."""
    start = datetime.combine(since, time.min, tzinfo=UTC) if since else None
    home = public_home()
    courses = {c.id: c for c in db.session.scalars(select(Course))}
    people = {person.id: person for person in db.session.execute(
        select(User.id, User.locale, User.country, User.username, User.erased_at))}
    erased = {person.id: person.username for person in people.values() if person.erased_at is not None}
    enrolments = {(user_id, course_id): enrolment_id for enrolment_id, user_id, course_id
                  in db.session.execute(select(Enrolment.id, Enrolment.user_id, Enrolment.course_id))}
    memberships: dict[tuple[int, int], list[tuple[int, datetime]]] = {}
    for user_id, course_id, group_id, joined_at in db.session.execute(
            select(GroupMember.user_id, TrainingGroup.course_id, TrainingGroup.id, GroupMember.joined_at)
            .join(TrainingGroup, TrainingGroup.id == GroupMember.group_id).order_by(TrainingGroup.id)):
        memberships.setdefault((user_id, course_id), []).append((group_id, joined_at))

    def course_activity(course: Course) -> dict:
        title = pick_text(course.translations, "en", course.source_language)
        return activity(home, f"/courses/{course.slug}", COURSE, (title.language, title.row.title) if title else None)

    def context(user_id: int, course: Course, moment, parent: dict | None = None,
                groups: tuple[int, ...] | None = None) -> Context:
        """The member's registration in the course, the language they read it in, and the groups of that course
        they had joined by ``moment`` (unless ``groups`` says which)."""
        read_in = pick_text(course.translations, member_language(people[user_id]), course.source_language)
        enrolment = enrolments.get((user_id, course.id))
        if groups is None:
            since = moment if isinstance(moment, datetime) else datetime.combine(moment, time.max, tzinfo=UTC)
            groups = tuple(group for group, joined in memberships.get((user_id, course.id), [])
                           if as_utc(joined) <= as_utc(since))
        return Context(read_in.language if read_in else course.source_language,
                       None if enrolment is None else registration(enrolment, course.id, erased.get(user_id)),
                       parent, groups)

    found = []
    completions = select(Enrolment).where(Enrolment.completed_at.is_not(None))
    if start:
        completions = completions.where(Enrolment.completed_at >= start)
    for enrolment in db.session.scalars(completions):
        course = courses[enrolment.course_id]
        found.append(statement("completed", f"enrolment:{enrolment.id}", enrolment.user_id, course_activity(course),
                               enrolment.completed_at, context(enrolment.user_id, course, enrolment.completed_at),
                               {"completion": True}, erased.get(enrolment.user_id)))
    attempts = select(QuizAttempt, Module).join(Module, Module.id == QuizAttempt.module_id)
    if start:
        attempts = attempts.where(QuizAttempt.submitted_at >= start)
    for attempt, module in db.session.execute(attempts):
        course = courses[module.course_id]
        quiz = pick_text(module.translations, "en", course.source_language)
        target = activity(home, f"/courses/{course.slug}/modules/{module.slug}/quiz", ASSESSMENT,
                          (quiz.language, quiz.row.title) if quiz else None)
        groups = (attempt.group_id,) if attempt.group_id else None  # a paper score was entered for its group
        found.append(statement("passed" if attempt.passed else "failed", f"attempt:{attempt.id}", attempt.user_id,
                               target, attempt.submitted_at,
                               context(attempt.user_id, course, attempt.submitted_at, course_activity(course), groups),
                               {"success": attempt.passed, "completion": True,
                                "score": {"scaled": attempt.score / 100, "raw": attempt.score, "min": 0, "max": 100}},
                               erased.get(attempt.user_id)))
    sessions = (select(Attendance.user_id, GroupSession, TrainingGroup)
                .join(GroupSession, GroupSession.id == Attendance.session_id)
                .join(TrainingGroup, TrainingGroup.id == GroupSession.group_id))
    if since:
        sessions = sessions.where(GroupSession.held_on >= since)
    for user_id, session, group in db.session.execute(sessions):
        course = courses[group.course_id]
        target = activity(home, f"/groups/{group.id}/sessions/{session.id}", MEETING,
                          (UNDETERMINED, f"{group.name}: {session.topic}"))
        found.append(statement("attended", f"attendance:{session.id}:{user_id}", user_id, target, session.held_on,
                               context(user_id, course, session.held_on, activity(home, f"/groups/{group.id}"), ()),
                               tombstone=erased.get(user_id)))
    return sorted(found, key=lambda s: (s["timestamp"], s["id"]))


