"""STOP and START by SMS, and the messages of an erased account.

A reply of STOP, or its word in one of the portal's languages (case, accents, spaces and punctuation forgiven),
stops SMS to the account whose confirmed number sent it (``users.sms_stopped_at``; lms/messaging/channels.py then
sends it nothing, lms/messaging/delivery.py holds back what was queued); START turns them on again. Each change
is confirmed once, in the member's language, by a "service" message, which goes even to a stopped number.
A word that changes nothing (STOP from a number already stopped, or from a number no account confirmed) gets no
answer, and a number gets at most ANSWERS_PER_DAY answers a day, however often it switches: a stranger cannot
make the portal text someone by sending STOP from their number. Any other text is left to the other receivers
of ``signals.sms_received``.
"""
from __future__ import annotations

import unicodedata
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import clock, signals
from lms.extensions import db
from lms.i18n import DEFAULT_LANGUAGE
from lms.messaging.outbox import queue_sms
from lms.models import TextMessage, User

#: Words that stop SMS: English; French, Spanish, Portuguese, Dutch, Indonesian, Vietnamese, Khmer, Burmese,
#: Bengali, Arabic, Swahili.
STOP_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "ARRÊT", "ALTO", "BAJA", "PARAR", "PARE", "SAIR", "STOPPEN",
              "AFMELDEN", "BERHENTI", "DỪNG", "NGỪNG", "ឈប់", "ရပ်", "ရပ်ပါ", "বন্ধ", "থামুন", "توقف", "إيقاف",
              "SIMAMA", "ACHA")
#: Words that start them again, in the same languages ("Đ" has no unaccented form in Unicode: both spellings).
START_WORDS = ("START", "UNSTOP", "DÉMARRER", "INICIO", "INICIAR", "STARTEN", "AANMELDEN", "MULAI", "BẮT ĐẦU",
               "BAT DAU", "ចាប់ផ្តើម", "ចាប់ផ្ដើម", "စတင်", "শুরু", "ابدأ", "ANZA")
#: Answers to STOP and START one number gets in a day, at most.
ANSWERS_PER_DAY = 3


def folded(text: str) -> str:
    """``text`` as keywords are compared: case folded, without accents (non-spacing marks), spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "Mc")


KEYWORDS = {**{folded(word): "stop" for word in STOP_WORDS}, **{folded(word): "start" for word in START_WORDS}}


def keyword(text: str) -> str | None:
    """"stop", "start", or None when ``text`` is neither."""
    return KEYWORDS.get(folded(text))


def obey(number: str, action: str) -> User | None:
    """Stop or start SMS for the account whose number is ``number`` (flushed), and answer it in its language, within
    ANSWERS_PER_DAY; the account, if this changed it. Confirmed or not: the one who holds the phone decides, so that
    someone who gave a stranger's number cannot have confirmation codes sent to it against its owner's STOP."""
    user = db.session.scalar(select(User).where(User.phone == number, User.erased_at.is_(None)))
    stopping = action == "stop"
    if user is None or (user.sms_stopped_at is None) != stopping:
        return None
    user.sms_stopped_at = clock.utcnow() if stopping else None
    db.session.flush()
    # An unconfirmed number gets no answer: whoever holds a phone someone typed must not learn from it that the
    # number was given to the portal.
    if user.phone_confirmed_at is not None and answers_today(user) < ANSWERS_PER_DAY:
        queue_sms(number, confirmation(action, user.locale), "service", user=user)
    return user


def answers_today(user: User) -> int:
    """"service" messages to ``user`` in the last day (answers to STOP and START, a number's first code)."""
    return db.session.scalar(select(func.count()).select_from(TextMessage).where(
        TextMessage.user_id == user.id, TextMessage.kind == "service",
        TextMessage.created_at >= clock.utcnow() - timedelta(days=1)))


def confirmation(action: str, language: str | None) -> str:
    """The answer to STOP or START, in ``language``."""
    with force_locale(language or DEFAULT_LANGUAGE):
        if action == "stop":
            return _("%(portal)s: you will get no more SMS from us. To get them again, reply START.",
                     portal=_("Fair Work Learning"))
        return _("%(portal)s: you will get our SMS again. To stop them, reply STOP.", portal=_("Fair Work Learning"))


def forget_messages(user_id: int) -> None:
    """An erased account's messages keep neither the number, nor the text, nor the account (flushed)."""
    db.session.execute(sa.update(TextMessage).where(TextMessage.user_id == user_id)
                       .values(phone=None, text=None, user_id=None).execution_options(synchronize_session=False))


@signals.sms_received.connect
def _sms_received(number: str, text: str = "", **_extra) -> None:
    action = keyword(text)
    if action:
        obey(number, action)


@signals.account_erased.connect
def _account_erased(user: User, **_extra) -> None:
    forget_messages(user.id)
