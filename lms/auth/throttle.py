"""Slowing down password guessing (OWASP ASVS 2.2.1) with Flask-Limiter.

Only *failed* attempts count, in a moving window, so the owner is never locked out for good: after
``SIGN_IN_LIMIT_ACCOUNT`` failures on one account, or ``SIGN_IN_LIMIT_ADDRESS`` from one address
(a training room shares one address, so that limit is higher), further attempts are refused with a
translated 429 page until the oldest failure leaves the window. Counts live in Redis in production
(``RATELIMIT_STORAGE_URI``), so every worker shares them; in memory otherwise.

Views are marked with the guards below; ``register`` gives each app its own limiter and applies
them, so that two apps in one process (the tests make many) never share their counts.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, render_template, request
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user


def failed(response) -> bool:
    """The form came back with its errors: a failed attempt (a redirect is a success; an outage is neither)."""
    return response.status_code in (200, 400)


def wrong_password_given(_response) -> bool:
    return bool(g.get("wrong_password"))


def unknown_code(response) -> bool:
    return response.status_code == 404


def submitted_account() -> str:
    """The account a sign-in names, spelled as the sign-in finds it; hashed, so no name is kept in the store."""
    identifier = (request.form.get("identifier") or "").strip().lower()[:254]
    return "account:" + hashlib.sha256(identifier.encode()).hexdigest()[:32]


def signed_in_account() -> str:
    return f"user:{current_user.get_id()}"


def setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


@dataclass(frozen=True)
class Rule:
    """One limit on a view: how many failures (``setting``) per what (``key``), counted when ``counts``."""

    setting: str
    key: Callable[[], str]
    counts: Callable
    scope: str
    #: Views with the same shared scope count together.
    shared: bool = False
    methods: tuple[str, ...] | None = ("POST",)


def throttled(*rules: Rule):
    def mark(view):
        view.throttles = (*getattr(view, "throttles", ()), *rules)
        return view

    return mark


#: Failed sign-ins, per account named and per address.
guard_sign_in = throttled(Rule("SIGN_IN_LIMIT_ACCOUNT", submitted_account, failed, "sign-in account"),
                          Rule("SIGN_IN_LIMIT_ADDRESS", get_remote_address, failed, "sign-in address"))
#: Wrong passwords typed by a signed-in account to confirm a change, in any form (same limit as signing in).
guard_password_confirmation = throttled(Rule("SIGN_IN_LIMIT_ACCOUNT", signed_in_account, wrong_password_given,
                                             "password confirmations", shared=True))
#: Group codes that can be guessed: failed tries per account.
guard_join_code = throttled(Rule("CODE_LIMIT", signed_in_account, failed, "join code"))
#: Certificate codes that can be guessed: unknown codes per address.
guard_certificate_code = throttled(Rule("CODE_LIMIT", get_remote_address, unknown_code, "certificate code",
                                        methods=None))


def apply(limiter: Limiter, rule: Rule, view):
    methods = list(rule.methods) if rule.methods else None
    if rule.shared:
        return limiter.shared_limit(setting(rule.setting), rule.scope, key_func=rule.key, methods=methods,
                                    deduct_when=rule.counts)(view)
    return limiter.limit(setting(rule.setting), key_func=rule.key, methods=methods, deduct_when=rule.counts,
                         scope=rule.scope)(view)


def too_many_attempts(error: RateLimitExceeded):
    seconds = error.limit.limit.get_expiry()
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
    return limiter
