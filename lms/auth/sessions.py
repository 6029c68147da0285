"""Signed-in sessions in the browser: started at sign-in, checked on every request, ended for good.

Every signed-in session has a row on the server (``lms/auth/session_store.py``); the signed session cookie
only carries its random id. On each request (OWASP ASVS 3.2, 3.3, 3.5):

- The row must exist, belong to the account and not be over: a session ends after ``SESSION_IDLE_MINUTES``
  without a request and ``SESSION_MAX_HOURS`` after signing in, whatever the activity. "Keep me signed in"
  is the exception its name promises: no idle limit, and an end ``REMEMBER_DAYS`` after signing in (not
  moved by activity). A session whose row is gone (signed out elsewhere, ended by a change of password,
  contact, role or by erasure) or over is ended in the browser too, with a message, and the member is sent
  to sign in.
- Flask-Login loads the account only through the row (``load_user``), so that no cookie, copied, older
  than the row, or Flask-Login's own remember cookie, can sign anyone in.
- Signing in starts from an empty session: nothing from before carries over (a CSRF secret, a half-filled
  form), only the interface language chosen, and that only if the account has none in its profile.
- Signing in also leaves a device cookie (``lms/auth/device_cookies.py``), which outlives the session: on that
  browser the account's sign-in attempts and codes are counted apart from strangers'.
- "Keep me signed in" is a remember cookie of our own (split token, rotated at each use: see the store). It
  is checked first on every request that carries it: an old copy (someone else used the cookie since) ends
  every session of the account, is written to the audit log, and the person is sent to sign in with a message.
- A change that could hand the account to someone else ends the account's other sessions: a new
  password, phone number, e-mail address or role, and erasure (the signals of ``lms/signals.py``). When
  someone else makes the change (a coordinator promoting a member, an administrator), every session of
  the account ends.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, has_request_context, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy.exc import OperationalError

from lms import clock, signals
from lms.auth import device_cookies, devices, session_store
from lms.auth.session_store import Limits
from lms.core import audit
from lms.extensions import db
from lms.i18n import language_chooser
from lms.models import User

#: The Flask session key holding the session's random id (the server keeps only its hash).
SESSION_ID = "sid"
#: Requests that need no account, and are not worth a database query. The service worker's script is
#: fetched beside pages: were it to restore a kept session, it could race the page for the remember cookie.
UNCHECKED = frozenset({"static", "core.healthz", "core.favicon", "learn.service_worker"})


def limits() -> Limits:
    return Limits.from_config(current_app.config)


def safe_next(default: str) -> str:
    """The ?next= page if it is on this site, else ``default``."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    # Browsers read "/\\evil.example" as "//evil.example", and drop tabs and newlines inside addresses.
    odd = "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme and not odd:
        return target
    return default


def clear_session(user: User | None = None) -> None:
    """Forget everything in the session but the interface language chosen (?lang=). For an account signing
    in (``user``) it is kept if that account chose it, or has none in its profile: else the profile's wins
    over a language a previous visitor or member of a shared phone chose."""
    language, chooser = session.get("lang"), session.get("lang_by")
    session.clear()
    if language and (user is None or not user.locale or chooser == language_chooser(user.id)):
        session["lang"], session["lang_by"] = language, chooser


@dataclass(frozen=True)
class RememberCookie:
    value: str
    expires: datetime


def current_record():
    """This request's session row, if the session cookie names one that exists (over or not)."""
    if "user_session" not in g:
        found = session_store.find(session.get(SESSION_ID), g.pop("read_with_session", None))
        # The account came in the same query; held here, it stays in the identity map, where load_user finds it.
        g.user_session, g.session_account = (found.record, found.user) if found is not None else (None, None)
        g.read_with_session_rows = found.alongside if found is not None else None
    return g.user_session


def read_with_session(query, parameters: dict) -> None:
    """Have ``query`` (with ``parameters``) read in the same query as this request's session, for the session's
    account (``session_store.SESSION_ACCOUNT``); for a page's first read, asked for before the session is looked up
    (a blueprint's ``url_value_preprocessor``). ``rows_read_with_session`` gives its rows."""
    g.read_with_session = (query, parameters)


def rows_read_with_session(user_id: int | None) -> list[tuple] | None:
    """The rows read with this request's session, if they were and the session is ``user_id``'s; else None."""
    record = g.get("user_session")
    rows = g.get("read_with_session_rows")
    if user_id is None or record is None or rows is None or record.user_id != user_id:
        return None
    return rows


def current_session_id() -> int | None:
    """The id of this request's session row (to keep it when the member changes their own password)."""
    if not has_request_context():
        return None
    record = current_record()
    # The row's identity, read without loading it: it may have been deleted in this request (erasure).
    return sa.inspect(record).identity[0] if record is not None else None


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the account of this session's row, if the row lasts and is the account's."""
    record = current_record()
    if record is None or str(record.user_id) != str(user_id) or session_store.why_over(
            record, clock.utcnow(), limits()):
        return None
    user = db.session.get(User, record.user_id)
    return user if user is not None and user.is_active else None


def _attach(user: User, opened: session_store.Opened, *, fresh: bool) -> None:
    session[SESSION_ID] = opened.session_id
    g.user_session = opened.record
    if fresh:
        login_user(user)  # sends user_logged_in: the audit log writes the sign-in
        session["password_at"] = int(clock.timestamp())  # a password typed now (lms/auth/reauth.py)
    else:  # restored by the remember cookie: the account is loaded through the row
        session["_user_id"], session["_fresh"] = str(user.id), False
    if opened.remember_token:
        g.remember_cookie = RememberCookie(opened.remember_token, opened.record.expires_at)
    else:
        g.forget_remember = True


def start_session(user: User, remember: bool = False) -> None:
    """Sign ``user`` in on this browser: a new session row (flushed) and a new session; the view commits."""
    old = current_session_id()
    if old is not None:
        session_store.end_session_record(old)
    clear_session(user)
    browser, system = devices.describe(request.user_agent.string)
    opened = session_store.open_session(user, now=clock.utcnow(), remembered=bool(remember), limits=limits(),
                                        browser=browser, system=system)
    _attach(user, opened, fresh=True)
    device_cookies.remember(user)


def end_session() -> None:
    """Sign out on this browser: the session row is deleted (the session ends wherever its cookie went)."""
    record_id = current_session_id()
    if record_id is not None:
        session_store.end_session_record(record_id)
    g.user_session = None
    logout_user()
    clear_session()
    g.forget_remember = True


#: Pages a visitor may see: a session found over there is ended and the page shown, with the message.
SIGN_IN_PAGES = frozenset({"auth.sign_in", "auth.sign_up"})


def _sent_to_sign_in(message: str):
    end_session()
    db.session.commit()
    flash(message, "info")
    if request.endpoint in SIGN_IN_PAGES and request.method == "GET":
        return None
    back = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.sign_in", next=back))


def end_stale_session():
    """Before each request: check this session's row; end a session that is gone or over, and say why;
    restore a kept session from its remember cookie."""
    if request.endpoint in UNCHECKED:
        return None
    now = clock.utcnow()
    cookie = request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"])
    if cookie and (owner := session_store.stolen_from(cookie, now)) is not None:
        _audit_reuse(owner)
        return _sent_to_sign_in(_("Someone else used this device's “Keep me signed in”, so we signed your "
                                  "account out everywhere. Please sign in again, and change your password."))
    if session.get("_user_id") is not None:
        record = current_record()
        if record is None or str(record.user_id) != str(session["_user_id"]):
            return _sent_to_sign_in(_("You were signed out on this device. Please sign in again."))
        if session_store.why_over(record, now, limits()):
            return _sent_to_sign_in(_("You were signed out after a while without activity, to protect your "
                                      "account on a shared phone. Please sign in again."))
        _note_seen(record, now)
        return None
    if cookie:
        _restore(cookie, now)
    return None


def _audit_reuse(user_id: int) -> None:
    audit.record("end session: remember cookie reused", {"account": user_id}, actor=f"account {user_id}")


def _restore(cookie: str, now: datetime) -> None:
    restored = session_store.restore(cookie, now, limits())
    if restored.outcome == "restored":
        opened = restored.opened
        user = db.session.get(User, opened.record.user_id)
        clear_session(user)
        _attach(user, opened, fresh=False)
    elif restored.outcome == "reused":  # used at the same moment as another request's check
        _audit_reuse(restored.user_id)
        g.forget_remember = True
    elif restored.outcome != "raced":
        g.forget_remember = True
    db.session.commit()


def _note_seen(record, now: datetime) -> None:
    """"Last seen", at most once in ``RESOLUTION``; a database busy with another writer skips it."""
    try:
        if session_store.touch(record, now):
            db.session.commit()
    except OperationalError:  # SQLite busy with another writer: the next request notes it
        db.session.rollback()


def write_remember_cookie(response):
    """After each request: set the remember cookie made for this request, or delete one that is over."""
    config = current_app.config
    name = config["REMEMBER_COOKIE_NAME"]
    options = {"path": "/", "secure": config["REMEMBER_COOKIE_SECURE"],
               "httponly": config["REMEMBER_COOKIE_HTTPONLY"], "samesite": config["REMEMBER_COOKIE_SAMESITE"]}
    cookie = g.pop("remember_cookie", None)
    if cookie is not None:
        response.set_cookie(name, cookie.value, expires=session_store.as_utc(cookie.expires), **options)
    elif g.pop("forget_remember", False) and name in request.cookies:
        response.delete_cookie(name, **options)
    return response


def register(app: Flask) -> None:
    """Before anything reads ``current_user``: the session is checked (and restored) first."""
    app.before_request(end_stale_session)
    app.after_request(write_remember_cookie)
    device_cookies.register(app)


# Changes that end the account's other sessions ---------------------------------------------------------

def _end_after_change(user: User, by: User | None) -> None:
    """The member changed it themself: their other sessions end, and this one goes on under a new id (and a
    new remember token), so that copies of its cookies end too; someone else did: all of them end."""
    keep = current_record() if by is not None and by.id == user.id and has_request_context() else None
    if keep is not None and keep.user_id != user.id:
        keep = None
    session_store.end_sessions(user.id, keep=keep.id if keep is not None else None)
    if keep is not None:
        opened = session_store.renew(keep)
        session[SESSION_ID] = opened.session_id
        if opened.remember_token:
            g.remember_cookie = RememberCookie(opened.remember_token, opened.record.expires_at)


@signals.password_changed.connect
def _password_changed(user, by=None, **_extra) -> None:
    _end_after_change(user, by)


@signals.contact_changed.connect
def _contact_changed(user, by=None, **_extra) -> None:
    _end_after_change(user, by)


@signals.role_changed.connect
def _role_changed(user, by=None, **_extra) -> None:
    _end_after_change(user, by)


@signals.account_erased.connect
def _account_erased(user, by=None, **_extra) -> None:
    session_store.end_sessions(user.id)
    if has_request_context() and session.get("_user_id") == str(user.id):
        g.user_session = None  # this session was the account's: it is gone too
