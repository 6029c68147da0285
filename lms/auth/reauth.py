"""Re-authentication before changes that could hand an account or a role to someone else (OWASP ASVS 3.7.1).

- A new password, e-mail address or phone number (the ways to sign in and to recover an account) is
  saved only with the account's current password typed in the same form.
- Changing someone's role needs a password confirmed in the last ``REAUTH_MINUTES``: signing in counts,
  being kept signed in by the remember cookie does not.

Every password typed to confirm a change is counted first, atomically, under the same limit as sign-ins
(lms/auth/throttle.py), so that a burst of guesses sent at one moment from an open session cannot pass it.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, session, url_for
from flask_babel import gettext as _

from lms import clock
from lms.auth import services, throttle


def password_is_right(user, password: str | None) -> bool:
    """Checks ``password`` against ``user``'s, once the check is counted (``TooManyAnswers`` past the limit)."""
    throttle.spend("SIGN_IN_LIMIT_ACCOUNT", "password confirmations", f"user:{user.id}")
    return bool(password) and services.verify_password(user, password)


def mark_confirmed() -> None:
    session["password_at"] = int(clock.timestamp())


def recently_confirmed() -> bool:
    confirmed_at = session.get("password_at")
    return confirmed_at is not None and clock.timestamp() - confirmed_at <= current_app.config["REAUTH_MINUTES"] * 60


def confirm_first(next_url: str):
    """Sends the browser to confirm the password, then back to ``next_url``."""
    flash(_("For your safety, please type your password again before this change."), "info")
    return redirect(url_for("auth.confirm_password", next=next_url))
