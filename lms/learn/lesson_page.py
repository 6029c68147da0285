"""The lesson page, drawn once per lesson, language and kind of reader and kept, each reader's own parts filled in.

Every member who reads a lesson in one language sees the same page but for a few parts: the CSRF token (the
sign-out and "done" forms), the offline owner's token (the ``offline-owner`` meta element) and the steps done
(the progress bar). The page is drawn once with a marker in place of each (an HTML comment holding a random token
of this process: lesson content, cleaned of comments when it is saved, cannot hold one), kept with the course's
copy (``reading.kept_page``: gone when the content changes), and each request fills the markers in. Whether the
reader has done this lesson, signed in or not, and their role are part of the page's key. A page with a message
flashed for its reader, or with a query string (the language links carry it), is drawn whole.
tests/learn/test_lesson_page.py compares kept pages with pages drawn whole.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from flask import render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from lms.core.templating import format_number
from lms.i18n import current_language
from lms.learn import reading
from lms.learn.services import CourseProgress
from lms.models import Course

#: Drawn anew in each process, so no text from outside can hold a marker.
_TOKEN = secrets.token_hex(16)
_MARKER = re.compile(f"<!--{_TOKEN}:([a-z-]+)-->")


def marker(name: str) -> Markup:
    return Markup(f"<!--{_TOKEN}:{name}-->")  # a fixed comment, no outside text  # nosec B704


class MarkedProgress:
    """A member's progress as the kept page is drawn: the steps of the course and whether each is done are the
    same for every reader of the page; how many are done is a marker."""

    def __init__(self, state: CourseProgress):
        self.total, self.is_done = state.total, state.is_done
        self.done, self.percent = marker("done"), marker("percent")


def marked_number(number) -> str:
    """``format_number`` as the kept page is drawn: the steps done (a marker) as another marker."""
    return marker("done-shown") if number == marker("done") else format_number(number)


def keeps() -> bool:
    """Whether this request's lesson page may come from a kept one: no message flashed, no query string."""
    return not request.query_string and not session.get("_flashes")


def lesson_page(course: Course, context: dict, offline_owner: Callable[[], str | None]) -> str:
    """The lesson page of ``context`` (what ``learn/lesson.html`` takes) for this request; ``offline_owner``: what
    gives the reader's owner token (and notes it for the response's header)."""
    if not keeps():
        return render_template("learn/lesson.html", **context)
    signed_in, state, step = current_user.is_authenticated, context["state"], context["step"]
    key = ("lesson", course.slug, step.lesson.slug, current_language(), signed_in,
           current_user.role if signed_in else None, state.is_done(step), request.path, request.script_root)
    page = reading.kept_page(course, key, lambda: render_template(
        "learn/lesson.html", **{**context, "state": MarkedProgress(state)}, format_number=marked_number,
        csrf_token=lambda: marker("csrf"), offline_owner=lambda: marker("owner") if signed_in else None))
    fill = {"csrf": lambda: escape(generate_csrf()), "owner": lambda: escape(offline_owner()),
            "done": lambda: str(state.done), "done-shown": lambda: escape(format_number(state.done)),
            "percent": lambda: str(state.percent)}
    return _MARKER.sub(lambda found: fill[found.group(1)](), page)
