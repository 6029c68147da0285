"""STOP and START: replied from a phone through a real Kannel, answered once in the member's language, and what
a stopped member then receives (nothing but those answers); an erased account's messages."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms import clock, signals
from lms.extensions import db
from lms.messaging.delivery import send_due
from lms.messaging.keywords import ANSWERS_PER_DAY, confirmation, keyword
from lms.messaging.outbox import queue_sms
from lms.privacy.services import erase_account
from tests.messaging.helpers import rows, texted_member


@pytest.mark.parametrize("text", ["STOP", "stop", " S T O P ", "Stop!", "ARRET", "Arrêt", "arrêt.", "PARE", "Alto",
                                  "BERHENTI", "DUNG", "dừng", "Dừng", "توقف", "ايقاف", "ឈប់", "ရပ်", "বন্ধ",
                                  "SIMAMA", "stoppen"])
def test_stop_in_our_languages_is_understood_whatever_its_case_accents_and_spaces(text):
    assert keyword(text) == "stop"


@pytest.mark.parametrize("text", ["START", "Start", "démarrer", "DEMARRER", "inicio", "MULAI", "Bắt đầu", "bat dau",
                                  "ابدأ", "ចាប់ផ្តើម", "ចាប់ផ្ដើម", "စတင်", "শুরু", "anza", "Starten"])
def test_start_in_our_languages_is_understood(text):
    assert keyword(text) == "start"


@pytest.mark.parametrize("text", ["", "STOP ME", "stopped", "Please stop sending", "482913", "ALTA", "Hello"])
def test_other_texts_are_no_keyword(text):
    assert keyword(text) is None


def test_stop_from_a_phone_stops_the_member_who_is_told_at_once_and_gets_nothing_more(app_ctx, create_user, kannel):
    member = texted_member(create_user, "+51987654321", locale="fr")
    kannel.send_from(member.phone, "Arrêt")
    # The answer goes as soon as the portal has answered Kannel: no job runs here.
    [answer] = kannel.received(1)
    assert answer.number == member.phone and answer.text == confirmation("stop", "fr") != confirmation("stop", "en")
    db.session.refresh(member)
    assert member.sms_stopped_at is not None

    queue_sms(member.phone, "Un questionnaire vous attend", "survey_reminders", user=member)
    db.session.commit()
    assert send_due() == 0
    assert kannel.received(linger=0.5) == [answer]
    assert rows()[-1].status == "failed"

    kannel.send_from(member.phone, "start")
    assert "STOP" in kannel.received(2)[1].text
    db.session.refresh(member)
    assert member.sms_stopped_at is None
    queue_sms(member.phone, "Un questionnaire vous attend", "survey_reminders", user=member)
    db.session.commit()
    assert send_due() == 1
    assert kannel.received(3)[2].text == "Un questionnaire vous attend"


def test_stop_in_arabic_script_comes_as_ucs2_and_is_answered_in_arabic(app_ctx, create_user, kannel):
    member = texted_member(create_user, "+212612345678", locale="ar")
    kannel.send_from(member.phone, "توقف")
    [answer] = kannel.received(1)
    assert answer.number == member.phone and "START" in answer.text
    assert any("\u0600" <= c <= "\u06ff" for c in answer.text)
    db.session.refresh(member)
    assert member.sms_stopped_at is not None


def test_stop_from_an_unconfirmed_number_stops_its_codes_and_a_number_of_nobody_is_not_answered(
        app_ctx, create_user, kannel):
    """Someone gave a stranger's number at sign-up: its owner's STOP stops the codes sent to it, silently (an answer
    would tell whoever holds the phone that the number was given to the portal)."""
    unconfirmed = create_user(phone="+51987654321")
    kannel.send_from("+51987654321", "STOP")
    kannel.send_from("+51912345678", "STOP")
    db.session.refresh(unconfirmed)
    assert unconfirmed.sms_stopped_at is not None
    assert rows() == [] and kannel.received(linger=0.5) == []


def test_the_answer_is_in_the_members_language(app_ctx, create_user):
    member = texted_member(create_user, "+51987654321", locale="es")
    signals.sms_received.send(member.phone, text="ALTO")
    db.session.commit()
    assert member.sms_stopped_at is not None
    [answer] = rows()
    assert (answer.kind, answer.user_id, answer.phone) == ("service", member.id, "+51987654321")
    assert answer.text == confirmation("stop", "es") != confirmation("stop", "en")


def test_a_repeated_keyword_is_answered_once_and_switching_at_most_a_few_times_a_day(app_ctx, create_user,
                                                                                     frozen_clock):
    member = texted_member(create_user, "+51987654321")
    for text in ("STOP", "STOP", "START", "START", "STOP", "START", "STOP", "START"):
        signals.sms_received.send(member.phone, text=text)
    db.session.commit()
    assert len(rows()) == ANSWERS_PER_DAY == 3
    assert member.sms_stopped_at is None  # the last word counts, answered or not
    frozen_clock(clock.utcnow() + timedelta(days=1, minutes=1))
    signals.sms_received.send(member.phone, text="STOP")
    assert len(rows()) == 4


def test_other_texts_change_nothing(app_ctx, create_user):
    member = texted_member(create_user, "+51987654321")
    signals.sms_received.send(member.phone, text="482913")
    db.session.commit()
    assert member.sms_stopped_at is None and rows() == []


def test_an_erased_members_messages_keep_neither_number_nor_text(app_ctx, create_user, sms_enabled):
    member = texted_member(create_user, "+51987654321")
    other = texted_member(create_user, "+51987654322")
    for user in (member, other):
        queue_sms(user.phone, "Thursday's session moves", "group_news", user=user)
    db.session.commit()
    erase_account(member)
    db.session.commit()
    assert [(row.user_id, row.phone, row.text) for row in rows()] == [
        (None, None, None), (other.id, "+51987654322", "Thursday's session moves")]
