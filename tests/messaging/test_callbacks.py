"""The gateway's callbacks: delivery reports move a message forward only, incoming messages reach the signal, and
anything not proven to come from the gateway is refused, logged in one line without data, and changes nothing."""
from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from lms.core.identifiers import read_phone
from lms.extensions import db
from lms.messaging.delivery import report_url, signature
from lms.messaging.gateways import Kannel
from lms.messaging.outbox import queue_sms
from tests.helpers import row_counts
from tests.kannel import UNROUTABLE
from tests.messaging.helpers import eventually, rows, texted_member

SECRET = "callback-secret-for-tests"  # the sms_enabled fixture's


@pytest.fixture
def sent(app_ctx, sms_enabled):
    """Two messages the gateway took."""
    messages = [queue_sms(f"+5198765432{i}", "Thursday's session moves", "service") for i in (1, 2)]
    for message in messages:
        message.status, message.attempts = "sent", 1
    db.session.commit()
    return [message.id for message in messages]


def report(client, message_id: int, status: int, answer: str = "", sig: str | None = None, **environ):
    query = {"id": message_id, "sig": signature(message_id) if sig is None else sig, "status": status,
             "answer": answer}
    return client.get(f"/sms/delivery?{urlencode(query)}", environ_base=environ)


def test_reports_move_a_message_forward_and_never_back(client, sent):
    first, second = sent
    assert report(client, first, 8, "ACK/").status_code == 204  # taken by the operator: changes nothing
    assert [row.status for row in rows()] == ["sent", "sent"]
    assert report(client, first, 1).status_code == 204
    assert report(client, second, 16, "NACK/0x0000000b/Invalid Destination Address").status_code == 204
    assert [(row.status, row.reason) for row in rows()] == [
        ("delivered", None), ("failed", "NACK/0x0000000b/Invalid Destination Address")]
    assert all(row.finished_at for row in rows())
    # Later or repeated reports change nothing; a signed report about no message is taken and ignored.
    report(client, first, 2, "undelivered")
    report(client, second, 1)
    assert report(client, 999_999, 1).status_code == 204
    assert [(row.status, row.reason) for row in rows()] == [
        ("delivered", None), ("failed", "NACK/0x0000000b/Invalid Destination Address")]


def test_a_report_not_signed_for_its_message_is_refused_logged_without_data_and_changes_nothing(client, sent,
                                                                                               caplog):
    first, second = sent
    before = row_counts()
    forged = [report(client, first, 2, sig=""), report(client, first, 2, sig="0" * 64),
              report(client, first, 2, sig=signature(second)), client.get(f"/sms/delivery?id={first}&status=2"),
              client.get(f"/sms/delivery?id=x&sig={signature(first)}&status=2"),
              report(client, first, 2, sig="é" * 64)]
    assert [response.status_code for response in forged] == [403] * 6
    assert [row.status for row in rows()] == ["sent", "sent"] and row_counts() == before
    refusals = [r.getMessage() for r in caplog.records if r.name == "lms.messaging.callbacks"]
    assert refusals == ["SMS delivery report refused: missing or wrong signature"] * 6


def test_an_incoming_message_without_the_secret_is_refused_and_stops_nobody(app_ctx, client, create_user,
                                                                            sms_enabled, caplog):
    member = texted_member(create_user, "+51987654321")
    for secret in ("", "wrong", SECRET.upper(), None):
        query = {"from": member.phone, "text": "STOP"} | ({} if secret is None else {"secret": secret})
        assert client.get(f"/sms/incoming?{urlencode(query)}").status_code == 403
    db.session.refresh(member)
    assert member.sms_stopped_at is None and rows() == []
    lines = [r.getMessage() for r in caplog.records if r.name == "lms.messaging.callbacks"]
    assert lines == ["SMS incoming message refused: missing or wrong secret"] * 4
    assert all(member.phone not in line and "STOP" not in line for line in lines)


def test_callbacks_come_only_from_the_gateways_addresses(app, client, sent, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMS_CALLBACK_ADDRESSES", "192.0.2.0/28, 2001:db8::1")
    first, second = sent
    assert report(client, first, 1).status_code == 403  # the test client calls from 127.0.0.1
    # A forwarding header is no proof: only TRUSTED_PROXIES' own are read (none here).
    assert report(client, first, 1, HTTP_X_FORWARDED_FOR="192.0.2.5").status_code == 403
    assert [row.status for row in rows()] == ["sent", "sent"]
    assert "SMS delivery report refused: address not in SMS_CALLBACK_ADDRESSES" in caplog.messages
    assert report(client, first, 1, REMOTE_ADDR="192.0.2.5").status_code == 204
    assert report(client, second, 1, REMOTE_ADDR="2001:db8::1").status_code == 204
    assert [row.status for row in rows()] == ["delivered", "delivered"]


def test_behind_a_trusted_proxy_the_callers_own_address_counts(config, sent):
    from lms import create_app

    class BehindNginx(config):
        TRUSTED_PROXIES = 1
        SMS_GATEWAY, SMS_CALLBACK_SECRET, SMS_CALLBACK_ADDRESSES = "kannel", SECRET, "192.0.2.5"

    proxied = create_app(BehindNginx)
    first, second = sent
    try:
        assert report(proxied.test_client(), first, 1, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403
        assert report(proxied.test_client(), second, 1, HTTP_X_FORWARDED_FOR="192.0.2.5").status_code == 204
    finally:
        with proxied.app_context():
            db.engine.dispose()
    assert [row.status for row in rows()] == ["sent", "delivered"]


def test_a_body_too_large_is_refused_unread(client, sent):
    first, _ = sent
    query = urlencode({"id": first, "sig": signature(first)})
    response = client.post(f"/sms/delivery?{query}", data=b"x" * 20_000, content_type="application/json")
    assert response.status_code == 413
    assert rows()[0].status == "sent"


def test_without_a_secret_every_callback_is_refused(app, client, sent, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_CALLBACK_SECRET", "")
    first, _ = sent
    assert report(client, first, 1, sig=signature(first)).status_code == 403
    assert client.get("/sms/incoming?secret=&from=%2B51987654321&text=STOP").status_code == 403


def test_a_ucs2_message_from_a_kannel_without_mo_recode_is_read_from_its_bytes(app_ctx, client, create_user,
                                                                              sms_enabled):
    member = texted_member(create_user, "+212612345678", locale="ar")
    text = quote("توقف".encode("utf-16-be"))
    response = client.get(f"/sms/incoming?secret={SECRET}&from=%2B212612345678&text={text}&charset=UTF-16BE")
    assert response.status_code == 204
    db.session.refresh(member)
    assert member.sms_stopped_at is not None


@pytest.mark.parametrize(("raw", "number"), [
    ("+51987654321", "+51987654321"), ("0051987654321", "+51987654321"), ("+51 987-654-321", "+51987654321"),
    ("1234", None), ("Portal", None), ("", None), ("+", None)])
def test_the_sender_is_read_in_e164_or_not_at_all(raw, number):
    assert read_phone(raw) == number


def test_kannels_own_failure_report_marks_a_sent_message_failed_with_its_reason(app_ctx, kannel):
    message = queue_sms(f"{UNROUTABLE}12345678", "Never delivered", "service")
    message.status, message.attempts = "sent", 1  # as if the gateway had taken it
    db.session.commit()
    # Handed over again by the test, whose answer (403) is ignored: Kannel then reports the refusal, type 16
    # ("NACK/no SMSC"), to the message's signed report URL, as it would for an operator's refusal after "sent".
    Kannel().send(message, report_url(message.id))
    assert eventually(lambda: rows()[0].status == "failed")
    assert rows()[0].reason == "NACK/no SMSC" and rows()[0].finished_at is not None
