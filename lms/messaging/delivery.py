"""Sending the queued SMS: the scheduler's "send-sms" job, and a message due at once handed over as soon as the
request that queued it has answered (so that a member waiting for a code has it within seconds).

Each message is claimed before it goes: a conditional UPDATE moves it from "queued" to "sending", and only the
runner whose UPDATE changed the row hands it to the gateway, so that two scheduler processes, the job and a
request, or a retry never send one twice. Then:

- the gateway took it: "sent" (its delivery report later makes it "delivered" or "failed", lms/messaging/callbacks.py);
- the gateway could not be reached, or said "not now": "queued" again, ``send_after`` moved by BACKOFF_MINUTES, with
  the reason; the run stops there, and the other messages wait for the next run with no attempt counted. After
  SMS_MAX_ATTEMPTS attempts, "failed";
- the gateway refused it for good, or stopped answering once it had the request (it may have taken the message):
  "failed", with the reason, and never sent again.

A message still "sending" INTERRUPTED_AFTER after its hand-over began (``sent_at``) was left by a process that
stopped mid-way, and the gateway may or may not have it: it fails with INTERRUPTED, never sent again. A member must
not receive one message twice; one who waits for a code asks for another. A code still queued SMS_CODE_MINUTES
after it was made (the gateway was down) would no longer work: it fails with EXPIRED instead of going.

Just before it goes, a message is checked again: an answer to a text ("reply") always goes (lms/messaging/keywords.py
bounds them); nothing else goes to a number that replied STOP (lms/messaging/numbers.py); and anything but a
"service" message (a number's first code) goes only to a member who may still be texted (``may_text``: no STOP
meanwhile, the same confirmed number, an active account), reminders and group news only within the member's
sending hours (lms/messaging/hours.py). The text of a code, a reminder or an answer (FORGET_TEXT) is blanked as soon
as the message is sent or failed, and the number of an answer to a text too.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import after_this_request, current_app, g, url_for
from sqlalchemy import select

from lms import clock
from lms.core import after_response
from lms.extensions import db
from lms.messaging.channels import may_text, sms_enabled
from lms.messaging.gateways import Handover, Report, gateway
from lms.messaging.hours import sending_time
from lms.messaging.numbers import is_stopped
from lms.models import TextMessage, User

#: Minutes to wait after the 1st, 2nd... failed attempt (the last figure for any later one).
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
INTERRUPTED_AFTER = timedelta(minutes=10)
INTERRUPTED = "interrupted while it was handed over: not sent again"
EXPIRED = "the code expired before the gateway took it"
#: Kinds whose text is blanked once the message is sent or failed: a code (a number's first code is "service"), and a
#: reminder, whose short link would otherwise stay beside the member in a stolen database.
FORGET_TEXT = ("account_codes", "reply", "service", "survey_reminders")
#: Kinds that wait for the member's sending hours; the others go at once.
WAIT_FOR_HOURS = ("survey_reminders", "group_news")
#: One number, in international form: nothing a gateway could read as a list of numbers.
E164 = re.compile(r"\+[1-9]\d{5,14}")
#: Messages one run hands over at most; the next run takes the rest.
BATCH = 500


def signature(message_id: int) -> str:
    """The HMAC (SMS_CALLBACK_SECRET) that proves a delivery report about ``message_id`` comes from the gateway."""
    key = current_app.config["SMS_CALLBACK_SECRET"].encode()
    return hmac.new(key, f"sms-report:{message_id}".encode(), hashlib.sha256).hexdigest()


def report_url(message_id: int) -> str:
    """Where the gateway reports on ``message_id``: PUBLIC_URL's callback with the id and its signature."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for("sms.delivery", id=message_id, sig=signature(message_id), _external=True)


def send_due() -> int:
    """The "send-sms" job: hand every message that is due to the gateway; how many it took."""
    if not sms_enabled():
        return 0
    now = clock.utcnow()
    give_up(now)
    db.session.commit()
    due = db.session.scalars(select(TextMessage.id).where(TextMessage.status == "queued", TextMessage.send_after <= now)
                             .order_by(TextMessage.send_after, TextMessage.id).limit(BATCH)).all()
    return hand_over_all(due)


def hand_over_all(message_ids: list[int]) -> int:
    """Hand these messages over in turn, stopping at the first temporary failure; how many the gateway took."""
    taken = 0
    for message_id in message_ids:
        outcome = hand_over(message_id)
        if outcome == "temporary":
            break
        taken += outcome == "accepted"
    return taken


def hand_over_after_response(message_id: int) -> None:
    """During a request: hand ``message_id`` over once the answer has gone (lms/core/after_response.py), in an app
    context of its own, as lms/auth/recovery.py sends its e-mail. What this misses, the job sends."""
    pending = g.setdefault("sms_after_response", [])
    if not pending:
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        @after_this_request
        def send_once_answered(response):
            after_response.later(response, lambda: hand_over_in(app, list(pending)))
            return response
    pending.append(message_id)


def hand_over_in(app, message_ids: list[int]) -> None:
    with app.app_context():
        try:
            if sms_enabled():
                hand_over_all(message_ids)
        finally:
            db.session.remove()


def hand_over(message_id: int) -> str | None:
    """Claim one due message and hand it to the gateway: the outcome ("accepted", "temporary", "failed"), or None
    if another runner has it, it is not due, or it may not go now after all. Commits."""
    if not claim(message_id):
        return None
    message = db.session.get(TextMessage, message_id)
    outcome = None
    if obstacle := why_not(message):
        finish(message_id, "failed", obstacle)
    elif later := sending_hours_start(message):
        release(message_id, send_after=later, attempts=message.attempts - 1, reason=message.reason)
    else:
        handover = gateway().send(message, report_url(message_id))
        record(message, handover)
        outcome = handover.outcome
    db.session.commit()
    return outcome


def claim(message_id: int) -> bool:
    """Move a due message from "queued" to "sending" (committed); True only for the runner whose UPDATE changed it."""
    now = clock.utcnow()
    claimed = db.session.execute(
        sa.update(TextMessage)
        .where(TextMessage.id == message_id, TextMessage.status == "queued", TextMessage.send_after <= now)
        .values(status="sending", attempts=TextMessage.attempts + 1, sent_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return claimed.rowcount == 1


def why_not(message: TextMessage) -> str | None:
    """Why a claimed message must not go after all, or None."""
    if not message.phone or message.text is None:
        return "nothing to send: the number or the text was erased"
    if not E164.fullmatch(message.phone):
        return "not a number in international form"  # a gateway would read "+51 9..." as two numbers
    if message.kind == "reply":
        return None  # an answer to the number's own text: it goes even to a number that replied STOP
    if is_stopped(message.phone):
        return "the number replied STOP"
    if message.kind == "service":
        return None
    user = db.session.get(User, message.user_id) if message.user_id else None
    if user is None or user.phone != message.phone or not may_text(user):
        return "the member may no longer be texted: STOP, another number, or the account closed"
    return None


def sending_hours_start(message: TextMessage) -> datetime | None:
    """When a reminder or group news may go, if not now: it is outside the member's sending hours."""
    if message.kind not in WAIT_FOR_HOURS:
        return None
    now = clock.utcnow()
    later = sending_time(now, message.phone, message.country)
    return later if later > now else None


def record(message: TextMessage, handover: Handover) -> None:
    """What the gateway did with a message being sent (flushed)."""
    if handover.outcome == "accepted":
        db.session.execute(sa.update(TextMessage).where(TextMessage.id == message.id, TextMessage.status == "sending")
                           .values(status="sent", reason=None, text=kept_text(), phone=kept_phone())
                           .execution_options(synchronize_session=False))
    elif handover.outcome == "temporary" and message.attempts < current_app.config["SMS_MAX_ATTEMPTS"]:
        wait = BACKOFF_MINUTES[min(message.attempts, len(BACKOFF_MINUTES)) - 1]
        release(message.id, send_after=clock.utcnow() + timedelta(minutes=wait), attempts=message.attempts,
                reason=handover.reason)
    else:
        finish(message.id, "failed", handover.reason)


def release(message_id: int, send_after: datetime, attempts: int, reason: str | None) -> None:
    """Put a message being sent back in the queue until ``send_after`` (flushed)."""
    db.session.execute(sa.update(TextMessage).where(TextMessage.id == message_id, TextMessage.status == "sending")
                       .values(status="queued", send_after=send_after, attempts=attempts, reason=reason, sent_at=None)
                       .execution_options(synchronize_session=False))


def finish(message_id: int, status: str, reason: str | None) -> None:
    """End a message being sent or sent: "delivered" or "failed" (flushed). A finished one never changes again."""
    db.session.execute(
        sa.update(TextMessage)
        .where(TextMessage.id == message_id, TextMessage.status.in_(("sending", "sent")))
        .values(status=status, reason=reason or None, finished_at=clock.utcnow(), text=kept_text(),
                phone=kept_phone())
        .execution_options(synchronize_session=False))


def kept_text():
    """The text of a message that has gone: blanked for a code."""
    return sa.case((TextMessage.kind.in_(FORGET_TEXT), None), else_=TextMessage.text)


def kept_phone():
    """The number of a message that has gone: blanked for an answer to a text (it may be a number no account holds:
    nothing keeps a list of the numbers that texted the portal)."""
    return sa.case((TextMessage.kind == "reply", None), else_=TextMessage.phone)


def apply_report(message_id: int, report: Report) -> None:
    """A delivery report (flushed): "delivered" or "failed" with the gateway's reason. A report about an unknown or
    finished message, or one that ends nothing (buffered, taken by the operator), changes nothing."""
    if report.status == "delivered":
        finish(message_id, "delivered", None)
    elif report.status == "failed":
        finish(message_id, "failed", report.reason or "not delivered (the gateway's report)")


def give_up(now: datetime) -> None:
    """Messages that will never go fail (flushed): those left "sending" by a process that stopped mid-way
    (INTERRUPTED), and codes queued longer than a code works (EXPIRED)."""
    code_life = timedelta(minutes=current_app.config["SMS_CODE_MINUTES"])
    for reason, which in (
            (INTERRUPTED, sa.and_(TextMessage.status == "sending", TextMessage.sent_at < now - INTERRUPTED_AFTER)),
            (EXPIRED, sa.and_(TextMessage.status == "queued", TextMessage.kind == "account_codes",
                              TextMessage.created_at < now - code_life))):
        db.session.execute(sa.update(TextMessage).where(which)
                           .values(status="failed", reason=reason, finished_at=now, text=kept_text(),
                                   phone=kept_phone())
                           .execution_options(synchronize_session=False))
