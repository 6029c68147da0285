"""Work a page does once its answer has gone (a code handed to the SMS gateway, a recovery e-mail, a group's
e-mails), on a thread of its own.

The work runs after the answer, so that it costs the visitor no time; and off the request's own thread, so that the
connection closes as soon as the answer ends. Run in ``response.call_on_close`` itself, it would hold the
connection open for as long as the work lasts, and the work happens only when the identifier typed names an
account that may have a code or a link: the moment the connection closed would tell anyone whether a phone number
or a username is a member's (an outside tester measured 13 ms against 28 to 120 ms).

One thread per process takes the work in turn. What a process that stops leaves undone is waited for a few seconds
at exit; an SMS it queued and did not hand over goes with the delivery job's next run (lms/messaging/delivery.py).
"""
from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

_work: queue.Queue[Callable[[], object]] = queue.Queue()
_worker: threading.Thread | None = None
_lock = threading.Lock()
#: How long a process that exits waits for work still to do.
EXIT_WAIT_SECONDS = 10
#: How long each piece of work waits before it starts: the request's thread then closes the connection without
#: sharing the interpreter with it (a tester saw the close come a few milliseconds later, now and then, for members).
START_DELAY_SECONDS = 0.05


def later(response, work: Callable[[], object]):
    """Run ``work`` once ``response`` has gone, on the after-response thread; the response."""
    response.call_on_close(lambda: submit(work))
    return response


def submit(work: Callable[[], object]) -> None:
    _start()
    _work.put(work)


def _start() -> None:
    global _worker
    with _lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="after-response", daemon=True)
            _worker.start()


def _run() -> None:
    while True:
        work = _work.get()
        try:
            time.sleep(START_DELAY_SECONDS)
            work()
        except Exception:  # one failure must not stop the work after it; its own code logs what it may
            log.exception("work after a response failed")
        finally:
            _work.task_done()


def settle(timeout: float = 10) -> bool:
    """Wait until no work is left (at exit, and in tests before they look at what a page did); whether none is."""
    deadline = time.monotonic() + timeout
    with _work.all_tasks_done:
        while _work.unfinished_tasks:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _work.all_tasks_done.wait(remaining)
    return True


atexit.register(settle, EXIT_WAIT_SECONDS)
