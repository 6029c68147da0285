"""Signing in with a code by SMS: a second way in beside the password.

A number typed gets a code if its account takes account codes by SMS (lms/messaging/channels.py: a confirmed number
the gateway serves, not stopped, an active account); every number gets the same answer and a code row
(lms/auth/sms_codes.py), so neither tells which has an account. The code signs in once, as the password does (the
view starts the session); a code refused is a failed sign-in in the audit log. The sign-in limits
(lms/auth/throttle.py) count each code typed as they count a password.
"""
from __future__ import annotations

from collections.abc import Callable

from lms import signals
from lms.auth import device_cookies, services, sms_codes
from lms.core.identifiers import Identifier, read_typed_phone
from lms.messaging.channels import channel_for
from lms.models import User
from lms.permissions import works_as_staff


def may_have_code(user: User) -> bool:
    """Members only: a staff account opens every member's records, so it is not opened by whoever holds its SIM."""
    return user.is_active and not works_as_staff(user) and channel_for(user, "account_codes") == "sms"


def number_of(raw: str) -> Identifier:
    """The number typed, as the sign-in reads it (the form checked that it is one)."""
    return Identifier("phone", read_typed_phone(raw) or "")


def named_by(number: Identifier) -> User | None:
    """The account that confirmed the number, if any: an unconfirmed number reaches nobody (anyone may type any,
    and several accounts may hold it)."""
    return services.confirmed_holder(number.value) if number.value else None


def ask(raw: str, language: str, address: str,
        devices: tuple[device_cookies.Entry, ...] = ()) -> Callable[[], None] | None:
    """A code for the number typed (flushed, whatever it names); the sender to run after the answer, if the number
    is an account's that may have one. ``devices``: the browser's device cookie (its own budget for its accounts)."""
    number = number_of(raw)
    return sms_codes.ask("sign_in", number, named_by(number), language, address, may_have_code, devices)


def account_for_code(raw: str, typed: str) -> sms_codes.Checked:
    """Whether ``typed`` is the code sent to the number typed (the try counted, a right code used up); a code
    refused sends ``signals.sign_in_failed`` with the account it was sent to, if any."""
    number = number_of(raw)
    named = named_by(number)
    device = device_cookies.key_for(device_cookies.carried(), named)
    checked = sms_codes.check("sign_in", sms_codes.subject_of(number, named, device), sms_codes.typed_code(typed) or "")
    if checked.right and not may_have_code(checked.user):  # made staff, suspended or another channel since
        checked = sms_codes.Checked("wrong", checked.user)
    if not checked.right:
        signals.sign_in_failed.send(checked.user, reason="code by SMS refused")
    return checked
