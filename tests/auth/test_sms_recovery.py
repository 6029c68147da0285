""""Forgot your password?" by SMS: a code to the confirmed number of an account that takes its codes by SMS, then
the code and a new password; the same answer whatever the identifier names, and the same answers to codes typed
after it; limits per identifier, per number and per address."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import clock
from lms.auth import channel_choices
from lms.extensions import db
from lms.models import AuditEntry, SmsCode, User
from lms.privacy.services import erase_account
from tests.auth.sms_helpers import (
    NEW_PASSWORD,
    NUMBER,
    OTHER_NUMBER,
    ask_recovery,
    ask_sign_in_code,
    code_sent_to,
    confirmed_member,
    page_text,
    recover_with_code,
    texts,
)
from tests.helpers import PASSWORD, post_form, sign_in


def signs_in(app, identifier: str, password: str) -> bool:
    return sign_in(app.test_client(), identifier, password).status_code == 302


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
def amina(create_user):
    return confirmed_member(create_user, locale="en")


def test_a_code_by_sms_sets_a_new_password_and_ends_every_session(app, client, sms_enabled, amina):
    elsewhere = app.test_client()
    assert sign_in(elsewhere, "amina").status_code == 302
    answer = ask_recovery(client, "amina")
    assert answer.status_code == 200 and "no-store" in answer.headers["Cache-Control"]
    text = answer.get_data(as_text=True)
    assert "If an account matches, a link by e-mail or a code by SMS is on its way." in text
    assert "ask the trainer of your group to reset your password" in text and 'name="code"' in text
    [message] = texts()
    assert (message.phone, message.kind, message.user_id) == (NUMBER, "account_codes", amina.id)
    assert "amina" not in message.text.lower()

    done = recover_with_code(client, "amina", code_sent_to(NUMBER))
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    assert "Your new password is saved" in client.get("/sign-in").get_data(as_text=True)
    assert signs_in(app, "amina", NEW_PASSWORD) and not signs_in(app, "amina", PASSWORD)
    assert elsewhere.get("/profile").headers["Location"].startswith("/sign-in")
    changed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "change password")).all()
    assert [(e.actor, e.details) for e in changed] == [(f"account {amina.id}", {"account": amina.id,
                                                                                  "way": "sms code"})]

    again = recover_with_code(client, "amina", code_sent_to(NUMBER), "yet another password here")
    assert again.status_code == 400 and "This code was already used" in again.get_data(as_text=True)


def test_the_code_goes_after_the_answer(client, sms_enabled, amina):
    answer = post_form(client, "/forgot-password", {"identifier": "amina"})
    assert answer.status_code == 200 and texts() == []
    answer.close()
    assert len(texts()) == 1


def test_every_identifier_gets_the_same_answer_and_only_an_account_reached_by_sms_a_code(
        app, sms_enabled, create_user, inbox):
    confirmed_member(create_user, "amina")
    create_user("unconfirmed", phone=OTHER_NUMBER)
    confirmed_member(create_user, "stopped", phone="+51911111111").sms_stopped_at = clock.utcnow()
    chose_none = confirmed_member(create_user, "none", phone="+51922222222")
    channel_choices.save(chose_none, {"account_codes": "none"})
    create_user("mailed", email="mailed@example.org")
    suspended = confirmed_member(create_user, "suspended", phone="+51933333333")
    suspended.suspended_at = clock.utcnow()
    gone = confirmed_member(create_user, "gone", phone="+51944444444")
    erase_account(gone)
    db.session.commit()
    names = ["+51 987 654 321", OTHER_NUMBER, "stopped", "none", "mailed", "suspended", "gone", "+51955555555",
             "nobody", "nobody@example.org"]
    answers = {name: ask_recovery(app.test_client(), name) for name in names}
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(names, 200)
    assert len({page_text(a) for a in answers.values()}) == 1
    assert [m.phone for m in texts()] == [NUMBER]
    assert [m["to"] for m in inbox.wait_for(1)] == [["mailed@example.org"]]


def test_after_the_answer_codes_typed_get_the_same_answers_whether_an_account_is_there_or_not(
        app, sms_enabled, amina, frozen_clock):
    """Wrong, then too many tries, then (after a new request) expired: the same for Amina's number and another."""
    answers = {}
    for identifier in (NUMBER, "+51955555555"):
        client = app.test_client()
        ask_recovery(client, identifier)
        code = code_sent_to(NUMBER)
        seen = [recover_with_code(client, identifier, wrong(code)) for _ in range(app.config["SMS_CODE_ATTEMPTS"])]
        seen.append(recover_with_code(client, identifier, code))
        answers[identifier] = [(r.status_code, page_text(r).replace(identifier, "")) for r in seen]
    assert answers[NUMBER] == answers["+51955555555"]
    assert "wrong or no longer works" in answers[NUMBER][0][1]
    assert "wrong or no longer works" in answers[NUMBER][-1][1]

    asked_at = clock.utcnow()
    for identifier in (NUMBER, "+51955555555"):
        ask_recovery(app.test_client(), identifier)
    frozen_clock(asked_at + timedelta(minutes=11))
    late = {identifier: recover_with_code(app.test_client(), identifier, code_sent_to(NUMBER))
            for identifier in (NUMBER, "+51955555555")}
    assert {i: r.status_code for i, r in late.items()} == dict.fromkeys(late, 400)
    assert all("wrong or no longer works" in r.get_data(as_text=True) for r in late.values())
    assert signs_in(app, "amina", PASSWORD)


def test_a_code_for_another_purpose_or_another_account_is_refused(app, client, sms_enabled, amina, create_user):
    confirmed_member(create_user, "rosa", phone=OTHER_NUMBER)
    ask_sign_in_code(client, NUMBER)
    refused = recover_with_code(client, "amina", code_sent_to(NUMBER))
    assert refused.status_code == 400 and "This code is wrong" in refused.get_data(as_text=True)
    ask_recovery(client, "amina")
    ask_recovery(client, "rosa")
    refused = recover_with_code(client, "rosa", code_sent_to(NUMBER))
    assert refused.status_code == 400 and "This code is wrong" in refused.get_data(as_text=True)
    assert signs_in(app, "rosa", PASSWORD)
    ask_recovery(client, NUMBER)  # another spelling of Amina's account: one account, one code
    assert recover_with_code(client, "amina", code_sent_to(NUMBER)).status_code == 302


def test_the_new_password_follows_the_rules_and_mistakes_in_it_do_not_spend_the_code(app, client, sms_enabled,
                                                                                      amina):
    ask_recovery(client, "amina")
    code = code_sent_to(NUMBER)
    for _ in range(app.config["SMS_CODE_ATTEMPTS"] + 1):
        short = recover_with_code(client, "amina", code, "short")
        assert short.status_code == 400 and "at least 8 characters" in short.get_data(as_text=True)
    assert "A code has 6 digits." in recover_with_code(client, "amina", "12").get_data(as_text=True)
    assert recover_with_code(client, "amina", code).status_code == 302


def test_a_member_who_chose_email_gets_a_link_not_a_code(client, sms_enabled, create_user, inbox):
    member = confirmed_member(create_user, email="amina@example.org")
    ask_recovery(client, "amina")
    assert texts() == [] and len(inbox.wait_for(1)) == 1  # e-mail is the default with an address
    channel_choices.save(member, {"account_codes": "sms"})
    db.session.commit()
    ask_recovery(client, "amina")
    assert len(texts()) == 1 and len(inbox.wait_for(2, seconds=1)) == 1


def test_codes_are_limited_silently_per_number_whatever_names_it(app, sms_enabled, amina):
    names = ["amina", NUMBER, "+51 987 654 321", "amina", NUMBER]
    answers = [ask_recovery(app.test_client(), name) for name in names]
    assert [a.status_code for a in answers] == [200] * 5
    assert len(texts()) == 3  # SMS_CODE_LIMIT_NUMBER_ADDRESS (one address here)


def test_codes_asked_are_limited_per_address_alike_for_members_and_unknown_names(app, sms_enabled, create_user,
                                                                                   monkeypatch):
    """An unknown name spends the address's budget as a member does: what is left of it tells nothing."""
    for number in range(3):
        confirmed_member(create_user, f"m{number}", phone=f"+5198765430{number}")
    monkeypatch.setitem(app.config, "SMS_CODE_LIMIT_ADDRESS", "2 per hour")
    answers = [ask_recovery(app.test_client(), name) for name in ("m0", "nobody-at-all", "m1")]
    assert [a.status_code for a in answers] == [200, 200, 429] and len(texts()) == 1
    app.extensions["throttle"].reset()
    answers = [ask_recovery(app.test_client(), name) for name in ("nobody-1", "nobody-2", "m2")]
    assert [a.status_code for a in answers] == [200, 200, 429] and len(texts()) == 1


def tries_at_amina_s_code() -> int:
    db.session.expire_all()
    return db.session.scalar(select(SmsCode.attempts).join(User, User.id == SmsCode.user_id)
                             .where(SmsCode.purpose == "recover", User.username == "amina"))


def test_asking_again_beyond_the_limit_gives_no_fresh_tries(app, client, sms_enabled, amina):
    """Beyond SMS_CODE_LIMIT_NUMBER new codes for an account, by any of its names, no new code is made: a code
    spent by wrong guesses stays spent, and nobody gets fresh tries without an SMS going to the member."""
    for name in ("amina", NUMBER, "amina"):  # 3 codes: the limit
        ask_recovery(client, name)
    for guess in range(app.config["SMS_CODE_ATTEMPTS"]):
        recover_with_code(client, "amina", f"{guess:06d}" if f"{guess:06d}" != code_sent_to(NUMBER) else "999999")
    assert "wrong or no longer works" in recover_with_code(client, "amina", code_sent_to(NUMBER)).get_data(as_text=True)
    assert tries_at_amina_s_code() == app.config["SMS_CODE_ATTEMPTS"]
    for name in ("amina", NUMBER):
        assert ask_recovery(client, name).status_code == 200
    assert len(texts()) == 3
    assert tries_at_amina_s_code() == app.config["SMS_CODE_ATTEMPTS"]  # still spent: no fresh code, no fresh tries
    spent = recover_with_code(client, NUMBER, code_sent_to(NUMBER))
    assert spent.status_code == 400 and signs_in(app, "amina", PASSWORD)


def test_code_tries_are_limited_per_identifier_and_address_like_sign_ins(app, client, sms_enabled, amina):
    ask_recovery(client, "amina")
    tries = [recover_with_code(client, "nobody", "123456").status_code for _ in range(11)]
    assert tries == [400] * 10 + [429]


def test_two_names_of_one_member_cannot_be_told_apart_from_two_strangers_by_the_answers(app, sms_enabled,
                                                                                         create_user):
    """All of an account's names share one code: wrong, expired and spent read alike, so that spending the tries
    with one name and trying the other tells nothing of whether they are one member."""
    confirmed_member(create_user, email="amina@example.org")
    answers = {}
    for first, second in (("amina@example.org", NUMBER), ("nobody@example.org", "+51912000000")):
        client = app.test_client()
        ask_recovery(client, first)
        for _ in range(app.config["SMS_CODE_ATTEMPTS"]):
            recover_with_code(client, second, "000000")
        last = recover_with_code(client, first, "000000")
        answers[first] = (last.status_code, page_text(last))
        app.extensions["throttle"].reset()
    member, stranger = answers.values()
    assert member[0] == stranger[0] == 400 and "wrong or no longer works" in member[1]
    assert member[1].replace("amina@example.org", "X") == stranger[1].replace("nobody@example.org", "X")
