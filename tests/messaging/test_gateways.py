"""The generic HTTP provider (docs/deploy.md), against a provider played by a local HTTP server: what it is sent,
how its answers are read, and its reports and incoming messages through the portal's callbacks."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from lms import UnsafeConfiguration, create_app
from lms.config import Config, TestConfig
from lms.extensions import db
from lms.messaging import gateways
from lms.messaging.delivery import send_due
from lms.messaging.outbox import queue_sms
from tests.messaging.helpers import rows, texted_member

SECRET = "provider-callback-secret"


class Provider(BaseHTTPRequestHandler):
    """Answers each POST with the next of ``answers`` ((status, body, seconds to wait first)); keeps what came."""

    answers: list[tuple[int, dict, float]] = []
    requests: list[dict] = []

    def do_POST(self):  # the handler's hook name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append({"path": self.path, "authorization": self.headers["Authorization"], "json": body})
        status, answer, wait = self.answers.pop(0)
        time.sleep(wait)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode())

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def provider(app, data_app, live_server):
    Provider.answers, Provider.requests = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = {"SMS_GATEWAY": "http", "SMS_SEND_URL": f"http://127.0.0.1:{server.server_port}/v1/messages",
                "SMS_PASSWORD": "provider-token", "SMS_SENDER": "FairWork", "SMS_CALLBACK_SECRET": SECRET,
                "SMS_SENDING_HOURS": "0-24", "PUBLIC_URL": live_server}
    saved = [(each, {key: each.config[key] for key in settings}) for each in (app, data_app)]
    for each, _settings in saved:
        each.config.update(settings)
    yield Provider
    for each, values in saved:
        each.config.update(values)
    server.shutdown()
    thread.join(timeout=10)


def test_the_provider_gets_json_with_its_token_our_reference_and_where_to_report(app_ctx, provider, live_server):
    provider.answers.append((201, {"id": "provider-id-1"}, 0))
    message = queue_sms("+51987654321", "Thursday's session moves to room 4", "service")
    db.session.commit()
    assert send_due() == 1
    [sent] = provider.requests
    assert sent["path"] == "/v1/messages" and sent["authorization"] == "Bearer provider-token"
    report_url = sent["json"].pop("report_url")
    assert sent["json"] == {"to": "+51987654321", "text": "Thursday's session moves to room 4",
                            "reference": str(message.id), "from": "FairWork"}
    assert report_url.startswith(f"{live_server}/sms/delivery?id={message.id}&sig=")
    assert rows()[0].status == "sent"


def test_its_answers_say_whether_to_try_again(app_ctx, provider, monkeypatch):
    monkeypatch.setattr(gateways, "TIMEOUT", 0.5)
    provider.answers += [(503, {"error": "busy"}, 0), (401, {"error": "bad token"}, 0),
                         (400, {"error": "bad number"}, 0), (200, {}, 2)]
    for text in ("busy", "token", "number", "slow"):
        queue_sms("+51987654321", text, "service")
        db.session.commit()
        send_due()
    assert [(row.status, row.reason) for row in rows()] == [
        ("queued", 'provider 503: {"error": "busy"}'), ("queued", 'provider 401: {"error": "bad token"}'),
        ("failed", 'provider 400: {"error": "bad number"}'),
        # It had the message when it stopped answering: never sent again, lest the member get it twice.
        ("failed", "no answer once the gateway had it (TimeoutError): not sent again")]


def test_a_provider_that_cannot_be_reached_is_a_temporary_failure(app_ctx, provider, data_app, monkeypatch):
    monkeypatch.setitem(data_app.config, "SMS_SEND_URL", "http://127.0.0.1:9/v1/messages")
    queue_sms("+51987654321", "Your code: 482913", "service")
    db.session.commit()
    send_due()
    assert [(row.status, row.attempts, row.reason) for row in rows()] == [
        ("queued", 1, "gateway unreachable: ConnectionRefusedError")]


def test_its_reports_and_incoming_messages_come_through_the_callbacks(app_ctx, provider, create_user, client):
    member = texted_member(create_user, "+51987654321")
    provider.answers.append((202, {"id": "provider-id-1"}, 0))
    queue_sms(member.phone, "Your code: 482913", "account_codes", user=member)
    db.session.commit()
    send_due()
    parts = urlsplit(provider.requests[0]["json"]["report_url"])
    assert client.post(f"{parts.path}?{parts.query}", json={"status": "delivered"}).status_code == 204
    assert rows()[0].status == "delivered"

    assert client.post(f"/sms/incoming?secret={SECRET}", json={"from": member.phone, "text": "Stop"}).status_code == 204
    db.session.refresh(member)
    assert member.sms_stopped_at is not None
    assert client.post("/sms/incoming?secret=guess", json={"from": member.phone, "text": "START"}).status_code == 403


def test_an_unknown_gateway_stops_the_app_at_start():
    class Misspelt(TestConfig):
        SMS_GATEWAY = "kanel"

    with pytest.raises(UnsafeConfiguration, match="SMS_GATEWAY"):
        create_app(Misspelt)


def test_production_refuses_a_gateway_without_a_callback_secret():
    class Production(Config):
        APP_ENV = "production"
        SECRET_KEY, PSEUDONYM_KEY = "x" * 64, "y" * 64
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
        PUBLIC_URL = "https://portal.example.org"
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        SMS_GATEWAY, SMS_CALLBACK_SECRET = "kannel", "short"

    with pytest.raises(UnsafeConfiguration, match="SMS_CALLBACK_SECRET"):
        create_app(Production)
    Production.SMS_CALLBACK_SECRET = "z" * 32
    assert create_app(Production).config["SMS_GATEWAY"] == "kannel"
