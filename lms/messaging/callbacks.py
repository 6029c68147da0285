"""What the gateway tells the portal: delivery reports (``/sms/delivery``) and incoming messages (``/sms/incoming``).

Neither is a page: the gateway calls them, with no session and no CSRF token. Both take a request only from the
gateway. When SMS_CALLBACK_ADDRESSES is set, it must come from one of those addresses or networks (the caller's
own address, read behind TRUSTED_PROXIES as everywhere in the app). And it must prove it knows
SMS_CALLBACK_SECRET: a report's URL carries the message's id and an HMAC of it made with the secret
(lms/messaging/delivery.py ``report_url``, given to the gateway with each message); an incoming message's URL
carries the secret itself (``secret=`` in Kannel's ``get-url``). Anything else gets 403 and one log line that
names neither the number nor the address. Without a gateway configured, both answer 404.

A flood costs little: a refusal is decided before the database is read, a body over MAX_CALLBACK_BYTES is refused
unread, a report is one conditional UPDATE, an incoming text is cut to MAX_INCOMING_CHARS, and the automatic
answers are bounded per number (SMS_ANSWERS_PER_DAY, lms/messaging/keywords.py).
"""
from __future__ import annotations

import hmac
import ipaddress
import logging

from flask import Blueprint, abort, current_app, request

from lms import signals
from lms.core.identifiers import read_phone
from lms.extensions import csrf, db
from lms.messaging import keywords
from lms.messaging.channels import sms_enabled
from lms.messaging.delivery import apply_report, signature
from lms.messaging.gateways import gateway
from lms.permissions import public

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__, url_prefix="/sms")

#: No report or incoming message needs more; a larger body is refused before it is read.
MAX_CALLBACK_BYTES = 16 * 1024
#: The longest incoming text passed on (ten SMS of 160 characters): enough for any keyword or code.
MAX_INCOMING_CHARS = 1600
#: What a number may be written with besides its digits.


def same(given: str | None, expected: str) -> bool:
    return hmac.compare_digest((given or "").encode(), expected.encode())


def refuse(what: str, why: str):
    log.warning("SMS %s refused: %s", what, why)
    abort(403)


def admit(what: str) -> None:
    """404 without a gateway; 403 without SMS_CALLBACK_SECRET, or from an address not in SMS_CALLBACK_ADDRESSES;
    the body capped."""
    if not sms_enabled():
        abort(404)
    if not current_app.config["SMS_CALLBACK_SECRET"]:
        refuse(what, "SMS_CALLBACK_SECRET is not set")
    allowed = current_app.config["SMS_CALLBACK_ADDRESSES"]
    if allowed and not address_allowed(request.remote_addr, allowed):
        refuse(what, "address not in SMS_CALLBACK_ADDRESSES")
    request.max_content_length = MAX_CALLBACK_BYTES  # a body without a length stops there when read
    if (request.content_length or 0) > MAX_CALLBACK_BYTES:
        abort(413)


def address_allowed(address: str | None, allowed: str) -> bool:
    """Whether ``address`` is one of ``allowed`` ("192.0.2.7, 10.1.0.0/16")."""
    try:
        caller = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    for entry in allowed.split(","):
        try:
            if entry.strip() and caller in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def receive(sender: str, text: str) -> None:
    """An incoming message, passed on as ``signals.sms_received`` (STOP, START and HELP, a code sent back); one that
    no receiver took is answered as unread (lms/messaging/keywords.py), so that nothing a member sends is dropped
    silently."""
    number = read_phone(sender)  # None for a short code or a name, which no account has
    if not number:
        return
    taken = signals.sms_received.send(number, text=text[:MAX_INCOMING_CHARS])
    if not any(result for _receiver, result in taken):
        keywords.unread(number)


@bp.route("/delivery", methods=["GET", "POST"])
@public
@csrf.exempt
def delivery():
    """A delivery report about one message, at the URL the gateway was given with it."""
    admit("delivery report")
    message_id = request.args.get("id", type=int)
    if message_id is None or not same(request.args.get("sig"), signature(message_id)):
        refuse("delivery report", "missing or wrong signature")
    apply_report(message_id, gateway().read_report(request))
    db.session.commit()
    return "", 204


@bp.route("/incoming", methods=["GET", "POST"])
@public
@csrf.exempt
def incoming():
    """A message a member sent to the portal's number."""
    admit("incoming message")
    if not same(request.args.get("secret"), current_app.config["SMS_CALLBACK_SECRET"]):
        refuse("incoming message", "missing or wrong secret")
    message = gateway().read_incoming(request)
    if message:
        receive(*message)
        db.session.commit()
    return "", 204
