"""What a page does after its answer runs on a thread of its own, so the connection closes when the answer ends,
whatever the work (an outside tester told members' numbers from others by when the connection closed)."""
from __future__ import annotations

import threading

from werkzeug.wrappers import Response

from lms.auth import sms_codes
from lms.core import after_response
from tests.auth.sms_helpers import NUMBER, ask_sign_in_code, confirmed_member


def test_work_after_an_answer_runs_off_the_thread_that_closes_it():
    ran = []
    response = after_response.later(Response("ok"), lambda: ran.append(threading.current_thread().name))
    response.close()
    assert after_response.settle() and ran == ["after-response"]


def test_a_failing_piece_of_work_does_not_stop_the_next(caplog):
    ran = []
    after_response.submit(lambda: 1 / 0)
    after_response.submit(lambda: ran.append("next"))
    assert after_response.settle() and ran == ["next"]
    assert "work after a response failed" in caplog.text


def test_a_code_asked_for_is_sent_from_the_after_response_thread(app, sms_enabled, create_user, monkeypatch):
    confirmed_member(create_user, "amina")
    threads = []
    deliver = sms_codes.deliver

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return deliver(*args, **kwargs)
    monkeypatch.setattr(sms_codes, "deliver", recorded)
    ask_sign_in_code(app.test_client(), NUMBER)
    assert threads == ["after-response"]
