"""Confirming a member's phone number: a code by SMS, typed on /profile/phone or sent back by SMS.

No other SMS goes to a number until it is confirmed (lms/messaging/channels.py ``may_text``). A new number is
unconfirmed again (lms/models/users.py), and the codes sent to the old one stop working.

Anyone may type any number, so several accounts may hold one; each gets its own code. The number belongs to
whoever confirms it: confirming it unconfirms it on every other account that holds it (their codes forgotten,
the audit log told), in the same transaction; the database keeps at most one confirmed holder.
"""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms import clock, signals
from lms.auth import sms_codes, throttle
from lms.core.identifiers import Identifier
from lms.core.phone_display import shown  # noqa: F401  (the pages' way to write a number)
from lms.extensions import db
from lms.i18n import member_language
from lms.messaging.channels import chosen_channels, default_channel, may_text, serves
from lms.messaging.keywords import answer, confirmed_holder, keyword
from lms.messaging.numbers import is_stopped
from lms.messaging.outbox import queue_sms
from lms.messaging.segments import folded_for
from lms.models import SmsCode, User
from lms.vocabulary import MESSAGE_TOPICS


def why_no_code(user: User) -> str | None:
    """Why no confirmation code can go to ``user``'s number, in the reader's language; None if one can.

    A number not confirmed by this account is treated alike whatever it did: that it replied STOP (a code then goes
    nowhere, lms/messaging/delivery.py), or that its codes are spent, would tell whoever typed someone else's number
    that a phone texted a union's portal. The pages say in general words why a code may not come."""
    if not user.phone:
        return _("Your profile has no phone number. Add it to your profile first.")
    if not serves(user.phone):
        return _("We cannot send SMS to numbers of this country.")
    if user.phone_confirmed_at is not None and user.sms_stopped_at is not None:
        return _("You replied STOP, so we send no SMS to this number. To receive them again, send START by SMS.")
    return None


def send_code(user: User, language: str, address: str) -> None:
    """A new confirmation code to ``user``'s number (flushed); TooManyAnswers beyond the limits of codes sent, and
    then the code the account has stays, with the tries it had: a new code that goes nowhere would give a stranger
    fresh tries at guessing (outside tester 2c). An account with no code yet gets one all the same, sent to nobody,
    so that its tries are counted alike whether or not strangers spent the number's codes (outside tester 2b)."""
    subject = sms_codes.account_subject(user)
    try:
        sms_codes.count_send(user.phone, address)
    except throttle.TooManyAnswers:
        if not sms_codes.has_code("confirm_phone", subject):
            sms_codes.issue("confirm_phone", subject, user)
        raise
    code = sms_codes.issue("confirm_phone", subject, user)
    sms_codes.send(user, "confirm_phone", code, language)


def send_code_if_allowed(user: User, language: str, address: str) -> bool:
    """``send_code``, or nothing beyond the limits; whether a code went."""
    try:
        send_code(user, language, address)
    except throttle.TooManyAnswers:
        return False
    return True


def waits_for_confirmation(user: User) -> bool:
    """Whether ``user`` is to be reached by SMS about a topic (their choice, or the default) at a number that
    can be confirmed and is not yet."""
    if user.phone_confirmed_at is not None or why_no_code(user) is not None:
        return False
    chosen = chosen_channels(user)
    return any((chosen.get(topic) or default_channel(user)) == "sms" for topic in MESSAGE_TOPICS)


def confirm(user: User, typed: str, holder: bool = False) -> str:
    """Check the code typed for ``user``'s number (the try counted); "right" confirms the number (flushed), and
    it is no longer confirmed on any other account. The outcomes of ``sms_codes.check``, and "spent" beyond
    SMS_CONFIRM_TRIES a day for the account or SMS_CONFIRM_TRIES_NUMBER for the number, whatever the code: whoever
    typed someone else's number gets no more than that many guesses (outside tester 2c). The number's count is not
    spent by its ``holder``, a code sent back by SMS from the number itself: strangers who spend the count on the
    page cannot keep a member from confirming by replying (outside tester 2d). A device cookie proves nothing here:
    every stranger has one for his own account."""
    try:
        throttle.spend("SMS_CONFIRM_TRIES", "confirmation tries", f"account:id:{user.id}")
        if not holder:
            throttle.spend("SMS_CONFIRM_TRIES_NUMBER", "confirmation tries number",
                           Identifier("phone", user.phone).key)
    except throttle.TooManyAnswers:
        return "spent"
    checked = sms_codes.check("confirm_phone", sms_codes.account_subject(user), typed)
    if checked.right:
        take_number(user)
    return checked.outcome


def take_number(user: User) -> None:
    """``user``'s number is confirmed as theirs (flushed): every other account holding it keeps it unconfirmed,
    and the codes sent to them stop working (``signals.phone_confirmed_elsewhere``)."""
    for other in db.session.scalars(select(User).where(User.phone == user.phone, User.id != user.id)):
        was_confirmed = other.phone_confirmed_at is not None
        other.phone_confirmed_at = None
        sms_codes.forget(other)
        if was_confirmed:
            signals.phone_confirmed_elsewhere.send(other)
    db.session.flush()  # the other confirmation goes first: the index allows one
    user.phone_confirmed_at = clock.utcnow()
    db.session.flush()


def confirmed_text(language: str) -> str:
    """The answer to a code sent back that confirmed the number: who writes, and what happened."""
    with force_locale(language):
        return folded_for(_("%(portal)s: your number is confirmed.", portal=_("Fair Work Learning")), language)


@signals.sms_received.connect
def _code_sent_back(phone: str, text: str = "", **_extra) -> bool:
    """A member who replies to the code with the code confirms the number it came from; they get a word back.
    True for any text that is a code (the code receiver answers it, right code or not, account or not).

    Not when another account has the number confirmed: whoever signs up with a member's number would otherwise have
    it moved to their account by the member's own reply (the member replies to a code SMS as the portal invites,
    and then signs in by code into the stranger's account). Moving a confirmed number takes the code typed on the
    page of the account that asked for it; a reply that confirms nothing gets an answer that says so."""
    code = None if keyword(text) else sms_codes.typed_code(text)  # "STOP 123456" is a STOP
    if code is None:
        return False
    if confirmed_holder(phone) is not None:
        _type_it_on_the_page(phone)
        return True
    # Each account holding the number unconfirmed has its own code: the one whose code it is confirms it. The code
    # is tried on each account with a code waiting (a try counted on each), so a wrong one gets no more tries.
    waiting = db.session.scalars(
        select(User).join(SmsCode, (SmsCode.user_id == User.id) & (SmsCode.purpose == "confirm_phone"))
        .where(User.phone == phone, User.phone_confirmed_at.is_(None), User.erased_at.is_(None))
        .order_by(SmsCode.created_at.desc()))
    for user in list(waiting):
        if not user.is_active or confirm(user, code, holder=True) != "right":
            continue
        if may_text(user):
            language = member_language(user)
            queue_sms(phone, confirmed_text(language), "service", user=user)
        return True
    _type_it_on_the_page(phone)
    return True


def _type_it_on_the_page(phone: str) -> None:
    """The answer to a code sent back that confirms nothing: the same for every number (with an account or not,
    confirmed or not), so that whoever holds a phone learns nothing from it; none to a number that replied STOP."""
    if not is_stopped(phone):
        answer(phone, "type_code")


@signals.contact_changed.connect
def _contact_changed(user: User, fields=(), **_extra) -> None:
    if "phone" in fields:
        sms_codes.forget(user)


@signals.account_erased.connect
def _account_erased(user: User, **_extra) -> None:
    sms_codes.forget(user)
