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

So every process that runs the app through wsgi.py (gunicorn's workers, ``flask --app wsgi`` commands, the scheduler)
turns automatic collection off as it loads, and collects as CPython would have (the oldest generation past its
threshold) at points of its own: after each response has gone, after each SQL statement (so that a long request, job
or import does not keep its garbage to its end) and after each scheduler job. After a statement, the oldest
generation is collected only once it is ``LONG_WORK`` times past its threshold (a long import): a full collection
takes tens of milliseconds in a worker that has read reports, which a page would wait for, so it waits for the
response to have gone. A collection called from Python code is as safe as 3.12's, which runs between bytecodes.
Objects the process made before it took collection over (the app, its modules) are frozen out of every later
collection (``gc.freeze``), so that full collections, which this scheme runs every hundred young ones where the
interpreter's own would have spaced them out, stay short; one of them that became garbage later would stay until the
process ends (gunicorn replaces each worker after ``max_requests``). Work that makes garbage without any SQL keeps it
until it ends: the largest is reading an uploaded file, at most ``MAX_CONTENT_LENGTH``.
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterable

from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.wsgi import ClosingIterator

_taken_over = False
#: After a SQL statement, the oldest generation is collected only this many times past its threshold.
LONG_WORK = 10


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


def collect_if_due(within_work: bool = False) -> int:
    """Collect the oldest generation whose count is over its threshold, if this process took collection over; the
    number of objects found unreachable. ``within_work``: in the middle of a request or job, where the oldest
    generation waits until it is ``LONG_WORK`` times past its threshold."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if gc.isenabled() or not thresholds[0]:  # Python collects itself, or nothing is to be collected
        return 0
    if counts[2] > thresholds[2] * (LONG_WORK if within_work else 1):
        return gc.collect(2)
    for generation in (1, 0):
        if counts[generation] > thresholds[generation]:
            return gc.collect(generation)
    return 0


def _after_statement(*_args) -> None:
    collect_if_due(within_work=True)


class CollectBetweenRequests:
    """WSGI middleware: garbage collected after each response has gone, never while a request is answered (besides
    after its SQL statements)."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        take_over()  # again: a library may have turned automatic collection on
        answer = self.app(environ, start_response)
        file_wrapper = environ.get("wsgi.file_wrapper")
        if file_wrapper is not None and isinstance(answer, file_wrapper):
            return _collect_on_close(answer)
        return ClosingIterator(answer, collect_if_due)


def _collect_on_close(answer):
    """A file the server sends itself (it must stay its own file wrapper), collecting when the server closes it."""
    close = getattr(answer, "close", None)

    def closed() -> None:
        try:
            if close is not None:
                close()
        finally:
            collect_if_due()
    try:
        answer.close = closed
    except AttributeError:  # a wrapper that takes no attribute: collect now, before the file goes
        collect_if_due()
    return answer
