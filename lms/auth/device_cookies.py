"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): the browser where a member
signed in is told apart from everyone else's, so that strangers who name her account cannot keep her out on her own
phone, neither by pausing the account with wrong passwords nor by spending her number's budget of codes.

After every sign-in (a password, a code by SMS, a one-time password, sign-up: ``start_session``) the browser gets a
long-lived cookie (``DEVICE_COOKIE_DAYS``) with one entry per account signed in there, newest first, at most
``DEVICE_COOKIE_ACCOUNTS``. An entry is a random nonce, the day it was made, and an HMAC (lms/core/keyed.py) of both
with the account's id and its password hash. It holds no account id, and without SECRET_KEY nothing in it links it to
an account, nor two entries of one account on two phones to each other: whoever reads the phone's cookies learns only
that the portal was used there. The server recognises an entry only for an account a form names (the identifier or
number typed), by computing the HMAC again for it.

Where the browser carries an entry of the account named:
- sign-in attempts (a password or a code typed) count for that account on that device (``SIGN_IN_LIMIT_ACCOUNT``, its
  own count) instead of the identifier's and the account's shared counts; the per-address count stays;
- codes asked for (to sign in, to choose a new password) count against ``SMS_CODE_LIMIT_DEVICE`` for that account on
  that device instead of the number's budgets, from this address and from all (lms/auth/sms_codes.py).
A stranger carries no entry for the account: for them nothing changes, and no answer depends on anyone's cookie.

A new password changes the HMAC, so it ends every entry of the account (a stolen phone keeps nothing once the member
changes her password elsewhere, or an administrator sets one); the browser where the member changed it herself, or
chose it with a code, gets a new entry. Suspension and erasure need nothing more: such an account cannot sign in,
whatever the cookie, and an erased one has no password. Signing out keeps the cookie: it names a device, not a session.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user

from lms import clock, signals
from lms.auth import services
from lms.core.keyed import keyed_digest
from lms.models import User

#: Longest cookie read: DEVICE_COOKIE_ACCOUNTS entries of about 60 characters fit with room to spare.
LONGEST_COOKIE = 1024
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    """One account's entry in the cookie: ``nonce``, ``day`` (days since 1970) and ``mac``."""

    nonce: str
    day: int
    mac: str

    def __str__(self) -> str:
        return f"{self.nonce}-{self.day}-{self.mac}"


def today() -> int:
    return (clock.utcnow() - EPOCH).days


def mac_of(nonce: str, day: int, user_id: int, password_hash: str) -> str:
    return keyed_digest("device-cookies", nonce, day, user_id, password_hash)[:32]


def new_entry(user: User, nonce: str | None = None) -> Entry:
    """An entry for ``user`` made today, with a new nonce unless ``nonce`` (the one its entry here had) is given."""
    nonce, day = nonce or secrets.token_hex(8), today()
    return Entry(nonce, day, mac_of(nonce, day, user.id, user.password_hash))


def read(value: str | None) -> tuple[Entry, ...]:
    """The well-formed entries of a cookie younger than ``DEVICE_COOKIE_DAYS``, at most ``DEVICE_COOKIE_ACCOUNTS``;
    anything else in it is ignored."""
    config, oldest, entries = current_app.config, today() - current_app.config["DEVICE_COOKIE_DAYS"], []
    for part in (value or "")[:LONGEST_COOKIE].split(".")[:config["DEVICE_COOKIE_ACCOUNTS"]]:
        nonce, _, rest = part.partition("-")
        day, _, mac = rest.partition("-")
        if len(nonce) == 16 and day.isdigit() and len(day) < 8 and len(mac) == 32 and oldest < int(day) <= today():
            entries.append(Entry(nonce, int(day), mac))
    return tuple(entries)


def key_for(entries: tuple[Entry, ...], user: User | None) -> str | None:
    """The key counting ``user`` on this device if one of ``entries`` is the account's, else None: its nonce, which
    a new sign-in there keeps (``remember``), so that the owner signing in gives nobody there a fresh count."""
    entry = _entry(entries, user.id, user.password_hash) if user is not None else None
    return "device:" + entry.nonce if entry is not None else None


def _entry(entries: tuple[Entry, ...], user_id: int, password_hash: str) -> Entry | None:
    found = None
    for entry in entries:  # every entry is checked: the time does not tell which one is the account's
        if hmac.compare_digest(entry.mac, mac_of(entry.nonce, entry.day, user_id, password_hash)) and found is None:
            found = entry
    return found


# In a request ------------------------------------------------------------------------------------------------

def cookie_name() -> str:
    return current_app.config["DEVICE_COOKIE_NAME"]


def carried() -> tuple[Entry, ...]:
    """The entries this request's browser carries."""
    if "device_entries" not in g:
        g.device_entries = read(request.cookies.get(cookie_name()))
    return g.device_entries


@dataclass(frozen=True)
class Named:
    """The account a form names that this device is recognised for, and its key."""

    user_id: int
    key: str


def named_here() -> Named | None:
    """The account named by the form's identifier (its username, e-mail address or phone number: every account a
    sign-in with it tries) if this browser carries its entry; the same work for every identifier."""
    if "device_named" not in g:
        g.device_named = None
        entries = carried()
        if entries:  # without a cookie (every stranger) nothing is looked up
            candidates, checks = services.sign_in_candidates(request.form.get("identifier") or "")
            for index in range(max(checks, len(candidates))):
                user = candidates[index] if index < len(candidates) else None
                key = key_for(entries, user) if user is not None else _entry(entries, 0, "")  # the same work
                if key is not None and user is not None and g.device_named is None:
                    g.device_named = Named(user.id, key)
    return g.device_named


def key_named_here() -> str | None:
    """The key of the account the form names on this device, if the browser carries its entry (see ``named_here``)."""
    named = named_here()
    return named.key if named is not None else None


def remember(user: User) -> None:
    """This browser gets a new entry for ``user`` (written with the response), first, in place of the account's
    old one (whose nonce it keeps, and so its count); the oldest beyond ``DEVICE_COOKIE_ACCOUNTS`` go."""
    entries = carried()
    old = _entry(entries, user.id, user.password_hash)
    others = [entry for entry in entries if entry != old]
    fresh = new_entry(user, old.nonce if old is not None else None)
    kept = (fresh, *others)[:current_app.config["DEVICE_COOKIE_ACCOUNTS"]]
    g.device_entries = kept
    g.device_cookie = ".".join(str(entry) for entry in kept)


def write(response):
    """After each request: set the cookie made in this one, if any."""
    value = g.pop("device_cookie", None)
    if value is not None:
        config = current_app.config
        response.set_cookie(cookie_name(), value, max_age=timedelta(days=config["DEVICE_COOKIE_DAYS"]), path="/",
                            secure=config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response


def register(app: Flask) -> None:
    app.after_request(write)


@signals.password_changed.connect
def _password_changed(user, by=None, **_extra) -> None:
    """A new password ends the account's entries everywhere (the HMAC changes); the browser where the member chose
    it herself (signed in, or named by a code form this browser was recognised for) gets a new one."""
    if by is None or by.id != user.id or not has_request_context():
        return
    named = g.get("device_named")
    signed_in_here = current_user.is_authenticated and current_user.id == user.id
    if signed_in_here or (named is not None and named.user_id == user.id):
        remember(user)
