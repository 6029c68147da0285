"""What the portal does with a text a member (or anyone) sends it: STOP, START, HELP, and the rest.

The first word of a text is its keyword (or a known two-word form, BAT DAU), in one of the portal's languages,
case, accents and punctuation forgiven: "Stop.", "STOP svp" and "stop please" stop; "stopped" does not (a whole
word must match). STOP is read wherever it begins a text, whatever follows, since a STOP missed costs more than
one read too eagerly; START only alone or with one more word ("START please", not "start the course"), since it
turns SMS on again.

STOP belongs to the number (lms/messaging/numbers.py): it is recorded with or without an account, so that the
holder of a mistyped number stops the codes meant for someone else too, and it stops every account holding the
number (``users.sms_stopped_at``); START undoes both. Nothing then goes to the number but the answers to its own
STOP, START and HELP (lms/messaging/channels.py ``may_text``, lms/messaging/delivery.py).

Every text gets an answer (kind "reply"): STOP and START are confirmed, HELP says who we are, how to stop, and
where to sign in, and a text that is neither a keyword nor a code that another receiver of ``signals.sms_received``
took (lms/messaging/callbacks.py) is counted (per day, no number, no text) and gets a short answer: we cannot
read replies, HELP and STOP. The answers are alike whether or not an account holds the number, so that they tell
whoever holds the phone nothing: they are written in the language of the number's country (lms/i18n), else the
default, never in an account's (an answer in a member's own language would show that a member has the number),
and their rows keep no account.
A number gets at most SMS_ANSWERS_PER_DAY answers a day, whatever it sends: a stranger cannot make the portal
text someone much by texting from their number, and the answers cost little.
"""
from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms import signals
from lms.extensions import db
from lms.i18n import DEFAULT_LANGUAGE, country_language
from lms.messaging import numbers
from lms.messaging.channels import country_of
from lms.messaging.outbox import queue_sms
from lms.messaging.segments import folded_for
from lms.models import TextMessage, User

#: Words that stop SMS: English; French, Spanish, Portuguese, Dutch, Indonesian, Vietnamese, Khmer, Burmese,
#: Bengali, Arabic, Swahili; and those the networks use (UNREG in Indonesia, HUY and TC in Vietnam).
STOP_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "ARRÊT", "DÉSABONNER", "DÉSINSCRIRE", "ALTO", "BAJA", "CANCELAR",
              "NO MÁS", "PARAR", "PARE", "SAIR", "STOPPEN", "UNREG", "HỦY", "TC", "أوقف", "SITISHA", "KUSITISHA",
              "AFMELDEN", "BERHENTI", "DỪNG", "NGỪNG", "ឈប់", "ရပ်", "ရပ်ပါ", "বন্ধ", "থামুন", "توقف", "إيقاف",
              "SIMAMA", "ACHA")
#: Words that start them again, in the same languages ("Đ" has no unaccented form in Unicode: both spellings).
START_WORDS = ("START", "UNSTOP", "DÉMARRER", "INICIO", "INICIAR", "STARTEN", "AANMELDEN", "MULAI", "BẮT ĐẦU",
               "BAT DAU", "ចាប់ផ្តើម", "ចាប់ផ្ដើម", "စတင်", "শুরু", "ابدأ", "ANZA")
#: Words that ask who we are and how to stop, in the same languages.
HELP_WORDS = ("HELP", "INFO", "AIDE", "AYUDA", "AJUDA", "BANTUAN", "HULP", "TRỢ GIÚP", "ជំនួយ", "အကူအညီ", "সাহায্য",
              "مساعدة", "MSAADA")
#: START may be followed by this many words at most ("START please"); STOP and HELP by any.
START_TRAILING_WORDS = 1


def is_word_character(character: str) -> bool:
    """Letters, digits and marks (a Khmer or Burmese vowel sign is part of its word); anything else separates."""
    return unicodedata.category(character)[0] in "LNM"


def folded(text: str) -> str:
    """``text`` as keywords are compared: case folded, without accents (non-spacing marks), spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "Mc")


def words(text: str) -> list[str]:
    """The words of ``text``, folded, in order (empty ones dropped)."""
    found, current = [], []
    for character in text:
        if is_word_character(character):
            current.append(character)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return [word for word in map(folded, found) if word]


KEYWORDS = {**{folded(word): "stop" for word in STOP_WORDS}, **{folded(word): "start" for word in START_WORDS},
            **{folded(word): "help" for word in HELP_WORDS}}
#: The keywords written in two words (BAT DAU, TRỢ GIÚP), folded into one.
TWO_WORD_KEYWORDS = {folded(word) for word in (*STOP_WORDS, *START_WORDS, *HELP_WORDS) if " " in word}


def keyword(text: str) -> str | None:
    """"stop", "start", "help", or None when ``text`` does not begin with one of their words."""
    found = words(text)
    if len(found) >= 2 and found[0] + found[1] in TWO_WORD_KEYWORDS:
        action, rest = KEYWORDS[found[0] + found[1]], found[2:]
    elif found:
        action, rest = KEYWORDS.get(found[0]), found[1:]
    else:
        return None
    if action == "start" and len(rest) > START_TRAILING_WORDS:
        return None
    return action


def holders(number: str) -> list[User]:
    """The accounts (not erased) holding ``number``: several may, confirmed or not."""
    return list(db.session.scalars(select(User).where(User.phone == number, User.erased_at.is_(None))
                                   .order_by(User.id)))


def confirmed_holder(number: str) -> User | None:
    """The account that confirmed ``number``, if one did (the latest, should there be more)."""
    return db.session.scalar(select(User).where(User.phone == number, User.erased_at.is_(None),
                                                User.phone_confirmed_at.is_not(None))
                             .order_by(User.phone_confirmed_at.desc(), User.id.desc()).limit(1))


def obey(number: str, action: str) -> list[User]:
    """Record STOP or START from ``number`` and apply it to every account holding it (flushed); those accounts."""
    stopping = action == "stop"
    numbers.set_stopped(number, stopping)
    accounts = holders(number)
    for user in accounts:
        if stopping and user.sms_stopped_at is None:
            user.sms_stopped_at = numbers.stop_time()
        elif not stopping:
            user.sms_stopped_at = None
    db.session.flush()
    return accounts


def answer_language(number: str) -> str:
    """The language of the answers to ``number``: its country's, else the default. Never its holder's: whoever held
    the phone a moment could tell from an answer in another language that a member's account has the number."""
    return country_language(country_of(number)) or DEFAULT_LANGUAGE


def answer(number: str, about: str) -> TextMessage | None:
    """The answer to a text from ``number`` (flushed): ``about`` is "stop", "start", "help", "unread" or
    "type_code"; None beyond SMS_ANSWERS_PER_DAY."""
    if not numbers.spend_answer(number):
        return None
    language = answer_language(number)
    # No account on the row: an answer's number is blanked once sent, and its account would keep who texted.
    return queue_sms(number, folded_for(answer_text(about, language), language), "reply")


def portal_address() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/")


def answer_text(about: str, language: str) -> str:
    """The answer to STOP, START, HELP or an unread text ("unread"), in ``language``."""
    with force_locale(language):
        portal = _("Fair Work Learning")
        if about == "stop":
            return _("%(portal)s: you will get no more SMS from us. To get them again, reply START.", portal=portal)
        if about == "start":
            return _("%(portal)s: you will get our SMS again. To stop them, reply STOP.", portal=portal)
        if about == "type_code":
            return _("%(portal)s: to confirm this number, type the code on the page where you asked for it.",
                     portal=portal)
        if about == "unread":  # short: one SMS in every Latin language, and the portal's name first (a locked phone)
            return _("%(portal)s: we cannot read replies. Reply HELP for help, or STOP to get no more SMS.",
                     portal=portal)
        return _("%(portal)s: to get no more SMS from us, reply STOP; to get them again, reply START. "
                 "Sign in at %(address)s", portal=portal, address=portal_address())


def confirmation(action: str, language: str | None) -> str:
    """The answer to STOP or START, in ``language``."""
    return answer_text(action, language or DEFAULT_LANGUAGE)


def unread(number: str) -> None:
    """A text from ``number`` that no receiver took (flushed): counted, and answered with the HELP answer unless
    the number replied STOP (it gets nothing but the answers to its own keywords)."""
    numbers.count_unread()
    if not numbers.is_stopped(number):
        answer(number, "unread")


def forget_messages(user_id: int) -> None:
    """An erased account's messages keep neither the number, nor the text, nor the account (flushed)."""
    db.session.execute(sa.update(TextMessage).where(TextMessage.user_id == user_id)
                       .values(phone=None, text=None, user_id=None).execution_options(synchronize_session=False))


@signals.sms_received.connect
def _sms_received(number: str, text: str = "", **_extra) -> bool:
    """STOP, START or HELP: obeyed and answered; True (the text was ours)."""
    action = keyword(text)
    if action is None:
        return False
    if action in ("stop", "start"):
        obey(number, action)
    answer(number, action)
    return True


@signals.account_erased.connect
def _account_erased(user: User, **_extra) -> None:
    forget_messages(user.id)
