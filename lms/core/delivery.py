"""How responses travel: fingerprinted static files cached for a year, compressed text, conditional GETs.

A static URL carries the first characters of its file's SHA-256 (``/static/site.css?v=3f2a…``), so a
browser may keep it for a year: a changed file has a new URL. Text responses (HTML, CSS, JS, JSON,
SVG, XML, CSV) are gzip-compressed for clients that accept it; nginx may do the same in front, and
then sees them already compressed.

Public pages (lessons, courses, the catalogue) read by a visitor carry an ETag and ``Cache-Control:
private, no-cache``: the browser keeps its copy and asks each time whether it is still good; an
unchanged page (a lesson read again) costs a 304 of a few hundred bytes instead of the page. The ETag
is the hash of the page with its CSRF tokens left out (they are signed with the time, so they change
every second), plus the session's own token and the half-day: a kept page's form still works when it
is shown again.

A page drawn for a signed-in reader is never kept (``no-store``), whether only signed-in people may
see it or it is a public page with her progress and waiting surveys in it: a ``no-cache`` copy stays
in the phone's browser cache after she signs out, and a browser may show it on Back without asking
(Chromium asked again in our tests; not every browser on a shared phone is Chromium).
"""
from __future__ import annotations

import gzip
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, current_app, request, session

from lms import clock

YEAR = 365 * 24 * 3600
#: Below this, gzip's header costs more than it saves.
MIN_COMPRESS = 512
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/xml", "image/svg+xml",
                "application/manifest+json")


@lru_cache(maxsize=256)
def fingerprint(path: str, mtime_ns: int) -> str:
    """The start of a file's SHA-256 (the modification time keys the cache, so an edited file is re-read)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_version(app: Flask, filename: str) -> str | None:
    path = Path(app.static_folder or "") / filename
    try:
        return fingerprint(str(path), path.stat().st_mtime_ns)
    except OSError:
        return None


def add_static_version(endpoint: str, values: dict) -> None:
    """``url_for('static', filename=...)`` gains ``v=<fingerprint>``."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = static_version(current_app, values["filename"])
        if version:
            values["v"] = version


def cache_static(response: Response) -> Response:
    """A year, immutable, for a fingerprinted URL that matches the file; otherwise revalidate each time."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename", "")
    if request.args.get("v") and request.args.get("v") == static_version(current_app, filename):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response


def compress(response: Response) -> Response:
    """gzip a text response for a client that accepts it (and say so in ``Vary``)."""
    mimetype = response.mimetype or ""
    if not mimetype.startswith(COMPRESSIBLE) or not (response.status_code == 200 or response.status_code >= 400):
        return response
    response.vary.add("Accept-Encoding")
    if "gzip" not in request.accept_encodings or "Content-Encoding" in response.headers:
        return response
    if response.is_streamed and not response.direct_passthrough:
        return response
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_COMPRESS:
        return response
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    if response.headers.get("ETag"):  # the compressed body is another representation
        etag, weak = response.get_etag()
        response.set_etag(f"{etag}-gzip", weak=weak)
    return response


CSRF_INPUT = re.compile(rb'<input[^>]*name="(?:[\w-]+-)?csrf_token"[^>]*>')


def page_etag(body: bytes) -> str:
    """The hash of the page without its CSRF tokens, the session's token and the current half of the
    CSRF time limit (so that a page answered with 304 never carries an expired token)."""
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT") or 24 * 3600
    digest = hashlib.sha256(CSRF_INPUT.sub(b"", body))
    digest.update(str(session.get("csrf_token", "")).encode())
    digest.update(str(int(clock.timestamp() // (limit / 2))).encode())
    return digest.hexdigest()[:32]


def for_signed_in_only(endpoint: str | None) -> bool:
    """Pages only signed-in people may see show their own or other people's data."""
    view = current_app.view_functions.get(endpoint or "")
    return view is not None and getattr(view, "access", "public") != "public"


def signed_in_reader() -> bool:
    """The session names an account (lms/auth/sessions.py checked it before the view ran)."""
    return session.get("_user_id") is not None


def conditional_page(response: Response) -> Response:
    """An ETag on every public page a visitor reads, and 304 Not Modified when the browser's copy is still the page.

    A page for signed-in people only (progress, answers, reports, other people's data), and any page drawn for a
    signed-in reader, is not kept at all (``no-store``): a shared phone's next user must not find it in the
    browser's cache.
    """
    if request.method not in ("GET", "HEAD") or response.direct_passthrough or response.is_streamed:
        return response
    if for_signed_in_only(request.endpoint) or signed_in_reader():
        response.cache_control.no_store = True
        return response
    if response.status_code != 200 or response.mimetype != "text/html":
        return response
    response.cache_control.private = True
    response.cache_control.no_cache = True
    etag = page_etag(response.get_data())
    response.set_etag(etag)
    if request.if_none_match.contains(etag) or request.if_none_match.contains(f"{etag}-gzip"):
        response.status_code = 304
        response.set_data(b"")
        del response.headers["Content-Length"]
    return response


def register(app: Flask) -> None:
    app.url_defaults(add_static_version)
    app.after_request(cache_static)
    # after_request functions run last-registered first: pages get their ETag, then are compressed.
    app.after_request(compress)
    app.after_request(conditional_page)
