"""Six-digit codes sent by SMS: to confirm a phone number, to choose a new password, to sign in.

A code is random (``secrets``) and never stored: its row keeps an HMAC (``SECRET_KEY``) of the code with its
purpose, the account and the number it went to, so a code works only for what, whom and where it was sent. It
works ``SMS_CODE_MINUTES`` and once; each code typed counts, and at ``SMS_CODE_ATTEMPTS`` it is dead; a new code
replaces the old. Codes asked for are counted per address (``SMS_CODE_LIMIT_ADDRESS``), and new codes per account (or
per identifier that names none) from each address (``SMS_CODE_LIMIT_NUMBER_ADDRESS``) and from all together
(``SMS_CODE_LIMIT_NUMBER``): beyond either no new code is made, so that asking again gives no fresh tries; codes sent
are counted the same way per number. The budget of one address for a number is lower than the number's, so that one
address cannot spend the number's and keep its owner from codes; the number's still caps the SMS a phone gets. Asked
from a device where the account signed in (its device cookie, lms/auth/device_cookies.py), codes count against
``SMS_CODE_LIMIT_DEVICE`` for the account on that device instead, so that strangers who spend the number's budgets
do not keep the owner from codes on her own phone. None of these limits changes what the pages answer
(lms/auth/throttle.py).

"Forgot your password?" and "Sign in with a code" give every identifier typed a row, whether or not an SMS goes
(to nobody, the code is one nobody knows): what follows (wrong, expired, too many tries) is then the same
whether or not the identifier names an account. A code typed is answered "already used" only when it is the
right one, which an attacker does not have.
"""
from __future__ import annotations

import hmac
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import clock
from lms.auth import device_cookies, throttle
from lms.auth.session_store import as_utc
from lms.core.identifiers import Identifier
from lms.core.keyed import keyed_digest
from lms.database.portable import insert_new
from lms.extensions import db
from lms.messaging.delivery import hand_over_all
from lms.messaging.outbox import queue_sms
from lms.messaging.segments import folded_for
from lms.models import SmsCode, TextMessage, User

log = logging.getLogger(__name__)

DIGITS = 6
#: The kind of SMS each purpose sends (lms/vocabulary.py SMS_KINDS): a phone's first code is a service message.
KINDS = {"confirm_phone": "service", "recover": "account_codes", "sign_in": "account_codes"}
#: Rows expired longer than this are deleted whenever a code is made.
KEPT_AFTER_EXPIRY = timedelta(days=1)


def _digest(*parts: object) -> str:
    return keyed_digest("sms-codes", *parts)


def account_subject(user: User) -> str:
    """Whom a confirmation code is for: the account."""
    return _digest("account", user.id)


def identifier_subject(identifier: Identifier) -> str:
    """Whom a code asked for with an identifier that names no account is for: the identifier, in its normal form."""
    return _digest("identifier", identifier.kind, identifier.value)


def subject_of(identifier: Identifier, named: User | None, device: str | None = None) -> str:
    """Whom a code asked for with ``identifier`` is for: the account it names, so that its username, number and
    e-mail address share one code and one count of tries; else the identifier itself. Asked on the account's own
    device (``device``, its key: lms/auth/device_cookies.py), the account on that device: a stranger's wrong tries or
    new request, made without her cookie, then neither use up nor replace the code she asked for on her phone
    (outside tester 2d)."""
    if named is not None and device is not None:
        return _digest("account on device", named.id, device)
    return account_subject(named) if named is not None else identifier_subject(identifier)


def code_digest(purpose: str, user: User | None, code: str) -> str:
    """The HMAC kept of ``code``: bound to its purpose, its account and the account's number now."""
    return _digest("code", purpose, user.id if user else None, user.phone if user else None, code)


def minutes() -> int:
    return current_app.config["SMS_CODE_MINUTES"]


#: A word before a code sent back by SMS ("code 037294", "Code: 037294"): letters of any script, then ":" or not.
WORD_BEFORE_CODE = re.compile(r"^\s*[^\W\d_]{1,12}\s*:?\s*(?=\S)")


def typed_code(raw: str | None) -> str | None:
    """The code as typed, in ASCII digits (a phone may type Bengali, Arabic, Khmer or Burmese ones), spaces and
    dashes dropped, and one word before it ("code 037294"); None unless it is six digits."""
    digits = []
    for character in WORD_BEFORE_CODE.sub("", raw or "", count=1):
        if character.isspace() or character in "-.":
            continue
        value = unicodedata.decimal(character, None)
        if value is None:
            return None
        digits.append(str(value))
    code = "".join(digits)
    return code if len(code) == DIGITS else None


def issue(purpose: str, subject: str, user: User | None) -> str:
    """A new code for ``subject`` (flushed), replacing the row's old one; returned to be sent, never stored.
    ``user``: the account it goes to, None when it goes to nobody."""
    now = clock.utcnow()
    db.session.execute(sa.delete(SmsCode).where(SmsCode.expires_at < now - KEPT_AFTER_EXPIRY))
    code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    fresh = {"user_id": user.id if user else None, "code_hash": code_digest(purpose, user, code),
             "created_at": now, "expires_at": now + timedelta(minutes=minutes()), "attempts": 0, "used_at": None}
    if not insert_new(SmsCode, [{"purpose": purpose, "subject": subject, **fresh}], ["purpose", "subject"]):
        db.session.execute(sa.update(SmsCode).where(SmsCode.purpose == purpose, SmsCode.subject == subject)
                           .values(**fresh).execution_options(synchronize_session=False))
    db.session.flush()
    return code


def has_code(purpose: str, subject: str) -> bool:
    """Whether ``subject`` has a code for ``purpose`` that still works (not expired, not used)."""
    return db.session.scalar(select(func.count()).select_from(SmsCode).where(
        SmsCode.purpose == purpose, SmsCode.subject == subject, SmsCode.expires_at > clock.utcnow(),
        SmsCode.used_at.is_(None))) > 0


@dataclass(frozen=True)
class Checked:
    """What a code typed gave: ``outcome`` is "right", "wrong", "expired", "used" or "spent" (too many tries);
    ``user``: the account the code was sent to (None if none)."""

    outcome: str
    user: User | None = None

    @property
    def right(self) -> bool:
        return self.outcome == "right" and self.user is not None


def check(purpose: str, subject: str, typed: str) -> Checked:
    """Whether ``typed`` is the code of ``subject`` for ``purpose``; the try is counted, and a right code is
    used up (flushed: the caller commits, whatever the outcome)."""
    row = db.session.scalar(select(SmsCode).where(SmsCode.purpose == purpose, SmsCode.subject == subject))
    if row is None:
        code_digest(purpose, None, typed)  # the same work as for a row
        return Checked("wrong")
    user = db.session.get(User, row.user_id) if row.user_id is not None else None
    matches = hmac.compare_digest(row.code_hash, code_digest(purpose, user, typed))
    now = clock.utcnow()
    if row.used_at is not None:
        return Checked("used" if matches else "wrong", user)
    if now >= as_utc(row.expires_at):
        return Checked("expired", user)
    counted = db.session.execute(
        sa.update(SmsCode).where(SmsCode.id == row.id, SmsCode.used_at.is_(None),
                                 SmsCode.attempts < current_app.config["SMS_CODE_ATTEMPTS"])
        .values(attempts=SmsCode.attempts + 1).execution_options(synchronize_session=False))
    if counted.rowcount != 1:
        return Checked("spent", user)
    if not matches:
        return Checked("wrong", user)
    claimed = db.session.execute(
        sa.update(SmsCode).where(SmsCode.id == row.id, SmsCode.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False))
    return Checked("right" if claimed.rowcount == 1 else "used", user)


def forget(user: User) -> None:
    """Every code sent to ``user`` stops working (flushed)."""
    db.session.execute(sa.delete(SmsCode).where(SmsCode.user_id == user.id))


def code_text(purpose: str, code: str, language: str) -> str:
    """The SMS: the portal's name (so the member knows who writes), the code, what it is for, how long it works, and
    never to give it to anyone (someone who asks for it is stealing the account). One GSM-7 SMS in English and
    French (tests/auth/test_code_texts.py says which languages need two)."""
    return folded_for(_code_text(purpose, code, language), language)


def _code_text(purpose: str, code: str, language: str) -> str:
    with force_locale(language):
        portal, num = _("Fair Work Learning"), minutes()
        if purpose == "confirm_phone":
            return ngettext("%(portal)s: %(code)s is your code to confirm your phone number. It works %(num)d minute. "
                            "Never give it to anyone.",
                            "%(portal)s: %(code)s is your code to confirm your phone number. It works %(num)d "
                            "minutes. Never give it to anyone.", num, portal=portal, code=code)
        if purpose == "recover":
            return ngettext("%(portal)s: %(code)s is your code to choose a new password. It works %(num)d minute. "
                            "Never give it to anyone.",
                            "%(portal)s: %(code)s is your code to choose a new password. It works %(num)d minutes. "
                            "Never give it to anyone.", num, portal=portal, code=code)
        return ngettext("%(portal)s: %(code)s is your code to sign in. It works %(num)d minute. Never give it to "
                        "anyone.",
                        "%(portal)s: %(code)s is your code to sign in. It works %(num)d minutes. Never give it to "
                        "anyone.", num, portal=portal, code=code)


def spend_subject(scope: str, subject: str, address: str) -> None:
    """Count one code for ``subject`` (a number's key, or an account's) asked from ``address``: TooManyAnswers beyond
    ``SMS_CODE_LIMIT_NUMBER_ADDRESS`` for the pair, then beyond ``SMS_CODE_LIMIT_NUMBER`` for the subject. The pair is
    counted first, so that an address past its own budget spends no more of the subject's."""
    throttle.spend("SMS_CODE_LIMIT_NUMBER_ADDRESS", scope + " from", subject + "@" + address)
    throttle.spend("SMS_CODE_LIMIT_NUMBER", scope, subject)


def count_send(phone: str, address: str) -> None:
    """Count one code sent to ``phone`` from ``address``; TooManyAnswers (and nothing counted after it) beyond the
    number's limits (``spend_subject``) or ``SMS_CODE_LIMIT_ADDRESS`` for the address."""
    spend_subject("sms codes sent", Identifier("phone", phone).key, address)
    throttle.spend("SMS_CODE_LIMIT_ADDRESS", "sms codes sent from", address)


def send(user: User, purpose: str, code: str, language: str) -> TextMessage:
    """Queue ``code`` by SMS to ``user``'s number, in their language (``language`` if they chose none); flushed."""
    return queue_sms(user.phone, code_text(purpose, code, user.locale or language), KINDS[purpose], user=user)


def ask(purpose: str, identifier: Identifier, named: User | None, language: str, address: str,
        may_send: Callable[[User], bool], devices: tuple[device_cookies.Entry, ...] = ()) -> Callable[[], None] | None:
    """A code asked for with ``identifier`` (flushed), alike whatever it names: counted against the address
    (TooManyAnswers beyond SMS_CODE_LIMIT_ADDRESS, for every identifier) and, silently, against its subject from this
    address and from all (``spend_subject``: beyond either the code already made stays the one that works, with the
    tries it has had), or, if ``devices`` (the browser's device cookie) has the entry of ``named``, against
    ``SMS_CODE_LIMIT_DEVICE`` for it on that device instead; then a new row.
    If ``named`` (the account the identifier names) may have a code, the sender to run after the answer; else None
    and the code goes to nobody."""
    throttle.spend("SMS_CODE_LIMIT_ADDRESS", "sms codes asked from", address)
    device = device_cookies.key_for(devices, named)
    subject = subject_of(identifier, named, device)
    try:
        if device is not None:
            throttle.spend("SMS_CODE_LIMIT_DEVICE", "sms codes asked on device", device)
        else:
            spend_subject("sms codes asked for", subject, address)
    except throttle.TooManyAnswers:
        return None
    reachable = named if named is not None and may_send(named) else None
    if reachable is not None and not may_be_sent(reachable, address, device):
        # The code it has stays the one that works: a new one that would not go would silently replace the code
        # the member has (outside tester 2c), and the answer is the same either way.
        return None
    code = issue(purpose, subject, reachable)
    return sender(reachable.id, purpose, code, language, may_send, address, device) if reachable is not None else None


def may_be_sent(user: User, address: str, device: str | None) -> bool:
    """Whether the budgets ``deliver`` spends have room for one more code to ``user``'s number."""
    if device is not None:
        return throttle.has_room("SMS_CODE_LIMIT_DEVICE", "sms codes sent on device", device)
    subject = Identifier("phone", user.phone).key
    return (throttle.has_room("SMS_CODE_LIMIT_NUMBER_ADDRESS", "sms codes sent from", subject + "@" + address)
            and throttle.has_room("SMS_CODE_LIMIT_NUMBER", "sms codes sent", subject))


def sender(user_id: int, purpose: str, code: str, language: str,
           may_send: Callable[[User], bool], address: str, device: str | None = None) -> Callable[[], None]:
    """What to run once the answer has gone (lms/core/after_response.py): send ``code`` to the account if
    ``may_send(user)`` still says so and the number's limit allows, silently otherwise (nobody waits for an answer)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return lambda: deliver(app, user_id, purpose, code, language, may_send, address, device)


def deliver(app: Flask, user_id: int, purpose: str, code: str, language: str,
            may_send: Callable[[User], bool], address: str, device: str | None = None) -> None:
    """Send the code unless the number's limits (``spend_subject``), or, asked from the account's device (``device``,
    its key), ``SMS_CODE_LIMIT_DEVICE`` there, are spent."""
    with app.app_context():
        user = db.session.get(User, user_id)
        if user is None or not may_send(user):
            return
        try:  # the address was counted when the code was asked for, whatever the identifier named
            if device is not None:
                throttle.spend("SMS_CODE_LIMIT_DEVICE", "sms codes sent on device", device)
            else:
                spend_subject("sms codes sent", Identifier("phone", user.phone).key, address)
        except throttle.TooManyAnswers:
            log.info("a code was not sent by SMS: too many sent to the number")
            return
        message = send(user, purpose, code, language)
        db.session.commit()
        hand_over_all([message.id])  # the answer has gone already: to the gateway now, not at the job's next run


def public_refusal_message(outcome: str) -> str:
    """What the pages anyone may use (a code to sign in, to choose a new password) say of a code that did not work:
    one message for wrong, expired and too many tries, since all the names of an account share one code, and a
    state told apart would show that two names are one member's. "Already used" needs the right code."""
    if outcome == "used":
        return refusal_message(outcome)
    return _("This code is wrong or no longer works. Check the SMS, or ask for a new code.")


def refusal_message(outcome: str) -> str:
    """What a page says of a code that did not work, in the reader's language."""
    return {
        "expired": _("This code has expired. Please ask for a new one."),
        "used": _("This code was already used. Please ask for a new one."),
        "spent": _("Too many wrong tries with this code. Please ask for a new one."),
    }.get(outcome, _("This code is wrong. Check the SMS and type its 6 digits again."))
