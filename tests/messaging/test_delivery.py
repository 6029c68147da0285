"""Sending the queued SMS through a real Kannel (tests/kannel.py): what reaches the phone, exactly once, whatever
the gateway or a second runner does; back-off, refusals, interrupted hand-overs and the checks made at send time."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from lms import clock
from lms.extensions import db
from lms.messaging import delivery
from lms.messaging.delivery import BACKOFF_MINUTES, EXPIRED, INTERRUPTED, send_due
from lms.messaging.outbox import queue_sms
from tests.helpers import ROOT
from tests.kannel import SHORT_CODE, UNROUTABLE
from tests.messaging.helpers import as_utc, eventually, rows, texted_member

#: One text per script the members read, to numbers of their countries.
TEXTS = {
    "+51987654321": "Your code is 123456. It costs 5 € [nothing] ~ {ever}.",
    "+85512345678": "សួស្តី! ការស្ទង់មតិខ្លីមួយកំពុងរង់ចាំអ្នក។ " * 3,
    "+84912345678": "Xin chào! Một khảo sát ngắn đang chờ bạn.",
    "+212612345678": "مرحبا! استبيان قصير في انتظارك.",
    "+959123456789": "မင်္ဂလာပါ။ စစ်တမ်းတစ်ခု သင့်ကို စောင့်နေပါသည်။",
    "+8801712345678": "নমস্কার! একটি ছোট জরিপ আপনার জন্য অপেক্ষা করছে।",
}


def test_gsm7_and_ucs2_texts_reach_the_phone_intact_and_are_reported_delivered(app_ctx, kannel):
    for phone, text in TEXTS.items():
        queue_sms(phone, text, "service")
    db.session.commit()
    assert [row.encoding for row in rows()] == ["gsm7"] + ["ucs2"] * 5
    assert rows()[1].segments > 1  # the Khmer text goes in parts, joined again on the phone

    assert send_due() == len(TEXTS)
    received = kannel.received(len(TEXTS))
    assert {message.number: message.text for message in received} == TEXTS
    assert {message.sender for message in received} == {SHORT_CODE}
    # Kannel's fake SMSC reports each message (each part of a long one) delivered, through smsbox's dlr-url.
    assert eventually(lambda: {row.status for row in rows()} == {"delivered"})
    assert all(row.finished_at and row.sent_at and row.attempts == 1 for row in rows())


@pytest.mark.slow
def test_two_job_processes_at_once_send_each_reminder_exactly_once(app_ctx, create_user, kannel, database_url,
                                                                   tmp_path):
    for i in range(40):
        member = texted_member(create_user, f"+519876543{i:02d}")
        queue_sms(member.phone, f"Reminder number {i}", "survey_reminders", user=member)
    db.session.commit()
    env = {**os.environ, **kannel.settings, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path),
           "SECRET_KEY": "x" * 40}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run-once", "send-sms"]
    runners = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [runner.communicate(timeout=120) for runner in runners]
    assert all(runner.returncode == 0 for runner in runners), outputs
    assert sum(int(out.split(": ")[1].split()[0]) for out, _err in outputs) == 40

    received = kannel.received(40, linger=0.5)
    assert sorted(message.text for message in received) == sorted(f"Reminder number {i}" for i in range(40))
    assert sorted(message.number for message in received) == [f"+519876543{i:02d}" for i in range(40)]
    assert {row.attempts for row in rows()} == {1}
    assert eventually(lambda: {row.status for row in rows()} == {"delivered"})


def test_the_gateway_going_down_mid_run_loses_nothing_and_doubles_nothing(app_ctx, create_user, kannel,
                                                                          frozen_clock, monkeypatch):
    members = [texted_member(create_user, f"+5198765430{i}") for i in range(8)]
    for i, member in enumerate(members):
        queue_sms(member.phone, f"News {i}", "group_news", user=member)
    db.session.commit()
    taken, real_record = [], delivery.record

    def stop_smsbox_after_the_third(message, handover):  # the 4th hand-over finds smsbox gone
        real_record(message, handover)
        taken.append(handover.outcome)
        if len(taken) == 3:
            kannel.stop_smsbox()

    monkeypatch.setattr(delivery, "record", stop_smsbox_after_the_third)
    assert send_due() == 3
    assert taken == ["accepted"] * 3 + ["temporary"]
    fourth = rows()[3]
    assert (fourth.status, fourth.attempts, fourth.sent_at) == ("queued", 1, None)
    assert as_utc(fourth.send_after) == clock.utcnow() + timedelta(minutes=BACKOFF_MINUTES[0])
    assert "unreachable" in fourth.reason
    # The run stopped there: the others wait, with no attempt counted.
    assert [row.attempts for row in rows()[4:]] == [0] * 4

    kannel.start_smsbox()
    assert send_due() == 4  # the others; the fourth waits for its back-off
    frozen_clock(clock.utcnow() + timedelta(minutes=1))
    assert send_due() == 1
    assert sorted(message.text for message in kannel.received(8, linger=0.5)) == [f"News {i}" for i in range(8)]
    assert [(row.attempts, row.reason) for row in rows()] == [(1, None)] * 3 + [(2, None)] + [(1, None)] * 4


def test_a_message_refused_by_the_gateway_fails_at_once_with_its_reason(app_ctx, kannel):
    queue_sms(f"{UNROUTABLE}12345678", "Never routed", "service")
    db.session.commit()
    assert send_due() == 0
    [row] = rows()
    assert (row.status, row.attempts) == ("failed", 1)
    # smsbox's answer, or Kannel's report of the same refusal if it came first (both are real: the report is
    # the one failed report Kannel's fake SMSC setup gives, for a message no SMSC takes).
    assert row.reason in ("Kannel 403: Not routable. Do not try again.", "NACK/no SMSC")
    assert row.finished_at is not None and row.text is None
    assert kannel.received(linger=0.5) == []


def test_a_code_or_a_reminder_loses_its_text_once_the_gateway_has_it(app_ctx, create_user, kannel):
    member = texted_member(create_user, "+51987654321")
    queue_sms(member.phone, "Your code: 482913", "account_codes", user=member)
    queue_sms(member.phone, "Thursday's session moves to room 4", "group_news", user=member)
    queue_sms(member.phone, "A short survey is waiting for you: http://x/s/abc", "survey_reminders", user=member)
    db.session.commit()
    assert send_due() == 3
    assert [message.text for message in kannel.received(3)] == [
        "Your code: 482913", "Thursday's session moves to room 4", "A short survey is waiting for you: http://x/s/abc"]
    assert [row.text for row in rows()] == [None, "Thursday's session moves to room 4", None]


def test_a_message_left_sending_by_a_process_that_died_is_never_sent_again(app_ctx, create_user, kannel,
                                                                           frozen_clock):
    member = texted_member(create_user, "+51987654321")
    left, busy = [queue_sms(member.phone, f"Your code: {code}", "account_codes", user=member) for code in (1, 2)]
    db.session.commit()
    for message, minutes in ((left, 11), (busy, 1)):  # one left by a dead process; one that another is sending
        message.status, message.attempts = "sending", 1
        message.sent_at = clock.utcnow() - timedelta(minutes=minutes)
    db.session.commit()
    assert send_due() == 0
    assert [(row.status, row.reason, row.text) for row in rows()] == [
        ("failed", INTERRUPTED, None), ("sending", None, "Your code: 2")]
    assert kannel.received(linger=0.5) == []


def test_a_member_who_replied_stop_meanwhile_gets_nothing_but_service_messages(app_ctx, create_user, kannel):
    stopped = texted_member(create_user, "+51987654321")
    moved = texted_member(create_user, "+51987654322")
    queue_sms(stopped.phone, "A survey is waiting for you", "survey_reminders", user=stopped)
    queue_sms(moved.phone, "Thursday's session moves", "group_news", user=moved)
    queue_sms(stopped.phone, "You will get no more SMS", "service", user=stopped)
    db.session.commit()
    stopped.sms_stopped_at = clock.utcnow()
    moved.phone = "+51987654399"
    db.session.commit()
    assert send_due() == 1
    assert [message.text for message in kannel.received(1)] == ["You will get no more SMS"]
    assert eventually(lambda: [row.status for row in rows()] == ["failed", "failed", "delivered"])
    assert all("may no longer be texted" in row.reason for row in rows()[:2])


def test_a_failing_gateway_is_tried_again_after_each_back_off_then_the_message_fails(app_ctx, create_user,
                                                                                     sms_enabled, frozen_clock):
    member = texted_member(create_user, "+51987654321")
    queue_sms(member.phone, "Thursday's session moves", "group_news", user=member)
    db.session.commit()
    for attempt, minutes in enumerate(BACKOFF_MINUTES, start=1):
        assert send_due() == 0
        [row] = rows()
        assert (row.status, row.attempts) == ("queued", attempt)
        assert row.reason == "gateway unreachable: ConnectionRefusedError"
        assert as_utc(row.send_after) == clock.utcnow() + timedelta(minutes=minutes)
        frozen_clock(clock.utcnow() + timedelta(minutes=minutes) - timedelta(seconds=1))
        send_due()
        assert rows()[0].attempts == attempt  # not before its time
        frozen_clock(clock.utcnow() + timedelta(seconds=1))
    send_due()
    [row] = rows()
    assert (row.status, row.attempts, row.text) == ("failed", 6, "Thursday's session moves")
    assert as_utc(row.finished_at) == clock.utcnow()


def test_a_code_that_could_not_go_while_it_worked_is_never_sent(app_ctx, create_user, sms_enabled, frozen_clock):
    member = texted_member(create_user, "+51987654321")
    queue_sms(member.phone, "Your code: 482913", "account_codes", user=member)
    db.session.commit()
    send_due()  # nobody answers: tried again in a minute, then in five...
    frozen_clock(clock.utcnow() + timedelta(minutes=10, seconds=1))  # SMS_CODE_MINUTES
    send_due()
    [row] = rows()
    assert (row.status, row.attempts, row.reason, row.text) == ("failed", 1, EXPIRED, None)


def test_reminders_wait_for_the_members_sending_hours_and_codes_do_not(app_ctx, data_app, create_user, sms_enabled,
                                                                       frozen_clock):
    data_app.config["SMS_SENDING_HOURS"] = "8-20"  # put back by the sms_enabled fixture
    frozen_clock(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))  # 3:00 in Lima
    member = texted_member(create_user, "+51987654321")
    queue_sms(member.phone, "A survey is waiting for you", "survey_reminders", user=member)
    queue_sms(member.phone, "Your code: 482913", "account_codes", user=member)
    db.session.commit()
    send_due()
    reminder, code = rows()
    assert (reminder.status, reminder.attempts) == ("queued", 0)
    assert as_utc(reminder.send_after) == datetime(2026, 3, 4, 13, 0, tzinfo=UTC)  # 8:00 in Lima
    assert code.attempts == 1  # tried at once (nobody answers this gateway)


def test_without_a_gateway_nothing_is_sent_and_nothing_breaks(app_ctx, client):
    queue_sms("+51987654321", "Your code: 482913", "service")
    db.session.commit()
    assert send_due() == 0
    assert [(row.status, row.attempts) for row in rows()] == [("queued", 0)]
    assert client.get("/sms/delivery?id=1&sig=x").status_code == 404
    assert client.post("/sms/incoming?secret=x").status_code == 404


def test_a_number_a_gateway_could_read_as_several_is_never_handed_over(app_ctx, kannel):
    queue_sms("+5198 7654321", "Your code: 482913", "service")  # Kannel: two recipients
    db.session.commit()
    assert send_due() == 0
    assert [(row.status, row.reason) for row in rows()] == [("failed", "not a number in international form")]
    assert kannel.received(linger=0.5) == []
