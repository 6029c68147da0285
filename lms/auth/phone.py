"""Confirming a member's phone number: a code by SMS, typed on /profile/phone or sent back by SMS.

No other SMS goes to a number until it is confirmed (lms/messaging/channels.py ``may_text``). A new number is
unconfirmed again (lms/models/users.py), and the codes sent to the old one stop working.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms import clock, signals
from lms.auth import sms_codes, throttle
from lms.core.phone_display import shown  # noqa: F401  (the pages' way to write a number)
from lms.extensions import db
from lms.messaging.channels import chosen_channels, default_channel, may_text, serves
from lms.messaging.outbox import queue_sms
from lms.models import User
from lms.vocabulary import MESSAGE_TOPICS


def why_no_code(user: User) -> str | None:
    """Why no confirmation code can go to ``user``'s number, in the reader's language; None if one can."""
    if not user.phone:
        return _("Your profile has no phone number. Add it to your profile first.")
    if not serves(user.phone):
        return _("We cannot send SMS to numbers of this country.")
    if user.sms_stopped_at is not None:
        return _("You replied STOP, so we send no SMS to this number. To receive them again, send START by SMS.")
    return None


def send_code(user: User, language: str, address: str) -> None:
    """A new confirmation code to ``user``'s number (flushed); TooManyAnswers beyond the limits of codes sent."""
    sms_codes.count_send(user.phone, address)
    code = sms_codes.issue("confirm_phone", sms_codes.account_subject(user), user)
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


def confirm(user: User, typed: str) -> str:
    """Check the code typed for ``user``'s number (the try counted); "right" confirms the number (flushed).
    The outcomes of ``sms_codes.check``."""
    checked = sms_codes.check("confirm_phone", sms_codes.account_subject(user), typed)
    if checked.right:
        user.phone_confirmed_at = clock.utcnow()
        db.session.flush()
    return checked.outcome


def confirmed_text(language: str) -> str:
    with force_locale(language):
        return _("Your number is confirmed.")


@signals.sms_received.connect
def _code_sent_back(phone: str, text: str = "", **_extra) -> None:
    """A member who replies to the code with the code confirms the number it came from; they get a word back."""
    code = sms_codes.typed_code(text)
    if code is None:
        return
    user = db.session.scalar(select(User).where(User.phone == phone))
    if user is None or user.phone_confirmed_at is not None or not user.is_active:
        return
    if confirm(user, code) == "right" and may_text(user):
        queue_sms(phone, confirmed_text(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]), "service",
                  user=user)


@signals.contact_changed.connect
def _contact_changed(user: User, fields=(), **_extra) -> None:
    if "phone" in fields:
        sms_codes.forget(user)


@signals.account_erased.connect
def _account_erased(user: User, **_extra) -> None:
    sms_codes.forget(user)
