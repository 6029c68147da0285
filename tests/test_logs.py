"""LOG_FORMAT=json: one JSON object a line on stderr, an access line per request, a request id, and no
personal data in any line."""
from __future__ import annotations

import json
import logging
import re
import sys

import pytest
from gunicorn.config import Config

from lms import create_app
from lms.core.gunicorn_logging import MaskedLogger
from tests.helpers import ROOT, json_lines, sign_in


def test_a_request_writes_one_json_access_line_without_personal_data(json_app, create_user, capsys):
    member = create_user(username="ana.quispe", display_name="Ana Quispe", email="ana@example.org")
    client = json_app.test_client()
    sign_in(client, "ana.quispe")
    capsys.readouterr()
    response = client.get("/surveys/invitations/4321?token=s3cret-token",
                          headers={"X-Request-ID": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                                   "X-Forwarded-For": "203.0.113.9", "User-Agent": "Nokia 105"})
    assert response.headers["X-Request-ID"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    lines = json_lines(capsys)
    access = [line for line in lines if line["logger"] == "lms.access"]
    assert len(access) == 1, lines
    line = access[0]
    assert set(line) == {"time", "level", "logger", "message", "request_id", "method", "path", "status",
                         "duration_ms"}
    assert line["time"].endswith("+00:00") and "T" in line["time"]
    assert (line["level"], line["method"], line["status"]) == ("INFO", "GET", response.status_code)
    assert line["request_id"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    # The invitation's id would tell when this member answered: the path names the variable instead.
    assert line["path"] == "/surveys/invitations/<invitation_id>"
    written = json.dumps(lines)
    for personal in ("ana.quispe", "Ana Quispe", "ana@example.org", "203.0.113.9", "127.0.0.1", "s3cret",
                     "4321", "Nokia"):
        assert personal not in written
    assert not any({"user", "user_id", "username", "ip", "remote_addr"} & line.keys() for line in lines)
    assert member.id  # signed in: the line was written for a known member, and still does not name them


def test_a_request_without_a_good_id_gets_a_new_one(json_app, capsys):
    client = json_app.test_client()
    plain = client.get("/healthz")
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" injected "level": "ERROR'})
    for response in (plain, forged):
        assert len(response.headers["X-Request-ID"]) == 32
    ids = [line["request_id"] for line in json_lines(capsys) if line["logger"] == "lms.access"]
    assert ids == [plain.headers["X-Request-ID"], forged.headers["X-Request-ID"]]


def test_a_line_written_during_a_request_carries_its_id(json_app, capsys):
    with json_app.test_request_context("/", headers={"X-Request-ID": "abcdef0123456789"}):
        json_app.preprocess_request()
        logging.getLogger("lms.test").warning("something to look at")
    (line,) = [line for line in json_lines(capsys) if line["logger"] == "lms.test"]
    assert (line["level"], line["message"], line["request_id"]) == ("WARNING", "something to look at",
                                                                    "abcdef0123456789")


def test_text_logs_by_default_still_send_a_request_id(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_text_logs_write_the_access_line_with_the_masked_path(config, capsys):
    text_app = create_app(config)  # LOG_FORMAT=text, as make run serves it
    capsys.readouterr()
    # nginx's request id, so that the line holds no random digits that could spell the invitation's id
    text_app.test_client().post("/surveys/invitations/4321/answer?token=s3cret", data={"q_safe": "4"},
                                headers={"X-Request-ID": "abcdef0123456789"})
    err = capsys.readouterr().err
    assert "lms.access: POST /surveys/invitations/<invitation_id>/answer " in err
    assert "4321" not in err and "s3cret" not in err


def test_a_path_no_route_takes_is_logged_without_what_follows_its_first_segment(config, capsys):
    """A join code with a slash, an invitation id with a wrong method: no route, and the path was written whole."""
    text_app = create_app(config)
    capsys.readouterr()
    client = text_app.test_client()
    client.environ_base["HTTP_X_REQUEST_ID"] = "abcdef0123456789"  # no random digits in the lines
    client.get("/join/K7Q2ZP/extra")
    client.put("/surveys/invitations/424242/answer")
    client.get("/no-such-page")
    err = capsys.readouterr().err
    assert "K7Q2ZP" not in err and "424242" not in err
    assert "GET /join/<unmatched> 404" in err and "PUT /surveys/<unmatched> 405" in err
    assert "GET /no-such-page 404" in err


#: URL variables that name no person, invitation or answer, so may be written whole: reviewed one by one.
PUBLIC_URL_VALUES = {"course_id", "extension", "filename", "group_id", "indicator", "language", "lesson", "module",
                     "name", "number", "organisation_id", "question", "slug", "wave_id", "workplace_id"}


def test_every_url_value_that_points_at_a_person_an_invitation_or_an_answer_is_masked(app):
    from lms.core.logs import PRIVATE_URL_VALUES

    variables = {name for rule in app.url_map.iter_rules() for name in rule.arguments}
    # A new URL variable fails here until someone decides which of the two sets it belongs to.
    assert variables - PRIVATE_URL_VALUES == PUBLIC_URL_VALUES
    assert {"user_id", "invitation_id", "code"} <= PRIVATE_URL_VALUES
    assert not [name for name in PUBLIC_URL_VALUES if re.search("user|member|invitation|response|answer|code", name)]


def test_flasks_own_line_for_an_unhandled_exception_names_the_masked_path(app, caplog):
    with app.test_request_context("/surveys/invitations/4321/answer"):
        app.preprocess_request()
        try:
            raise RuntimeError("something broke")
        except RuntimeError:
            app.log_exception(sys.exc_info())
    (record,) = [r for r in caplog.records if r.name == app.logger.name]
    assert record.getMessage() == "Exception on /surveys/invitations/<invitation_id>/answer [GET]"
    assert "4321" not in record.getMessage() and record.exc_info


def test_a_database_error_names_no_value_it_was_given(app_ctx):
    """What a failed statement would put in the log: its SQL, never its values (an answer, an id, a name)."""
    import sqlalchemy as sa

    from lms.extensions import db

    with pytest.raises(sa.exc.DBAPIError) as error:
        db.session.execute(sa.text("SELECT * FROM no_such_table WHERE answer = :answer"),
                           {"answer": "the night shift is unpaid"})
    db.session.rollback()
    assert "no_such_table" in str(error.value) and "night shift" not in str(error.value)


def test_gunicorns_own_error_line_names_no_invitation(capsys):
    """Outside tester: a worker killed mid-request wrote "Error handling request POST /surveys/invitations/82/answer"
    with the time to the second. The deployment's gunicorn settings use the masking logger."""
    settings = (ROOT / "docs/deploy/gunicorn.conf.py").read_text()
    assert 'logger_class = "lms.core.gunicorn_logging.MaskedLogger"' in settings
    logger = MaskedLogger(Config())
    try:
        raise RuntimeError("worker timeout")
    except RuntimeError:
        logger.exception("Error handling request %s %s", "POST", "/surveys/invitations/48213577/answer?x=1")
    written = capsys.readouterr().err
    # Eight digits: no process id (at most seven) or time of the line can hold them, as "82" could.
    assert ("Error handling request POST /surveys/<masked>" in written
            and "48213577" not in written.split("Traceback")[0])
