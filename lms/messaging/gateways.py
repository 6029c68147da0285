"""Handing an SMS to the gateway, and reading what the gateway tells the portal back: one small interface
(``Gateway``), one class per kind of gateway, chosen by SMS_GATEWAY.

- ``kannel``: Kannel's smsbox ``sendsms`` HTTP interface. The text goes as UTF-8 (``charset=UTF-8``), with
  ``coding=2`` when it needs UCS-2 (lms/messaging/segments.py); ``dlr-url`` is the portal's signed report URL
  with Kannel's ``%d`` (the report's type) and ``%A`` (the operator's answer) added. smsbox answers 202 when it
  took the message ("0: Accepted for delivery", "3: Queued for later delivery"), 503 when it cannot now, and 4xx
  when it never will ("Not routable", a number refused); "Authorization failed" is the portal's settings, not
  the message: it is tried again. Incoming messages come from an ``sms-service`` whose ``get-url`` names them.
- ``http``: a provider's HTTP API of the shape docs/deploy.md describes: a JSON POST of the number, the text,
  our reference and the report URL, with ``Authorization: Bearer SMS_PASSWORD``; 2xx means taken (its body,
  the provider's own id, is not needed: reports come to the report URL, which names our message). Reports and
  incoming messages are JSON POSTs to the portal.

Every hand-over ends in a ``Handover``: "accepted"; "temporary" when no connection could be made (the gateway is
down: nothing reached it) or it said "not now", and the message is tried again (lms/messaging/delivery.py); or
"failed" when it refused the message for good, or stopped answering once it had the request (a timeout, a cut
connection): it may have taken the message, and sending it again could make the member receive it twice.
"""
from __future__ import annotations

import json
import logging
import ssl
from abc import ABC, abstractmethod
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import Request, current_app

from lms.models import TextMessage

log = logging.getLogger(__name__)

#: Seconds to wait for the gateway: a member waiting for a code is better served by a retry a minute later.
TIMEOUT = 5
#: Kannel's report types (``%d``) that end a message; the others (4 buffered, 8 taken by the operator) do not.
KANNEL_REPORTS = {1: "delivered", 2: "failed", 16: "failed"}
#: The reports the portal asks Kannel for: delivered (1), not delivered (2), refused by the operator (16).
KANNEL_DLR_MASK = 1 | 2 | 16


@dataclass(frozen=True)
class Handover:
    """What became of a message handed over: ``outcome`` is "accepted", "temporary" (try again later) or "failed"
    (never again); ``reason``: the gateway's words, for the row (never the text or the number)."""

    outcome: str
    reason: str = ""


@dataclass(frozen=True)
class Report:
    """A delivery report: ``status`` "delivered" or "failed", or "" for news that changes nothing."""

    status: str
    reason: str = ""


class Unreachable(OSError):
    """No connection to the gateway could be made: nothing reached it."""


def call(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """The status and start of the gateway's answer to a GET (or a POST of ``body``). Unreachable if no connection
    could be made; any other OSError or HTTPException once the request may have reached the gateway."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Unreachable("SMS_SEND_URL is not an http(s) URL")
    if parts.scheme == "https":
        connection: HTTPConnection = HTTPSConnection(parts.hostname, parts.port, timeout=TIMEOUT,
                                                     context=ssl.create_default_context())
    else:
        connection = HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        try:
            connection.connect()
        except OSError as error:
            raise Unreachable(type(error).__name__) from error
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET" if body is None else "POST", target, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read(2000).decode("utf-8", "replace")
    finally:
        connection.close()


def short(text: str) -> str:
    """The start of what the gateway said, on one line: with our prefix, it fits ``text_messages.reason``."""
    return " ".join(text.split())[:150]


class Gateway(ABC):
    """One kind of gateway: how a message is handed over and how its answer is judged, how reports and incoming
    messages read."""

    def send(self, message: TextMessage, report_url: str) -> Handover:
        try:
            status, body = call(*self.request(message, report_url))
        except Unreachable as error:
            return Handover("temporary", f"gateway unreachable: {error}")
        except (OSError, HTTPException) as error:
            return Handover("failed", f"no answer once the gateway had it ({type(error).__name__}): not sent again")
        return self.judge(status, short(body))

    @abstractmethod
    def request(self, message: TextMessage, report_url: str) -> tuple[str, bytes | None, dict[str, str]]:
        """The URL, body (None: a GET) and headers that hand ``message`` over."""

    @abstractmethod
    def judge(self, status: int, body: str) -> Handover:
        """What the gateway's answer means."""

    @abstractmethod
    def read_report(self, request: Request) -> Report:
        """A delivery report, already checked as the gateway's (lms/messaging/callbacks.py)."""

    @abstractmethod
    def read_incoming(self, request: Request) -> tuple[str, str] | None:
        """The sender as the gateway wrote it and the text, or None if the request carries no message."""


class Kannel(Gateway):
    """Kannel's smsbox: ``sendsms`` out, ``dlr-url`` and an ``sms-service``'s ``get-url`` back."""

    def request(self, message: TextMessage, report_url: str) -> tuple[str, bytes | None, dict[str, str]]:
        config = current_app.config
        query = {"username": config["SMS_USERNAME"], "password": config["SMS_PASSWORD"], "to": message.phone,
                 "text": message.text, "charset": "UTF-8", "coding": 2 if message.encoding == "ucs2" else 0,
                 "dlr-mask": KANNEL_DLR_MASK, "dlr-url": f"{report_url}&status=%d&answer=%A"}
        if config["SMS_SENDER"]:
            query["from"] = config["SMS_SENDER"]
        return f"{config['SMS_SEND_URL']}?{urlencode(query)}", None, {}

    def judge(self, status: int, body: str) -> Handover:
        if status == 202:
            return Handover("accepted")
        if body.startswith("Authorization failed"):
            log.error("Kannel refused SMS_USERNAME and SMS_PASSWORD: messages wait until they are right")
            return Handover("temporary", f"Kannel {status}: {body}")
        return Handover("temporary" if status >= 500 else "failed", f"Kannel {status}: {body}")

    def read_report(self, request: Request) -> Report:
        kind = request.args.get("status", type=int)
        return Report(KANNEL_REPORTS.get(kind or 0, ""), short(request.args.get("answer", "")))

    def read_incoming(self, request: Request) -> tuple[str, str] | None:
        """``from=%p&text=%a&charset=%C``. With smsbox's ``mo-recode`` the text comes as UTF-8; without it, a UCS-2
        message comes as UTF-16BE bytes, read from the raw query string."""
        sender, charset = request.args.get("from"), request.args.get("charset", "UTF-8").upper()
        if not sender or "text" not in request.args:
            return None
        if charset in ("UTF-8", "US-ASCII", ""):
            return sender, request.args["text"]
        raw = parse_qs(request.query_string.decode("latin-1"), encoding="latin-1").get("text", [""])[0]
        try:
            return sender, raw.encode("latin-1").decode(charset)
        except (LookupError, UnicodeDecodeError):
            return None


class HttpProvider(Gateway):
    """A provider's JSON API (docs/deploy.md, "A provider's HTTP API")."""

    def request(self, message: TextMessage, report_url: str) -> tuple[str, bytes | None, dict[str, str]]:
        config = current_app.config
        payload = {"to": message.phone, "text": message.text, "reference": str(message.id), "report_url": report_url}
        if config["SMS_SENDER"]:
            payload["from"] = config["SMS_SENDER"]
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {config['SMS_PASSWORD']}"}
        return config["SMS_SEND_URL"], json.dumps(payload).encode(), headers

    def judge(self, status: int, body: str) -> Handover:
        if 200 <= status < 300:
            return Handover("accepted")
        temporary = status >= 500 or status in (401, 408, 429)  # 401: the portal's settings, not the message
        return Handover("temporary" if temporary else "failed", f"provider {status}: {body}")

    def read_report(self, request: Request) -> Report:
        body = json_body(request)
        status = body.get("status")
        return Report(status if status in ("delivered", "failed") else "", short(str(body.get("reason") or "")))

    def read_incoming(self, request: Request) -> tuple[str, str] | None:
        body = json_body(request)
        sender, text = body.get("from"), body.get("text")
        return (sender, text) if isinstance(sender, str) and isinstance(text, str) else None


def json_body(request: Request) -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


GATEWAYS: dict[str, type[Gateway]] = {"kannel": Kannel, "http": HttpProvider}


def gateway() -> Gateway:
    """The configured gateway (SMS_GATEWAY, checked when the app starts)."""
    return GATEWAYS[current_app.config["SMS_GATEWAY"]]()
