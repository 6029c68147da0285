"""STOP, START and HELP: replied from a phone through a real Kannel, answered in the member's language, and what a
stopped member or number then receives (nothing but those answers); an erased account's messages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import clock, signals
from lms.core import after_response
from lms.extensions import db
from lms.messaging.callbacks import receive
from lms.messaging.delivery import send_due
from lms.messaging.keywords import answer_text, confirmation, holders, keyword
from lms.messaging.numbers import is_stopped
from lms.messaging.outbox import queue_sms
from lms.messaging.segments import folded_for
from lms.models import SmsNumber, UnreadTexts
from lms.privacy.services import erase_account
from tests.messaging.helpers import rows, texted_member


@pytest.mark.parametrize("text", ["STOP", "stop", "Stop!", "Stop.", "STOP svp", "stop please", "stop,please",
                                  "STOP 482913", "ARRET", "Arrêt", "arrêt.", "Arrêt SVP", "PARE", "Alto",
                                  "BERHENTI", "DUNG", "dừng", "Dừng", "توقف", "ايقاف", "ឈប់", "ရပ်", "বন্ধ",
                                  "SIMAMA", "stoppen", "  stop  ", "DESABONNER", "désabonner", "HUY", "Hủy", "TC",
                                  "UNREG", "cancelar", "NO MAS", "no más", "أوقف", "sitisha", "KUSITISHA"])
def test_stop_in_our_languages_is_read_from_the_first_word_whatever_its_case_accents_and_punctuation(text):
    assert keyword(text) == "stop"


@pytest.mark.parametrize("text", ["START", "Start", "start please", "START svp", "démarrer", "DEMARRER", "inicio",
                                  "MULAI", "Bắt đầu", "bat dau", "BAT DAU nhé", "ابدأ", "ចាប់ផ្តើម", "ចាប់ផ្ដើម",
                                  "စတင်", "শুরু", "anza", "Starten"])
def test_start_in_our_languages_is_understood_alone_or_with_one_more_word(text):
    assert keyword(text) == "start"


@pytest.mark.parametrize("text", ["HELP", "help me", "Info?", "aide", "AYUDA", "ajuda", "Bantuan", "hulp",
                                  "TRỢ GIÚP", "tro giup", "ជំនួយ", "အကူအညီ", "সাহায্য", "مساعدة", "msaada"])
def test_help_in_our_languages_is_understood(text):
    assert keyword(text) == "help"


@pytest.mark.parametrize("text", ["", "...", "stopped", "STOPS", "unstoppable", "Please stop sending", "482913",
                                  "ALTA", "Hello", "start the course", "Start my survey now", "helpful", "bat",
                                  "S T O P"])
def test_other_texts_are_no_keyword(text):
    """A keyword is a whole first word; START with more than one word after it is a sentence, not a keyword (it
    would turn SMS on again); STOP is read even before a sentence, since missing one costs more."""
    assert keyword(text) is None


def test_stop_from_a_phone_stops_the_member_who_is_told_at_once_and_gets_nothing_more(app_ctx, create_user, kannel):
    member = texted_member(create_user, "+51987654321", locale="fr")
    kannel.send_from(member.phone, "Arrêt")
    # The answer goes as soon as the portal has answered Kannel: no job runs here.
    [answer] = kannel.received(1)
    spanish = folded_for(confirmation("stop", "es"), "es")  # the language of the number's country, Peru
    assert answer.number == member.phone and answer.text == spanish != confirmation("stop", "en")
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


def test_stop_from_a_number_no_account_holds_is_kept_and_its_confirmation_code_never_goes(
        app_ctx, create_user, kannel):
    """Someone who got an SMS meant for another (a mistyped number) replies STOP before any account has the number:
    it is answered like any number, in the country's language, and the code of an account made later with that
    number neither goes nor is offered; START from the phone lifts it."""
    from lms.auth import phone

    kannel.send_from("+51987654321", "Stop please")
    [answer] = kannel.received(1)
    after_response.settle()  # the answer reached the phone; its row is finished on the after-response thread
    assert answer.number == "+51987654321" and answer.text == folded_for(confirmation("stop", "es"), "es")  # Peru
    assert is_stopped("+51987654321")
    assert "51987654321" not in repr([(row.number_hash, row.stopped_at) for row in db.session.scalars(
        select(SmsNumber))])  # kept only as a keyed hash
    assert rows()[0].phone is None  # nor kept in the answer's row once it has gone

    typed_by_mistake = create_user(phone="+51987654321")
    with app_ctx.test_request_context():  # the pages tell nobody that this number replied STOP
        assert phone.why_no_code(typed_by_mistake) is None
    phone.send_code(typed_by_mistake, "en", "127.0.0.1")  # queued as for any number, and never goes
    db.session.commit()
    send_due()
    assert rows()[-1].status == "failed" and kannel.received(linger=0.5) == [answer]

    kannel.send_from("+51987654321", "START")
    assert "STOP" in kannel.received(2)[1].text
    assert not is_stopped("+51987654321")
    with app_ctx.test_request_context():
        assert phone.why_no_code(typed_by_mistake) is None


def test_stop_and_start_change_every_account_holding_the_number_confirmed_or_not(app_ctx, create_user, sms_enabled):
    unconfirmed = create_user(phone="+51987654321")
    signals.sms_received.send("+51987654321", text="STOP")
    db.session.refresh(unconfirmed)
    assert unconfirmed.sms_stopped_at is not None and is_stopped("+51987654321")
    assert holders("+51987654321") == [unconfirmed]  # a list: several accounts may hold one number
    signals.sms_received.send("+51987654321", text="ANZA")
    db.session.refresh(unconfirmed)
    assert unconfirmed.sms_stopped_at is None and not is_stopped("+51987654321")


def test_the_answer_is_in_the_language_of_the_numbers_country_never_of_its_holder(app_ctx, create_user,
                                                                                  sms_enabled):
    """Whoever holds the phone a moment must not learn from an answer in the member's language that a member's
    account has the number (outside tester 2)."""
    texted_member(create_user, "+51987654321", locale="fr")
    create_user(phone="+51987654322", locale="fr")
    for number in ("+51987654321", "+51987654322", "+85512345678", "+4915112345678"):
        signals.sms_received.send(number, text="HELP")
    db.session.commit()
    spanish = folded_for(answer_text("help", "es"), "es")
    assert [(row.kind, row.user_id, row.text) for row in rows()] == [
        ("reply", None, spanish), ("reply", None, spanish),
        ("reply", None, answer_text("help", "km")), ("reply", None, answer_text("help", "en"))]
    assert answer_text("help", "km") != answer_text("help", "en")


def test_the_help_answer_names_the_portal_the_keywords_and_where_to_sign_in(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "PUBLIC_URL", "https://learn.example.org/")
    text = answer_text("help", "en")
    assert text.startswith("Fair Work Learning:") and "STOP" in text and "START" in text
    assert text.endswith("https://learn.example.org")
    unread = "Fair Work Learning: we cannot read replies. Reply HELP for help, or STOP to get no more SMS."
    assert answer_text("unread", "en") == unread
    french = answer_text("unread", "fr")
    assert "STOP" in french and "We cannot" not in french


def test_a_text_that_is_neither_keyword_nor_code_is_counted_and_answered_and_a_code_is_left_to_its_receiver(
        app_ctx, create_user, sms_enabled):
    member = texted_member(create_user, "+51987654321", locale="en")
    for text in ("Thank you!", "482913", "hola, ¿cuándo es la sesión?"):
        receive(member.phone, text)
    db.session.commit()
    answers = rows()
    assert [(row.kind, row.user_id) for row in answers] == [("reply", None)] * 3
    unread, code = folded_for(answer_text("unread", "es"), "es"), folded_for(answer_text("type_code", "es"), "es")
    assert [row.text for row in answers] == [unread, code, unread]  # Peru's language, whatever the member's
    assert db.session.scalar(select(UnreadTexts.texts).where(UnreadTexts.day == clock.today())) == 2


def test_a_number_that_replied_stop_gets_no_answer_but_to_its_own_keywords(app_ctx, create_user, sms_enabled):
    receive("+51987654321", "STOP")
    receive("+51987654321", "What is this?")
    receive("+51987654321", "HELP")
    db.session.commit()
    assert [row.text for row in rows()] == [folded_for(answer_text(about, "es"), "es") for about in ("stop", "help")]
    assert db.session.scalar(select(UnreadTexts.texts)) == 1  # counted all the same


def test_a_number_gets_at_most_the_daily_answers_whatever_it_sends(app, app_ctx, create_user, frozen_clock):
    member = texted_member(create_user, "+51987654321")
    for text in ("STOP", "STOP", "START", "HELP", "hello", "START", "STOP", "START", "HELP", "hi"):
        receive(member.phone, text)
    db.session.commit()
    assert len(rows()) == app.config["SMS_ANSWERS_PER_DAY"] == 5
    db.session.refresh(member)
    assert member.sms_stopped_at is None  # the last keyword counts, answered or not
    receive("+51912345678", "HELP")  # another number has its own answers
    assert len(rows()) == 6
    frozen_clock(clock.utcnow() + timedelta(days=1))
    receive(member.phone, "STOP")
    assert len(rows()) == 7


def test_the_cap_of_answers_is_a_setting(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "SMS_ANSWERS_PER_DAY", 2)
    for _ in range(4):
        receive("+51987654321", "HELP")
    assert len(rows()) == 2


def test_an_answer_keeps_no_account(app_ctx, create_user):
    """Its number is blanked once sent: its account would keep who texted the portal (outside tester 2b)."""
    member = texted_member(create_user, "+51987654321", locale="es")
    signals.sms_received.send(member.phone, text="ALTO")
    db.session.commit()
    assert member.sms_stopped_at is not None
    [answer] = rows()
    assert (answer.kind, answer.user_id, answer.phone) == ("reply", None, "+51987654321")
    assert answer.text == folded_for(confirmation("stop", "es"), "es") != confirmation("stop", "en")


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
