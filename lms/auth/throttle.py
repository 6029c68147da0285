"""Slowing down password guessing (OWASP ASVS 2.2.1) and account discovery, with Flask-Limiter.

Sign-in attempts are counted in a moving window *before* the password is checked, so that attempts sent at
the same moment cannot get past the limit (the store counts atomically). A 429 is decided by two counts only:
the identifier as typed (its normal form, ``lms/core/identifiers.py``, so other spellings share it) beyond
``SIGN_IN_LIMIT_ACCOUNT``, and the address beyond ``SIGN_IN_LIMIT_ADDRESS`` (a training room shares one address,
so that limit is higher). The account an identifier finds has a third count, shared by its username, e-mail
address and phone number, used silently: beyond ``SIGN_IN_LIMIT_ACCOUNT`` the password is not checked and the
answer is the wrong password's. A 429 decided by the account would link its phone and e-mail (ten tries naming
one, then one naming the other) and lock its owner out. What remains: anyone can pause an account for the
window by naming it ten times; the owner is never locked out for good. A successful sign-in counts too, and
does not clear the counts: clearing them would hand whoever guesses a fresh allowance each time the owner
signs in.

Sign-up tells whether a username, phone number or e-mail address has an account, so it is asked only of a
form valid in every other way, and each answer is paid for by the address: an answer "already used" from
``SIGN_UP_TAKEN_LIMIT`` (as is every profile change of phone or e-mail), an account made from the larger
``SIGN_UP_LIMIT``. Once either is spent, every sign-up (and every profile change of phone or e-mail) from that
address gets the same 429 until the oldest leaves the window, whatever it names.

On a device where the account named signed in (its device cookie, lms/auth/device_cookies.py), the account's
silent count is replaced by a count of that account on that device: strangers naming it by another of its names then
do not pause the owner on her own phone. The counts that answer 429 stay the same on every device: a 429 lifted by a
device cookie would tell whoever holds the device (a workplace PC) that a number's owner signed in there.

Per-address counts take an IPv4 address whole and an IPv6 address by its /64: a household or a phone gets a
whole /64 and can change the rest at will.

Counts live in Redis in production (``RATELIMIT_STORAGE_URI``), so every worker shares them; in memory
otherwise.

Views are marked with the guards below; ``register`` gives each app its own limiter and applies
them, so that two apps in one process (the tests make many) never share their counts.
"""
from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import limits
from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user

from lms.auth import device_cookies
from lms.core.identifiers import sign_in_identifier
from lms.models import User

log = logging.getLogger(__name__)


def visitor_address() -> str:
    """The address the per-address limits count: an IPv4 address whole, an IPv6 address by its /64."""
    raw = get_remote_address() or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(address) >> 64 << 64, 64)))
    return str(address)


def typed_identifier() -> str:
    """The identifier a sign-in names, in its normal form and hashed so that no name is kept in the store: the
    same key whether an account has it or not."""
    return "identifier:" + sign_in_identifier(request.form.get("identifier")).key


def account_may_try(user: User) -> bool:
    """Count a sign-in attempt under the account found (its username, e-mail address and phone number share
    one count; on a device where it signed in, the account on that device); False beyond ``SIGN_IN_LIMIT_ACCOUNT``,
    and then the password is not checked. Never a 429."""
    device = device_cookies.key_for(device_cookies.carried(), user)
    try:
        if device is not None:
            spend("SIGN_IN_LIMIT_ACCOUNT", "sign-in account on device", device)
        else:
            spend("SIGN_IN_LIMIT_ACCOUNT", "sign-in account", f"account:id:{user.id}")
    except TooManyAnswers:
        return False
    return True


def signed_in_account() -> str:
    return f"user:{current_user.get_id()}"


def setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


@dataclass(frozen=True)
class Rule:
    """One limit on a view: how many attempts (``setting``) per what (``key``).

    Every attempt counts, before the view runs, so that a burst of requests sent at one moment cannot get
    past the limit (counting only failures after the view would let them through). A ``shared`` rule counts
    in one budget for every view it guards; otherwise each view has its own.
    """

    setting: str
    key: Callable[[], str]
    scope: str
    methods: tuple[str, ...] | None = ("POST",)
    shared: bool = False


def throttled(*rules: Rule):
    def mark(view):
        view.throttles = (*getattr(view, "throttles", ()), *rules)
        return view

    return mark


#: Sign-in attempts, per identifier typed and per address, counted before the password is checked; a code by SMS
#: typed to sign in or to choose a new password (lms/auth/sms_views.py) counts in the same budgets. The same on every
#: device: a 429 that a device cookie lifted would tell whoever holds that device (a workplace PC) that the owner of
#: the number typed signed in there (outside tester 2b); only the silent counts are per device.
guard_sign_in = throttled(Rule("SIGN_IN_LIMIT_ACCOUNT", typed_identifier, "sign-in identifier", shared=True),
                          Rule("SIGN_IN_LIMIT_ADDRESS", visitor_address, "sign-in address", shared=True))
#: "Forgot your password?" (lms/auth/recovery.py): requests per identifier typed and per address, counted before the
#: account is looked for, so that the 429 says nothing of it; links per account are counted there, silently.
guard_recovery = throttled(Rule("RECOVERY_LIMIT_IDENTIFIER", typed_identifier, "recovery identifier"),
                           Rule("RECOVERY_LIMIT_ADDRESS", visitor_address, "recovery address"))
def typed_identifier_from_address() -> str:
    """The identifier typed (as ``typed_identifier``) with the address that types it: a budget one address spends
    without spending the owner's."""
    return typed_identifier() + "@" + visitor_address()


#: "Sign in with a code by SMS": codes asked for per number typed from each address, and per address, counted before
#: the account is looked for (lms/auth/sms_codes.py counts, silently, the codes that go to each number). Not per number
#: alone: a 429 there would let anyone keep a number's owner from codes by asking three times. The same on every
#: device (a 429 lifted by a device cookie would tell the device's holder whose number it is); the silent budgets
#: per number are per device on the owner's (lms/auth/sms_codes.py).
guard_sms_code = throttled(Rule("SMS_CODE_LIMIT_NUMBER_ADDRESS", typed_identifier_from_address,
                                "sms code identifier"),
                           Rule("SMS_CODE_LIMIT_ADDRESS", visitor_address, "sms code address"))
#: Group codes that can be guessed: tries per account.
guard_join_code = throttled(Rule("CODE_LIMIT", signed_in_account, "join code"))
#: Certificate codes that can be guessed: look-ups per address.
guard_certificate_code = throttled(Rule("CODE_LIMIT", visitor_address, "certificate code", methods=None))


def apply(limiter: Limiter, rule: Rule, view):
    methods = list(rule.methods) if rule.methods else None
    limit = limiter.shared_limit if rule.shared else limiter.limit
    return limit(setting(rule.setting), key_func=rule.key, methods=methods, scope=rule.scope)(view)


class TooManyAnswers(Exception):
    """A limit counted in a view (not around it) was reached; ``seconds``: how long to wait."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def spend(setting: str, scope: str, key: str) -> None:
    """Count one attempt now under ``key`` (atomically in the store); TooManyAnswers beyond the limit."""
    limiter: Limiter = current_app.extensions["throttle"]
    item = limits.parse(current_app.config[setting])
    try:
        allowed = limiter.limiter.hit(item, current_app.config["RATELIMIT_KEY_PREFIX"], scope, key)
    except Exception:  # the store is away: answer as Flask-Limiter's own fallback would
        log.warning("rate-limit store unreachable; %s not counted", scope)
        return
    if not allowed:
        raise TooManyAnswers(item.get_expiry())


def has_room(setting: str, scope: str, key: str) -> bool:
    """Whether ``spend`` would count one more under ``key`` now, without counting it."""
    limiter: Limiter = current_app.extensions["throttle"]
    item = limits.parse(current_app.config[setting])
    try:
        return limiter.limiter.test(item, current_app.config["RATELIMIT_KEY_PREFIX"], scope, key)
    except Exception:  # the store is away: as ``spend``
        return True


#: The two budgets of an address at sign-up: answers "already used" (and profile changes of phone or e-mail),
#: and accounts made.
SIGN_UP_BUDGETS = (("SIGN_UP_TAKEN_LIMIT", "already-used answers"), ("SIGN_UP_LIMIT", "sign-ups"))


def refuse_when_sign_ups_spent() -> None:
    """Before a sign-up (or a profile change of phone or e-mail) is read: TooManyAnswers if this address has
    spent either budget, so that the refusal does not depend on what the form names. Nothing is counted."""
    for setting, scope in SIGN_UP_BUDGETS:
        refuse_when_spent(setting, scope, visitor_address())


def refuse_when_spent(setting: str, scope: str, key: str) -> None:
    """TooManyAnswers if ``key`` has spent the budget ``setting`` counts under ``scope``; nothing is counted."""
    limiter: Limiter = current_app.extensions["throttle"]
    item = limits.parse(current_app.config[setting])
    keys = (current_app.config["RATELIMIT_KEY_PREFIX"], scope, key)
    try:
        if limiter.limiter.test(item, *keys):
            return
        reset_at = limiter.limiter.get_window_stats(item, *keys).reset_time
    except Exception:  # the store is away: as in ``spend``
        log.warning("rate-limit store unreachable; %s not checked", scope)
        return
    # reset_at is on Flask-Limiter's clock (time.time), not lms.clock: compare on the same clock.
    raise TooManyAnswers(max(1, math.ceil(reset_at - time.time())))


#: A trainer's list of new accounts says which of its usernames are taken (a username is often a name): each
#: such answer is counted per account, and a spent budget refuses every list, whatever it names.
BULK_TAKEN = ("SIGN_UP_TAKEN_LIMIT", "bulk already-used answers")


def count_taken_answer() -> None:
    """Before a form says whether a username, phone number or e-mail address is already used without making
    an account: ``SIGN_UP_TAKEN_LIMIT`` per address."""
    spend("SIGN_UP_TAKEN_LIMIT", "already-used answers", visitor_address())


def count_sign_up() -> None:
    """Before an account is made at sign-up: ``SIGN_UP_LIMIT`` per address."""
    spend("SIGN_UP_LIMIT", "sign-ups", visitor_address())


def too_many_attempts(error: RateLimitExceeded | TooManyAnswers):
    seconds = error.seconds if isinstance(error, TooManyAnswers) else error.limit.limit.get_expiry()
    minutes = max(1, round(seconds / 60))
    message = ngettext("Too many attempts. For your safety, please wait %(num)d minute and try again.",
                       "Too many attempts. For your safety, please wait %(num)d minutes and try again.", minutes)
    note = None
    if request.endpoint == "auth.sign_up":
        note = _("Trainers signing up a whole room: on your group's page, \"Create the accounts\" makes them all "
                 "at once, with a one-time password each.")
    elif request.endpoint in ("auth.forgot_password", "auth.recover_by_code"):
        note = _("If you cannot wait, ask the trainer of your group to reset your password.")
    response = current_app.make_response((render_template("core/error.html", code=429, message=message, note=note),
                                          429))
    response.headers["Retry-After"] = str(seconds)
    return response


def register(app: Flask) -> Limiter:
    """After the blueprints: this app's limiter, wrapped around every marked view."""
    limiter = Limiter(key_func=visitor_address, strategy="moving-window", app=app)
    for endpoint, view in list(app.view_functions.items()):
        rules = getattr(view, "throttles", ())
        for rule in rules:
            view = apply(limiter, rule, view)
        if rules:
            app.view_functions[endpoint] = view
    app.extensions["throttle"] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_attempts)
    app.register_error_handler(TooManyAnswers, too_many_attempts)
    return limiter
