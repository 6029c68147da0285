"""A number belongs to whoever confirms it: several accounts may hold one, at most one confirmed; no form says a
number is taken; a sign-in by number tries every holder with the same work; codes reach only the confirmed one."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import clock, signals
from lms.auth import phone, services
from lms.extensions import db
from lms.models import AuditEntry, SmsCode, User
from tests.auth.sms_helpers import NUMBER, ask_recovery, ask_sign_in_code, code_sent_to, confirmed_member, texts
from tests.helpers import PASSWORD, post_form, save_profile, sign_in, sign_up

OTHER_PASSWORD = "another long password here"


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_two_accounts_with_one_unconfirmed_number_both_sign_in_with_their_passwords(client, create_user):
    amina = create_user("amina", phone=NUMBER)
    rosa = create_user("rosa", phone=NUMBER, password=OTHER_PASSWORD)
    assert services.authenticate("+51 987 654 321", PASSWORD).id == amina.id
    assert services.authenticate("0051987654321", OTHER_PASSWORD).id == rosa.id
    assert services.authenticate("+51 987 654 321", "neither password") is None
    db.session.commit()  # the failure's audit entries
    assert sign_in(client, "+51 987 654 321", OTHER_PASSWORD).status_code == 302  # signed in, as rosa
    assert "rosa" in client.get("/profile").get_data(as_text=True)


def test_the_confirmed_holder_is_tried_first_then_the_newest(create_user):
    create_user("older", phone=NUMBER)
    create_user("newer", phone=NUMBER)
    owner = confirmed_member(create_user, "owner")
    assert [user.username for user in services.holders(NUMBER)] == ["owner", "newer", "older"]
    assert services.confirmed_holder(NUMBER).id == owner.id
    assert services.find_by_identifier("+51 987 654 321").id == owner.id  # codes and recovery: the owner only


def test_a_sign_in_by_number_does_the_same_work_whoever_holds_it(app_ctx, create_user, monkeypatch):
    from argon2 import PasswordHasher

    real_hash, real_verify, calls, work = PasswordHasher.hash, PasswordHasher.verify, [], []
    for holders in (0, 1, 3, services.PHONE_ACCOUNTS_TRIED + 2):
        while len(db.session.scalars(select(User).where(User.phone == NUMBER)).all()) < holders:
            create_user(phone=NUMBER, password=OTHER_PASSWORD)
        with monkeypatch.context() as patched:
            patched.setattr(PasswordHasher, "hash", lambda self, *a, **k: calls.append(1) or real_hash(self, *a, **k))
            patched.setattr(PasswordHasher, "verify", lambda self, *a: calls.append(1) or real_verify(self, *a))
            calls.clear()
            assert services.authenticate("+51 987 654 321", "a wrong password") is None
            work.append(len(calls))
    assert work == [services.PHONE_ACCOUNTS_TRIED] * 4


def test_beyond_the_accounts_tried_the_oldest_holder_signs_in_by_username(create_user):
    oldest = create_user("oldest", phone=NUMBER, password=OTHER_PASSWORD)
    for _ in range(services.PHONE_ACCOUNTS_TRIED):
        create_user(phone=NUMBER)
    assert services.authenticate("+51 987 654 321", OTHER_PASSWORD) is None
    assert services.authenticate("oldest", OTHER_PASSWORD).id == oldest.id


def test_confirming_a_number_takes_it_from_the_account_that_had_it(client, sms_enabled, create_user):
    owner = confirmed_member(create_user, "owner")
    phone.send_code(owner, "en", "127.0.0.1")  # a code waiting for the old owner: forgotten
    newcomer = create_user("newcomer", phone=NUMBER)
    sign_in(client, "newcomer")
    post_form(client, "/profile/phone/code", page="/profile/phone")
    done = post_form(client, "/profile/phone", {"code": code_sent_to(NUMBER)})
    assert done.status_code == 302
    owner, newcomer = fresh(owner), fresh(newcomer)
    assert newcomer.phone_confirmed_at is not None
    assert (owner.phone, owner.phone_confirmed_at) == (NUMBER, None)
    assert db.session.scalars(select(SmsCode).where(SmsCode.user_id == owner.id)).all() == []
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "change contact")).all()
    assert entry.details["account"] == owner.id and str(newcomer.id) not in entry.actor


def test_a_code_sent_back_confirms_the_account_whose_code_it_is(app, sms_enabled, app_ctx, create_user):
    first = create_user("first", phone=NUMBER, locale="en")
    second = create_user("second", phone=NUMBER, locale="en")
    phone.send_code(first, "en", "192.0.2.1")  # addresses of this test's own
    phone.send_code(second, "en", "192.0.2.2")
    code = code_sent_to(NUMBER)  # the second's, sent last
    signals.sms_received.send(NUMBER, text=code)
    db.session.commit()
    assert fresh(second).phone_confirmed_at is not None and fresh(first).phone_confirmed_at is None
    assert texts()[-1].text == "Fair Work Learning: your number is confirmed." and texts()[-1].user_id == second.id


def test_sign_up_and_profile_never_say_a_number_is_taken(client, create_user):
    owner = confirmed_member(create_user, "owner")
    assert sign_up(client, phone="+51 987 654 321").status_code == 302
    joined = db.session.scalar(select(User).where(User.username == "rosa.q"))
    assert (joined.phone, joined.phone_confirmed_at) == (NUMBER, None)
    assert fresh(owner).phone_confirmed_at is not None  # typing a number takes nothing from its owner
    create_user("amina")
    client = client.application.test_client()
    sign_in(client, "amina")
    assert save_profile(client, phone="987 654 321", current_password=PASSWORD).status_code == 302
    assert db.session.scalar(select(User.phone).where(User.username == "amina")) == NUMBER


def test_the_database_refuses_two_confirmed_holders(app_ctx, create_user):
    confirmed_member(create_user, "owner")
    create_user("other", phone=NUMBER)
    create_user("third", phone=NUMBER)
    db.session.commit()
    other = db.session.scalar(select(User).where(User.username == "other"))
    other.phone_confirmed_at = clock.utcnow()
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_codes_and_recovery_reach_only_the_confirmed_holder(client, sms_enabled, create_user):
    create_user("unconfirmed", phone=NUMBER)
    ask_sign_in_code(client, "+51 987 654 321")
    ask_recovery(client, "+51 987 654 321")
    assert texts() == []
    owner = confirmed_member(create_user, "owner")
    ask_sign_in_code(client, "+51 987 654 321")
    assert [message.user_id for message in texts()] == [owner.id]


def test_a_code_sent_back_never_moves_a_number_another_account_confirmed(app, sms_enabled, app_ctx, create_user):
    """Outside tester 2: a stranger signs up with a member's confirmed number; the member replies to the code SMS as
    invited, and the number (and her later sign-ins by code) went to the stranger's account."""
    owner = confirmed_member(create_user, "owner")
    stranger = create_user("stranger", phone=NUMBER, locale="en")
    phone.send_code(stranger, "en", "192.0.2.3")
    code = code_sent_to(NUMBER)
    signals.sms_received.send(NUMBER, text=code)
    db.session.commit()
    assert fresh(owner).phone_confirmed_at is not None and fresh(stranger).phone_confirmed_at is None
    answer = texts()[-1]
    assert answer.kind == "reply" and answer.user_id is None
    # Typed on the page of the account that asked, by whoever holds the code, it moves (the number's owner).
    assert phone.confirm(fresh(stranger), code) == "right"


def test_a_code_reply_that_confirms_nothing_is_answered_alike_for_every_number(app, sms_enabled, app_ctx,
                                                                              create_user):
    confirmed_member(create_user, "owner")
    for number in (NUMBER, "+51987000111"):  # a member's confirmed number, and one no account holds
        signals.sms_received.send(number, text="code 123456")
    db.session.commit()
    first, second = texts()[-2:]
    assert first.text == second.text and first.kind == second.kind == "reply"


def test_the_same_unconfirmed_holders_are_tried_whether_or_not_a_member_confirmed_the_number(app, create_user):
    """Outside tester 2c: with five strangers on a number, the oldest one's password worked only if no member had
    confirmed it (the confirmed holder took a place): a test of who is a member."""
    member_number, free_number = NUMBER, "+51987000222"
    confirmed_member(create_user, "owner")
    for number in (member_number, free_number):
        for n in range(services.PHONE_UNCONFIRMED_TRIED):
            create_user(f"s{number[-3:]}{n}", phone=number, password=f"password of {n} {number}")
    for number in (member_number, free_number):
        client = app.test_client()
        assert sign_in(client, number, f"password of 0 {number}").status_code == 302, number


def test_strangers_guessing_a_confirmation_code_get_a_few_tries_a_day_however_often_they_ask(
        app, client, sms_enabled, create_user, monkeypatch):
    """Outside tester 2c: each "Send me a code" made a new code with fresh tries, even with no SMS left to send it."""
    monkeypatch.setitem(app.config, "SMS_CODE_LIMIT_NUMBER", "1 per day")
    confirmed_member(create_user, "owner")
    create_user("stranger", phone=NUMBER)
    sign_in(client, "stranger")
    tries = []
    for _ in range(4):
        post_form(client, "/profile/phone/code", page="/profile/phone")
        for _ in range(5):
            page = post_form(client, "/profile/phone", {"code": "000000"}, page="/profile/phone")
            tries.append("Too many wrong tries" in page.get_data(as_text=True))
    assert tries.count(False) <= app.config["SMS_CODE_ATTEMPTS"]  # the code it had kept its tries: no fresh ones
    assert db.session.scalar(select(User).where(User.username == "owner")).phone_confirmed_at is not None


def test_a_number_gets_a_few_confirmation_tries_a_day_whatever_the_accounts(app, sms_enabled, app_ctx,
                                                                           create_user, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "SMS_CONFIRM_TRIES_NUMBER", "3 per day")
    accounts = [create_user(f"s{n}", phone=NUMBER) for n in range(2)]
    for user in accounts:
        phone.send_code(user, "en", f"192.0.2.{user.id}")
    outcomes = [phone.confirm(user, "000000") for user in accounts for _ in range(2)]
    assert outcomes == ["wrong", "wrong", "wrong", "spent"]


def test_a_code_that_could_not_be_sent_never_replaces_the_one_the_member_has(app, sms_enabled, create_user,
                                                                              monkeypatch):
    """Outside tester 2c: once the number's codes were spent, a stranger's request made a new code that went
    nowhere, and the member's code stopped working."""
    monkeypatch.setitem(app.config, "SMS_CODE_LIMIT_NUMBER", "1 per day")
    owner = confirmed_member(create_user, "owner")
    from lms.auth import channel_choices
    channel_choices.save(owner, {"account_codes": "sms"})
    db.session.commit()
    ask_sign_in_code(app.test_client(), NUMBER)
    code = code_sent_to(NUMBER)
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    ask_sign_in_code(stranger, NUMBER)
    assert code_sent_to(NUMBER) == code  # nothing more was sent
    from tests.auth.sms_helpers import type_sign_in_code
    assert type_sign_in_code(app.test_client(), NUMBER, code).status_code == 302


def test_strangers_spending_a_numbers_confirmation_tries_do_not_keep_its_holder_from_replying_the_code(
        app, sms_enabled, app_ctx, create_user, monkeypatch):
    """Outside tester 2d: two stranger accounts on her number spent its tries for the day; a code sent back from the
    number itself does not count against it (only its holder can send from it)."""
    monkeypatch.setitem(app_ctx.config, "SMS_CONFIRM_TRIES_NUMBER", "3 per day")
    member = create_user("member", phone=NUMBER)
    phone.send_code(member, "en", "192.0.2.5")
    code = code_sent_to(NUMBER)
    strangers = [create_user(f"stranger{n}", phone=NUMBER) for n in range(2)]
    outcomes = [phone.confirm(user, "000000") for user in strangers for _ in range(2)]
    assert outcomes[-1] == "spent" and phone.confirm(member, code) == "spent"  # on the page: spent for all
    signals.sms_received.send(NUMBER, text=code)
    db.session.commit()
    assert fresh(member).phone_confirmed_at is not None
