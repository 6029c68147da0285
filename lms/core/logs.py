"""Logs: plain text lines (the default), or one JSON object a line on stderr (``LOG_FORMAT=json``),
which journald keeps and ``jq`` reads.

Every request has an id: nginx's ``X-Request-ID`` when it sends one, otherwise a new one; it goes back
in the response's ``X-Request-ID`` header and into every log line written while the request runs. Each
request also writes one access line (method, path, status, duration, request id), as text or JSON:
it is the only access log (gunicorn's and nginx's are off, see docs/deploy/).

No personal data goes into a log (union membership is special-category data under the GDPR): no IP
address, no username, no user id, no query string (it may hold tokens). In a path, the values that
point at a person or open something (user and invitation ids, join and certificate codes, the token of a
reminder's short link) are written as their name, e.g. ``/surveys/invitations/<invitation_id>/answer``, and a
path no route takes keeps only its first segment (``/join/<unmatched>``): the log must not say when a
member answered a survey, which the anonymous mode promises nobody will know. Flask's own line for an
unhandled exception names the same masked path. (The development server, ``flask run``, writes its
own access lines with the full path: it is for development only.)
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from functools import partial

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

access_log = logging.getLogger("lms.access")

#: An id from nginx (``$request_id``: 32 hex digits) is kept if it looks like one; anything else is replaced.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
#: URL variables whose values are not written into a log.
PRIVATE_URL_VALUES = frozenset({"user_id", "invitation_id", "code", "session_id", "attempt_id", "token", "draft_id"})
URL_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time (UTC), level, logger, message, then the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to a record written while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (so that pytest's capture sees it too)."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdFilter())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class TextAccessHandler(StderrHandler):
    """The access line as plain text on stderr (``LOG_FORMAT=text``)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s [%(request_id)s]"))


def register(app: Flask) -> None:
    """Request ids and an access line per request, always; with ``LOG_FORMAT=json``, JSON lines on stderr.

    Register before the other ``after_request`` functions: they run last-registered first, so the access
    line is written last, with the status actually sent.
    """
    app.before_request(start_request)
    app.after_request(finish_request)
    app.log_exception = partial(log_exception, app)  # type: ignore[method-assign]
    text_handlers = [h for h in access_log.handlers if isinstance(h, TextAccessHandler)]
    if app.config["LOG_FORMAT"] != "json":
        # Its own handler, so that the line is written whatever the root logger's level and handlers are.
        if not text_handlers:
            access_log.addHandler(TextAccessHandler())
        access_log.setLevel(logging.INFO)
        access_log.propagate = False
        return
    for handler in text_handlers:
        access_log.removeHandler(handler)
    access_log.setLevel(logging.NOTSET)
    access_log.propagate = True
    root = logging.getLogger()
    # gunicorn.conf.py may have put one there already (for gunicorn's own lines): one is enough.
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"].upper())
    app.logger.removeHandler(default_handler)
    # The development server's own access lines carry the address and the query string; ours replace them.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Flask-Migrate loads Alembic in every process, which announces each of its plugins.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def start_request() -> None:
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    path = loggable_path()
    access_log.info("%s %s %s %s ms", request.method, path, response.status_code, duration, extra={
        "request_id": request_id,
        "fields": {"method": request.method, "path": path, "status": response.status_code,
                   "duration_ms": duration}})
    return response


def log_exception(app: Flask, exc_info) -> None:
    """Flask's line for an unhandled exception, with the masked path (``Flask.log_exception`` writes the real one)."""
    app.logger.error("Exception on %s [%s]", loggable_path(), request.method, exc_info=exc_info)


def loggable_path() -> str:
    """The request's path without its query string, private URL values written as ``<name>``."""
    rule, values = request.url_rule, request.view_args or {}
    if rule is None:
        return unmatched_path()
    if not PRIVATE_URL_VALUES & values.keys():
        return request.path
    prefix = request.script_root or ""

    def value(match: re.Match) -> str:
        name = match.group(1)
        return f"<{name}>" if name in PRIVATE_URL_VALUES else str(values.get(name, match.group(0)))

    return prefix + URL_VARIABLE.sub(value, rule.rule)


def unmatched_path() -> str:
    """A path no route took (a 404, a 405, a missing slash): its first segment only, since the rest may be a
    code or an id (``/join/<unmatched>`` for ``/join/K7Q2ZP/``)."""
    first, _, rest = request.path.lstrip("/").partition("/")
    return f"{request.script_root or ''}/{first}" + ("/<unmatched>" if rest else "")
