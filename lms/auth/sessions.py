"""Signed-in sessions: a new one at each sign-in, and an end after idleness or age (OWASP ASVS 3.2, 3.3).

- Signing in starts from an empty session: nothing from before (a CSRF secret, a half-filled form)
  carries over, only the chosen interface language.
- A session ends after ``SESSION_IDLE_MINUTES`` without a request, and ``SESSION_MAX_HOURS`` after
  signing in, whatever the activity. "Keep me signed in" is the exception its name promises: such a
  session has no idle limit, and ends with its remember cookie, ``REMEMBER_COOKIE_DURATION`` after
  signing in.
"""
from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie

#: Seconds between two refreshes of the "last seen" time: not every request needs to rewrite the cookie.
SEEN_RESOLUTION = 60


def clear_session() -> None:
    """Forget everything in the session but the chosen interface language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def end_session() -> None:
    logout_user()
    clear_session()


def start_session(user, remember: bool = False) -> None:
    clear_session()
    login_user(user, remember=remember)
    now = int(time.time())
    session.update(signed_in_at=now, seen_at=now, remembered=remember, password_at=now)


@user_loaded_from_cookie.connect
def _restored_from_remember_cookie(_app, user) -> None:
    """A browser that kept the remember cookie: a new session, still a remembered one."""
    now = int(time.time())
    session.update(signed_in_at=session.get("signed_in_at", now), seen_at=now, remembered=True)


def end_stale_session():
    """Before each request: sign out a session idle or old beyond the limits, and say why."""
    if not current_user.is_authenticated or request.endpoint in ("static", "core.healthz"):
        return None
    now = int(time.time())
    config = current_app.config
    signed_in_at, seen_at = session.get("signed_in_at", now), session.get("seen_at", now)
    idle = not session.get("remembered") and now - seen_at > config["SESSION_IDLE_MINUTES"] * 60
    old = not session.get("remembered") and now - signed_in_at > config["SESSION_MAX_HOURS"] * 3600
    if idle or old:
        end_session()
        flash(_("You were signed out after a while without activity, to protect your account on a shared "
                "phone. Please sign in again."), "info")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    if now - seen_at >= SEEN_RESOLUTION:
        session["seen_at"] = now
    return None
