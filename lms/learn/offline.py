"""Courses saved on a phone, and what members do there without a connection, applied once when it returns.

The phone keeps a queue of operations, each with an id it made itself (a UUID): a lesson marked done, a
quiz answered. When the connection returns it sends the whole queue, ``MAX_OPERATIONS`` at a time;
``apply_operations`` records each id in ``synced_operations`` in the same transaction as its effect, so an
operation sent again, or by two syncs at once, is applied once. Operations are applied in the order they were
done (by the phone's clock), so a quiz answered before the lessons counts as "before" whatever order the queue
arrives in (within one part of the queue: a phone sends its oldest part first).

Members share phones, so what is saved on a phone belongs to the member who saved it: signed-in pages
carry an owner token (``owner_token``, a keyed hash of the account, never its id), the phone keeps saved
pages and queued operations per token, and each operation carries its token. An operation whose token is
not the signed-in member's is refused and its id not recorded: a queue left by someone else, or forged,
is never credited to whoever happens to be signed in when it is sent.
"""
from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms import clock
from lms.database.portable import insert_new
from lms.extensions import db
from lms.learn import services
from lms.models import Course, Enrolment, SyncedOperation

KINDS = ("lesson-done", "quiz")
#: More than this in one sync is refused, so that one request holds a worker a second or two at most; a phone
#: sends a longer queue in parts of this size (lms/static/offline.js, told by base.html).
MAX_OPERATIONS = 100


def owner_token(user_id: int) -> str:
    """The member's owner token: stable, opaque (an HMAC of the account id under a key derived from SECRET_KEY)."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    key = hmac.new(secret, b"lms offline owner", hashlib.sha256).digest()
    return hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


class SyncRefused(ValueError):
    """The sync as a whole cannot be read; nothing is applied."""


@dataclass(frozen=True)
class Operation:
    id: uuid.UUID
    kind: str
    course: str
    at: datetime
    #: The owner token of the member who did it on the phone (None: a queue from before owners, or forged).
    owner: str | None = None
    lesson: str | None = None
    module: str | None = None
    answers: dict[str, list[str]] | None = None


def parse_operations(payload) -> list[Operation]:
    """The operations of a sync request, checked for shape; raises SyncRefused with a translated reason."""
    items = payload.get("operations") if isinstance(payload, dict) else None
    if not isinstance(items, list) or len(items) > MAX_OPERATIONS:
        raise SyncRefused(_("The saved progress could not be read."))
    operations = []
    for item in items:
        try:
            kind, course = str(item["kind"]), str(item["course"])
            at = datetime.fromisoformat(str(item["at"]).replace("Z", "+00:00"))
            operation = Operation(id=uuid.UUID(str(item["id"])), kind=kind, course=text(course),
                                  at=clock.as_utc(at), owner=text(item.get("owner")),
                                  lesson=text(item.get("lesson")), module=text(item.get("module")),
                                  answers=answers_of(item.get("answers")) if kind == "quiz" else None)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise SyncRefused(_("The saved progress could not be read.")) from error
        if kind not in KINDS:
            raise SyncRefused(_("The saved progress could not be read."))
        operations.append(operation)
    return operations


def text(value: str | None) -> str | None:
    """A name from the phone: text or nothing (NUL characters never get this far: lms/core/inputs.py)."""
    if value is not None and not isinstance(value, str):
        raise ValueError("text")
    return value


def answers_of(value) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ValueError("answers")
    return {str(question): [str(choice) for choice in (chosen if isinstance(chosen, list) else [chosen])]
            for question, chosen in value.items()}


def apply_operations(user_id: int, operations: list[Operation], now: datetime) -> list[dict]:
    """Apply each operation not applied before; per operation: "applied", "already" or "refused" (with why).

    Each runs in a savepoint: a refused one leaves nothing behind, not even its id, and the others go on.
    One done by another member (its owner token is not this member's) is refused with ``other_member``:
    the phone keeps it for its owner.
    """
    mine = owner_token(user_id)  # the member's own token, shown in their pages: nothing secret to compare
    results = []
    for operation in sorted(operations, key=lambda o: o.at):
        if operation.owner != mine:
            results.append({"id": str(operation.id), "status": "refused", "other_member": True, "reason": _(
                "This was done on this phone by another member: it is not saved in your account.")})
            continue
        with db.session.begin_nested() as savepoint:
            status, reason = apply_one(user_id, operation, now)
            if status == "refused":
                savepoint.rollback()
        results.append({"id": str(operation.id), "status": status, **({"reason": reason} if reason else {})})
    return results


def apply_one(user_id: int, operation: Operation, now: datetime) -> tuple[str, str | None]:
    course = services.find_course(operation.course)
    if course is None:
        return "refused", _("This course is no longer available.")
    at = moment_of(user_id, course, operation.at, now)
    if not insert_new(SyncedOperation, [{"id": operation.id, "user_id": user_id, "kind": operation.kind,
                                         "done_at": at, "received_at": now}], ["id"]):
        return "already", None
    if operation.kind == "lesson-done":
        lesson = next((lesson for lesson in course.lessons if lesson.slug == operation.lesson), None)
        if lesson is None:
            return "refused", _("This lesson is no longer in the course.")
        services.mark_lesson_done(user_id, course, lesson, at=at)
        return "applied", None
    module = next((module for module in course.modules if module.slug == operation.module and module.has_quiz), None)
    if module is None:
        return "refused", _("This quiz is no longer in the course.")
    if {q.slug for q in module.questions} - {q for q, chosen in (operation.answers or {}).items() if chosen}:
        return "refused", _("Please answer every question.")
    services.submit_quiz(user_id, course, module, operation.answers or {}, at=at)
    return "applied", None


def moment_of(user_id: int, course: Course, at: datetime, now: datetime) -> datetime:
    """The phone's time, kept between the enrolment (if any) and now: a phone's clock can be wrong. Never before
    the first of this month (UTC): the figures of a month that has ended are published, and nobody may add a
    record to them (docs/reports.md), so work done offline in a month that has ended counts in this one."""
    enrolled = db.session.scalar(select(Enrolment.enrolled_at).where(Enrolment.user_id == user_id,
                                                                    Enrolment.course_id == course.id))
    if enrolled is not None:
        at = max(at, clock.as_utc(enrolled))
    return min(max(at, now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)), now)


def course_manifest(course: Course) -> dict:
    """What a phone saves to read the course offline: its pages and the quizzes (kept for the member who saves
    them), and the static files they use (the same for everyone)."""
    pages = [url_for("learn.show_course", slug=course.slug), url_for("learn.offline_page")]
    pages += [url_for("learn.show_lesson", slug=course.slug, lesson=lesson.slug) for lesson in course.lessons]
    pages += [url_for("learn.take_quiz", slug=course.slug, module=module.slug)
              for module in course.modules if module.has_quiz]
    files = [url_for("static", filename=name) for name in ("site.css", "offline.js", "favicon.svg")]
    return {"course": course.slug, "lessons": len(course.lessons), "pages": pages, "files": files}
