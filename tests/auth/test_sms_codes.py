"""Codes sent by SMS (lms/auth/sms_codes.py): random, kept only as an HMAC, short-lived, a few tries, once, the
newest only; the SMS short, in the member's language, saying nothing of what the portal is for."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import clock
from lms.auth import sms_codes
from lms.core.identifiers import Identifier
from lms.extensions import db
from lms.models import SmsCode
from tests.auth.sms_helpers import NUMBER, confirmed_member

#: Languages whose letters the GSM 7-bit alphabet has: their code texts must fit it (cheaper, and every phone
#: shows them).
LATIN = ("en", "fr", "es", "pt", "nl", "id", "sw")


@pytest.fixture
def amina(create_user):
    return confirmed_member(create_user)


def subject() -> str:
    return sms_codes.identifier_subject(Identifier("phone", NUMBER))


def test_a_code_is_six_random_digits_kept_only_as_an_hmac(app_ctx, amina):
    codes = {sms_codes.issue("sign_in", sms_codes.identifier_subject(Identifier("username", f"u{n}")), amina)
             for n in range(20)}
    assert all(len(code) == 6 and code.isdigit() for code in codes) and len(codes) > 15
    code = sms_codes.issue("sign_in", subject(), amina)
    db.session.commit()
    row = db.session.scalar(select(SmsCode).where(SmsCode.subject == subject()))
    stored = " ".join(str(value) for value in (row.subject, row.code_hash, row.purpose, row.user_id))
    assert code not in stored and NUMBER not in stored and len(row.code_hash) == 64
    assert sms_codes.check("sign_in", subject(), code).right


def test_a_right_code_works_once(app_ctx, amina):
    code = sms_codes.issue("sign_in", subject(), amina)
    assert sms_codes.check("sign_in", subject(), code).outcome == "right"
    assert sms_codes.check("sign_in", subject(), code).outcome == "used"
    other = f"{(int(code) + 1) % 10**6:06d}"
    assert sms_codes.check("sign_in", subject(), other).outcome == "wrong"  # "used" only to who has the code


def test_a_new_code_replaces_the_old(app_ctx, amina):
    first = sms_codes.issue("sign_in", subject(), amina)
    second = sms_codes.issue("sign_in", subject(), amina)
    if first != second:
        assert sms_codes.check("sign_in", subject(), first).outcome == "wrong"
    assert sms_codes.check("sign_in", subject(), second).outcome == "right"
    assert db.session.scalar(select(db.func.count(SmsCode.id))) == 1


def test_a_code_dies_after_its_tries_even_the_right_one(app, app_ctx, amina):
    code = sms_codes.issue("sign_in", subject(), amina)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    tries = app.config["SMS_CODE_ATTEMPTS"]
    assert [sms_codes.check("sign_in", subject(), wrong).outcome for _ in range(tries)] == ["wrong"] * tries
    assert sms_codes.check("sign_in", subject(), code).outcome == "spent"


def test_a_code_past_its_time_is_refused(app_ctx, amina, frozen_clock):
    asked_at = clock.utcnow()
    code = sms_codes.issue("sign_in", subject(), amina)
    frozen_clock(asked_at + timedelta(minutes=10, seconds=1))
    assert sms_codes.check("sign_in", subject(), code).outcome == "expired"
    frozen_clock(asked_at + timedelta(minutes=9))
    assert sms_codes.check("sign_in", subject(), code).outcome == "right"


def test_a_code_works_only_for_its_purpose_account_and_number(app_ctx, create_user, amina):
    rosa = confirmed_member(create_user, "rosa", phone="+51912345678")
    code = sms_codes.issue("sign_in", subject(), amina)
    assert sms_codes.check("recover", subject(), code).outcome == "wrong"
    rosas = sms_codes.identifier_subject(Identifier("phone", rosa.phone))
    assert sms_codes.check("sign_in", rosas, code).outcome == "wrong"
    amina.phone = "+51955555555"  # the number changed since the code went
    db.session.flush()
    assert sms_codes.check("sign_in", subject(), code).outcome == "wrong"


def test_an_identifier_without_account_has_a_code_that_nobody_has(app_ctx):
    code = sms_codes.issue("sign_in", subject(), None)
    checked = sms_codes.check("sign_in", subject(), code)
    assert not checked.right and checked.user is None


@pytest.mark.parametrize("typed, code", [("123456", "123456"), (" 123 456 ", "123456"), ("123-456", "123456"),
                                         ("১২৩৪৫৬", "123456"), ("١٢٣٤٥٦", "123456"), ("១២៣៤៥៦", "123456"),
                                         ("12345", None), ("1234567", None), ("12345a", None), ("", None)])
def test_a_code_is_read_in_any_script_of_digits(typed, code):
    assert sms_codes.typed_code(typed) == code


def test_erasing_an_account_deletes_its_codes(app_ctx, amina):
    from lms.privacy.services import erase_account

    sms_codes.issue("sign_in", subject(), amina)
    sms_codes.issue("confirm_phone", sms_codes.account_subject(amina), amina)
    sms_codes.issue("sign_in", sms_codes.identifier_subject(Identifier("username", "nobody")), None)
    erase_account(amina)
    db.session.commit()
    assert db.session.scalars(select(SmsCode.user_id)).all() == [None]
