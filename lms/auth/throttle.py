"""Slowing down password guessing (OWASP ASVS 2.2.1) and account discovery, with Flask-Limiter.

Sign-in attempts are counted in a moving window *before* the password is checked, so that attempts sent at
the same moment cannot get past the limit (the store counts atomically): after ``SIGN_IN_LIMIT_ACCOUNT``
attempts naming one account, or ``SIGN_IN_LIMIT_ADDRESS`` from one address (a training room shares one
address, so that limit is higher), further attempts are refused with a translated 429 page until the oldest
leaves the window; the owner is never locked out for good. A successful sign-in counts too, and does not
clear the count: clearing it would hand whoever guesses a fresh allowance each time the owner signs in, and
ten sign-ins to one account in 15 minutes is more than anyone needs. An identifier that finds an account is
counted under the account, so its username, e-mail address and phone number share one count; one that finds
none under the normal form of what was typed (``lms/auth/identifiers.py``), so other spellings share it.

"Already used" answers at sign-up (and in the profile) tell whether a username, phone number or e-mail
address has an account: ``SIGN_UP_TAKEN_LIMIT`` of them per address, counted before the answer is given. Once
they are spent, every sign-up (and every profile change of phone or e-mail) from that address gets the same 429
until the oldest leaves the window, whatever it names: a 429 only for taken names would itself say "taken".

Counts live in Redis in production (``RATELIMIT_STORAGE_URI``), so every worker shares them; in memory
otherwise.

Views are marked with the guards below; ``register`` gives each app its own limiter and applies
them, so that two apps in one process (the tests make many) never share their counts.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import limits
from flask import Flask, current_app, g, render_template, request
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user

from lms.auth.identifiers import sign_in_identifier
from lms.auth.services import find_by_identifier

log = logging.getLogger(__name__)


def submitted_account() -> str:
    """The account a sign-in names: its id when the identifier finds one, so that its username, e-mail
    address and phone number share one count; else the identifier's normal form, hashed so that no name is
    kept in the store. Known and unknown accounts get the same allowance."""
    user = find_by_identifier(request.form.get("identifier") or "")
    if user is not None:
        return f"account:id:{user.id}"
    return "account:" + sign_in_identifier(request.form.get("identifier")).key


def signed_in_account() -> str:
    return f"user:{current_user.get_id()}"


def setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


@dataclass(frozen=True)
class Rule:
    """One limit on a view: how many attempts (``setting``) per what (``key``).

    Every attempt counts, before the view runs, so that a burst of requests sent at one moment cannot get
    past the limit (counting only failures after the view would let them through).
    """

    setting: str
    key: Callable[[], str]
    scope: str
    methods: tuple[str, ...] | None = ("POST",)


def throttled(*rules: Rule):
    def mark(view):
        view.throttles = (*getattr(view, "throttles", ()), *rules)
        return view

    return mark


#: Sign-in attempts, per account named and per address, counted before the password is checked.
guard_sign_in = throttled(Rule("SIGN_IN_LIMIT_ACCOUNT", submitted_account, "sign-in account"),
                          Rule("SIGN_IN_LIMIT_ADDRESS", get_remote_address, "sign-in address"))
#: Group codes that can be guessed: tries per account.
guard_join_code = throttled(Rule("CODE_LIMIT", signed_in_account, "join code"))
#: Certificate codes that can be guessed: look-ups per address.
guard_certificate_code = throttled(Rule("CODE_LIMIT", get_remote_address, "certificate code", methods=None))


def apply(limiter: Limiter, rule: Rule, view):
    methods = list(rule.methods) if rule.methods else None
    return limiter.limit(setting(rule.setting), key_func=rule.key, methods=methods, scope=rule.scope)(view)


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
    except Exception:  # noqa: BLE001 - the store is away: answer as Flask-Limiter's own fallback would
        log.warning("rate-limit store unreachable; %s not counted", scope)
        return
    if not allowed:
        raise TooManyAnswers(item.get_expiry())


def refuse_when_taken_answers_spent() -> None:
    """Before a form that could say "already used" is read: TooManyAnswers if this address has spent its
    ``SIGN_UP_TAKEN_LIMIT``, so that the refusal does not depend on what the form names. Nothing is counted."""
    limiter: Limiter = current_app.extensions["throttle"]
    item = limits.parse(current_app.config["SIGN_UP_TAKEN_LIMIT"])
    keys = (current_app.config["RATELIMIT_KEY_PREFIX"], "already-used answers", get_remote_address())
    try:
        if limiter.limiter.test(item, *keys):
            return
        reset_at = limiter.limiter.get_window_stats(item, *keys).reset_time
    except Exception:  # noqa: BLE001 - the store is away: as in ``spend``
        log.warning("rate-limit store unreachable; already-used answers not checked")
        return
    raise TooManyAnswers(max(1, math.ceil(reset_at - time.time())))


def count_taken_answer() -> None:
    """Before a form says a username, phone number or e-mail address is already used: once per request,
    ``SIGN_UP_TAKEN_LIMIT`` per address."""
    if g.get("taken_answer_counted"):
        return
    g.taken_answer_counted = True
    spend("SIGN_UP_TAKEN_LIMIT", "already-used answers", get_remote_address())


def too_many_attempts(error: RateLimitExceeded | TooManyAnswers):
    seconds = error.seconds if isinstance(error, TooManyAnswers) else error.limit.limit.get_expiry()
    minutes = max(1, round(seconds / 60))
    message = ngettext("Too many attempts. For your safety, please wait %(num)d minute and try again.",
                       "Too many attempts. For your safety, please wait %(num)d minutes and try again.", minutes)
    response = current_app.make_response((render_template("core/error.html", code=429, message=message), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


def register(app: Flask) -> Limiter:
    """After the blueprints: this app's limiter, wrapped around every marked view."""
    limiter = Limiter(key_func=get_remote_address, strategy="moving-window", app=app)
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
