"""Queueing an SMS: a row in ``text_messages`` that the delivery job gives the gateway (lms/messaging/delivery.py).

A message due at once that is queued during a request goes as soon as the request has answered, so that a
member waiting for a code has it within seconds; the job sends the others, and whatever that misses."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context

from lms import clock
from lms.extensions import db
from lms.messaging.channels import country_of
from lms.messaging.delivery import hand_over_after_response
from lms.messaging.segments import measure
from lms.models import TextMessage, User


def queue_sms(phone: str, text: str, kind: str, user: User | None = None,
              send_after: datetime | None = None) -> TextMessage:
    """A new queued SMS to ``phone`` (E.164), flushed; it goes at ``send_after`` (default now) or later.

    The caller has checked that the message may go (lms/messaging/channels.py); this only writes it down.
    """
    size = measure(text)
    message = TextMessage(user_id=user.id if user else None, phone=phone, country=country_of(phone), kind=kind,
                          text=text, encoding=size.encoding, segments=size.segments,
                          send_after=send_after or clock.utcnow())
    db.session.add(message)
    db.session.flush()
    if has_request_context() and message.send_after <= clock.utcnow():
        hand_over_after_response(message.id)
    return message
