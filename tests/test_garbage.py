"""Garbage is collected between requests and jobs, never in the middle of one (lms/core/garbage.py): CPython 3.11's
collection inside an allocation corrupted memory, and web workers died of SIGSEGV while a trainer saved lessons."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.helpers import ROOT

#: An object whose ``__dict__`` is read while a collection is due, as SQLAlchemy reads an ``InstanceState``'s, and
#: whose weak reference's callback deletes attributes of it, as SQLAlchemy's does when the instance goes away. The
#: dictionary read must hold what the object holds. ``serve`` runs each round as the answer to a request.
FAULT = textwrap.dedent("""
    import gc, sys, weakref

    class State:
        def __init__(self):
            self.a, self.b, self.c, self.obj, self.d = 1, 2, 3, None, 4

        def cleanup(self, _ref):
            del self.a
            del self.obj

    class Instance:
        pass

    def round_trip():
        automatic = gc.isenabled()
        gc.disable()  # no collection before the read
        state = State()
        instance = Instance()
        instance.itself = instance  # a cycle: only a collection frees it
        state.obj = weakref.ref(instance, state.cleanup)
        del instance
        global kept
        kept = [{} for _ in range(200)]  # many dictionaries made, and the last round's freed, before the read
        if automatic:
            gc.enable()
        gc.set_threshold(1)
        values = state.__dict__
        gc.set_threshold(700)
        return len(values) == len(list(values)) == len(values.items())

    def serve(environ, start_response):
        start_response("200 OK", [])
        return [b"ok" if round_trip() else b"corrupt"]

    def make_garbage():  # more than a collection's worth of cycles
        for _ in range(1000):
            cycle = []
            cycle.append(cycle)

    def answer(app):  # as a WSGI server does: the body sent, then the answer closed
        body = app({}, lambda *_: None)
        try:
            return b"".join(body) == b"ok"
        finally:
            if hasattr(body, "close"):
                body.close()
""")


def run(script: str, **settings: str) -> subprocess.CompletedProcess:
    """``script`` after ``FAULT``, in a Python process of its own, with these environment variables too."""
    return subprocess.run([sys.executable, "-c", FAULT + textwrap.dedent(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONFAULTHANDLER": "1", **settings})


def run_with_app(script: str, database_url: str, instance) -> subprocess.CompletedProcess:
    """``script`` in a process that can load wsgi.py on the test database."""
    return run(script, DATABASE_URL=database_url, INSTANCE_PATH=str(instance),
               SECRET_KEY="garbage-test-secret-key-0123456789abcdef")


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="CPython 3.12 collects only between bytecodes")
def test_python_s_own_collection_corrupts_a_dictionary_read_while_it_is_due():
    """The fault itself, without the portal: on CPython 3.11 a collection started inside the ``__dict__`` read lets
    the callback change the object under it (the process dies, or the dictionary's count is wrong)."""
    done = run("""
        for _ in range(300):
            if not answer(serve):
                print("corrupt")
                sys.exit(0)
        print("intact")
    """)
    assert done.returncode != 0 or done.stdout.strip() == "corrupt", done.stdout + done.stderr


def test_a_process_that_serves_requests_collects_only_after_each_answer():
    done = run("""
        from lms.core.garbage import CollectBetweenRequests

        app = CollectBetweenRequests(serve)
        assert all(answer(app) for _ in range(300)), "corrupt"
        assert not gc.isenabled()
        make_garbage()
        assert gc.get_count()[0] > gc.get_threshold()[0]
        assert answer(app)
        assert gc.get_count()[0] < 50, gc.get_count()  # collected once the answer had gone
        print("intact")
    """)
    assert done.returncode == 0 and done.stdout.strip() == "intact", done.stdout + done.stderr


def test_the_app_that_servers_and_commands_load_takes_collection_over(app, database_url, tmp_path):
    """wsgi.py (gunicorn's entry point, and ``flask --app wsgi``'s) turns automatic collection off as it loads."""
    done = run_with_app("""
        before = gc.isenabled()
        from wsgi import app
        loaded = gc.isenabled()
        status = app.test_client().get("/healthz").status_code
        print(before, loaded, status, gc.isenabled())
    """, database_url, tmp_path)
    assert done.stdout.split() == ["True", "False", "200", "False"], done.stdout + done.stderr


def test_a_file_the_server_sends_itself_stays_its_own_and_is_collected_after():
    """A file response stays the server's file wrapper (sent with sendfile), and the garbage of its request is
    collected when the server closes it."""
    done = run("""
        import io
        from werkzeug.wsgi import FileWrapper
        from lms.core.garbage import CollectBetweenRequests, take_over

        closed = []

        class File(io.BytesIO):
            def close(self):
                closed.append(True)
                super().close()

        def send(environ, start_response):
            make_garbage()
            start_response("200 OK", [])
            return environ["wsgi.file_wrapper"](File(b"static"))

        take_over()
        body = CollectBetweenRequests(send)({"wsgi.file_wrapper": FileWrapper}, lambda *_: None)
        assert isinstance(body, FileWrapper), body
        assert b"".join(body) == b"static"
        assert gc.get_count()[0] > gc.get_threshold()[0]
        body.close()
        assert closed and gc.get_count()[0] < 50, gc.get_count()
        print("intact")
    """)
    assert done.returncode == 0 and done.stdout.strip() == "intact", done.stdout + done.stderr


def test_the_scheduler_collects_after_each_job(app, database_url, tmp_path):
    done = run_with_app("""
        from wsgi import app
        from lms.core import garbage
        from lms.jobs import run_job

        garbage.take_over()
        make_garbage()
        before = gc.get_count()[0]
        run_job(app, "send-sms")
        print(before > gc.get_threshold()[0], gc.get_count()[0] < 50)
    """, database_url, tmp_path)
    assert done.stdout.split() == ["True", "True"], done.stdout + done.stderr


def test_a_long_request_collects_after_each_sql_statement(app, database_url, tmp_path):
    """A report or an import does not keep its garbage to the end of the request: the process that took collection
    over collects, when due, after each statement too."""
    done = run_with_app("""
        from sqlalchemy import text
        from wsgi import app
        from lms.core import garbage
        from lms.extensions import db

        with app.app_context():
            db.session.execute(text("SELECT 1"))  # the engine exists before collection is taken over
            garbage.take_over()
            make_garbage()
            before = gc.get_count()[0]
            db.session.execute(text("SELECT 1"))
            print(before > gc.get_threshold()[0], gc.get_count()[0] < 50)
    """, database_url, tmp_path)
    assert done.stdout.split() == ["True", "True"], done.stdout + done.stderr


def test_the_oldest_generation_waits_for_the_answer_unless_the_work_is_long(app, database_url, tmp_path):
    """A full collection (tens of milliseconds in a worker that has read reports) is not run after a statement in the
    middle of a page, but after its answer; a long import still has it, once far past its threshold."""
    done = run_with_app("""
        from sqlalchemy import text
        from wsgi import app
        from lms.core import garbage
        from lms.extensions import db

        def full_collections():
            return gc.get_stats()[2]["collections"]

        with app.app_context():
            db.session.execute(text("SELECT 1"))
            garbage.take_over()
            threshold = gc.get_threshold()[2]
            while gc.get_count()[2] <= threshold:  # the oldest generation due
                gc.collect(1)
            before = full_collections()
            db.session.execute(text("SELECT 1"))
            waited = full_collections() == before
            garbage.collect_if_due()  # between two requests
            collected = full_collections() == before + 1
            while gc.get_count()[2] <= threshold * garbage.LONG_WORK:  # a long import
                gc.collect(1)
            db.session.execute(text("SELECT 1"))
            print(waited, collected, full_collections() == before + 2)
    """, database_url, tmp_path)
    assert done.stdout.split() == ["True", "True", "True"], done.stdout + done.stderr
