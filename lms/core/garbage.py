"""Cyclic garbage collected between requests and between jobs, never in the middle of one.

CPython 3.11 collects cyclic garbage whenever an allocation takes the count of new objects over its threshold, even
inside the interpreter's own C code. One such allocation is the dictionary it builds when a program first reads an
object's ``__dict__``: it counts the object's attributes, allocates the dictionary, then fills it. If that allocation
starts a collection, and the collection calls a weak reference's callback that deletes attributes of the very same
object, the dictionary is filled with a count that is no longer true, and memory is corrupted. SQLAlchemy does both
to its ``InstanceState`` objects (it reads their ``__dict__`` when it expires them after a commit, and for memoised
values; the callback it registers for an instance that goes away deletes one of the state's attributes), so a web
worker answering members while a trainer saved lessons died of SIGSEGV every minute or two (docs/reach.md). CPython
3.12 collects only between bytecodes (python/cpython gh-97922) and corrupts nothing; tests/test_garbage.py shows
the 3.11 fault in a few lines.

So a process that serves requests (wsgi.py) or runs the scheduler (lms/jobs) turns automatic collection off and
collects as CPython would have (the oldest generation past its threshold) at points of its own: after each response
has gone, after each job, and after each SQL statement (so that a long request or job, a report or an import, does
not keep its garbage to the end). A collection called from Python code is as safe as 3.12's, which runs between
bytecodes. Objects the process made before it took collection over (the app, its modules) are frozen out of every
later collection, so that full collections, which the interpreter's own scheme would have spaced out, stay short.
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterable

from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.wsgi import ClosingIterator

_taken_over = False


def take_over() -> None:
    """From now on this process collects only when ``collect_if_due`` is called. Called again, it only turns
    automatic collection off again, if a library turned it on."""
    global _taken_over
    if not gc.isenabled():
        return
    gc.disable()
    if not _taken_over:
        _taken_over = True
        gc.collect()  # what is garbage already is collected now, not frozen with the rest
        gc.freeze()
        event.listen(Engine, "after_cursor_execute", _after_statement)


def collect_if_due() -> int:
    """Collect the oldest generation whose count is over its threshold, if this process took collection over; the
    number of objects found unreachable."""
    if gc.isenabled():
        return 0
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[0] and counts[generation] > thresholds[generation]:
            return gc.collect(generation)
    return 0


def _after_statement(*_args) -> None:
    collect_if_due()


class CollectBetweenRequests:
    """WSGI middleware: the process collects garbage after each response has gone (at the first request, it takes
    collection over), never while a request is being answered."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        take_over()
        answer = self.app(environ, start_response)
        file_wrapper = environ.get("wsgi.file_wrapper")
        if file_wrapper is not None and isinstance(answer, file_wrapper):
            return answer  # the server sends the file itself; the next request collects
        return ClosingIterator(answer, collect_if_due)
