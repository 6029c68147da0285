""""Forgot your password?": a link by e-mail, or a code by SMS, to choose a new one.

How an account recovers is its channel for account codes (lms/messaging/channels.py): a link to its e-mail address,
a code to its confirmed number, or nothing ("not at all"). Union membership is sensitive, so a visitor must not
learn from the answer whether an account exists, has an e-mail address or a number, or is suspended: every
identifier gets the same page, and the e-mail or SMS goes out after the answer (run when the response is closed),
so that the time of the answer does not tell either. With a gateway, every identifier also gets a code row
(lms/auth/sms_codes.py), so that what the code page answers does not tell either. Members reached neither way ask
the trainer of their group, who resets the password from the group page.

The link carries a token that is never stored: the account's id and a fingerprint of its password hash and
e-mail address, signed with ``SECRET_KEY`` and the time (itsdangerous). It works ``RECOVERY_LINK_MINUTES``, once:
a new password (however it was set) or a new e-mail address changes the fingerprint, and the password is set by
a conditional UPDATE on the old hash, so that two requests with one link cannot both set one. Tokens travel in
the query string, which the logs never write (lms/core/logs.py).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask_babel import force_locale, format_timedelta
from flask_babel import gettext as _
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from lms import clock, signals
from lms.auth import device_cookies, sms_codes, throttle
from lms.auth.services import find_by_identifier, hash_password
from lms.core.identifiers import sign_in_identifier
from lms.core.mail import mail_configured, send_mail
from lms.extensions import db
from lms.messaging.channels import channel_for, sms_enabled
from lms.models import User
from lms.permissions import works_as_staff

log = logging.getLogger(__name__)

SALT = "password-recovery"


class ClockSigner(TimestampSigner):
    """Signs with the portal's clock (lms/clock.py), so that a link's age is measured as everything else is."""

    def get_timestamp(self) -> int:
        return int(clock.timestamp())


def serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=ClockSigner)


def lifetime() -> str:
    """How long a link works, in the reader's language: "1 hour", "90 minutes" (never rounded)."""
    minutes = current_app.config["RECOVERY_LINK_MINUTES"]
    return format_timedelta(timedelta(minutes=minutes), granularity="minute" if minutes % 60 else "hour",
                            threshold=10**9)


def may_recover(user: User | None) -> bool:
    """Whether a link may be sent to, or used for, ``user``: an active account, not erased, with an e-mail."""
    return user is not None and user.is_active and user.erased_at is None and bool(user.email)


def fingerprint(user: User) -> str:
    """Changes when the password or the e-mail address changes, which ends every link made before."""
    key = hashlib.sha256(f"{SALT}:{current_app.config['SECRET_KEY']}".encode()).digest()
    return hmac.new(key, f"{user.id}\n{user.password_hash}\n{user.email}".encode(), hashlib.sha256).hexdigest()[:32]


def make_token(user: User) -> str:
    return serializer().dumps([user.id, fingerprint(user)])


def account_for_token(token: str) -> User | None:
    """The account a link was made for, if the link still works: signed by us, younger than
    ``RECOVERY_LINK_MINUTES``, the password and e-mail unchanged since, and the account still one that may recover."""
    try:
        user_id, mark = serializer().loads(token or "", max_age=current_app.config["RECOVERY_LINK_MINUTES"] * 60)
    except (BadData, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if not may_recover(user) or not isinstance(mark, str) or not hmac.compare_digest(mark, fingerprint(user)):
        return None
    return user


def way_to_recover(user: User | None) -> str | None:
    """"email" (a link) or "sms" (a code) if ``user`` may recover that way, its channel for account codes; None
    if not at all (no such account, erased, suspended, or a channel that cannot reach it)."""
    if user is None or not user.is_active:
        return None
    channel = channel_for(user, "account_codes")
    if channel == "email" and may_recover(user):
        return "email"
    # Staff choose a new password by e-mail or ask an administrator: a code to their SIM would open every member's
    # records to whoever holds it (lms/auth/code_sign_in.py).
    return "sms" if channel == "sms" and not works_as_staff(user) else None


def answer_request(identifier: str, language: str, address: str,
                   devices: tuple[device_cookies.Entry, ...] = ()) -> Callable[[], None] | None:
    """What "Forgot your password?" does for ``identifier`` before answering (flushed: a code row, with a
    gateway, whatever it names); the sender of the link or code to run after the answer, if one goes.
    ``devices``: the browser's device cookie (its own budget of links and codes for its accounts)."""
    user = find_by_identifier(identifier)
    way = way_to_recover(user)
    sender = link_sender(user.id, language, device_cookies.key_for(devices, user)) if way == "email" else None
    if sms_enabled():
        sender = sms_codes.ask("recover", sign_in_identifier(identifier), user, language, address,
                               lambda account: way_to_recover(account) == "sms", devices) or sender
    return sender


def set_password_by_code(identifier: str, typed: str, new: str) -> str:
    """The new password chosen with a code by SMS (flushed) if ``typed`` is the code sent for ``identifier``:
    "right"; else the outcome of ``sms_codes.check`` and nothing changed. The account's sessions end and the
    audit trail writes it (``signals.password_changed``)."""
    named = find_by_identifier(identifier)
    subject = sms_codes.subject_of(sign_in_identifier(identifier), named,
                                   device_cookies.key_for(device_cookies.carried(), named))
    checked = sms_codes.check("recover", subject, sms_codes.typed_code(typed) or "")
    if not checked.right:
        return "wrong" if checked.outcome == "right" else checked.outcome
    user = checked.user
    if way_to_recover(user) != "sms":  # suspended, erased, made staff or another channel since the code went
        return "wrong"
    user.password_hash = hash_password(new)
    user.must_change_password, user.one_time_password_expires_at = False, None
    db.session.flush()
    signals.password_changed.send(user, by=user, way="sms code")
    return "right"


def set_password_by_link(user: User, new: str) -> bool:
    """The new password chosen through a link (flushed): claimed on the hash the link was made for, so that it
    works once; False, and nothing changed, if the password changed meanwhile. The account's sessions end and
    the audit trail writes it (``signals.password_changed``)."""
    claimed = db.session.execute(
        sa.update(User).where(User.id == user.id, User.password_hash == user.password_hash,
                              User.erased_at.is_(None))
        .values(password_hash=hash_password(new), must_change_password=False, one_time_password_expires_at=None)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    db.session.refresh(user)
    signals.password_changed.send(user, by=user, way="e-mail link")
    return True


def link_message(user: User, language: str) -> tuple[str, str]:
    """The e-mail's subject and body, in ``language``, with a new link."""
    with force_locale(language), current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        link = url_for("auth.reset_password", token=make_token(user), _external=True)
        subject = _("Choose a new password")
        body = "\n\n".join([
            _("Hello %(name)s,", name=user.display_name),
            _("Someone asked to choose a new password for your account “%(username)s” on %(portal)s. If it was "
              "you, open this link within %(duration)s:", username=user.username, portal=_("Fair Work Learning"),
              duration=lifetime()),
            link,
            _("The link works once. If you did not ask, ignore this e-mail: your password stays as it is."),
        ])
    return subject, body


def link_sender(user_id: int, language: str, device: str | None = None) -> Callable[[], None]:
    """What to run once the answer has gone (lms/core/after_response.py): ``deliver_link`` in this app."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return lambda: deliver_link(app, user_id, language, device)


def deliver_link(app: Flask, user_id: int, language: str, device: str | None = None) -> None:
    """E-mail the account a link, in its language (``language``, the page's, if it has none). Runs after the
    answer, in its own app context (like a job). Silently sends nothing beyond
    ``RECOVERY_LIMIT_IDENTIFIER`` links per account (its username, phone and e-mail together; asked from a device
    where it signed in, ``device``, per account on that device), or without SMTP."""
    with app.app_context():
        user = db.session.get(User, user_id)
        if not may_recover(user):
            return
        try:
            if device is not None:
                throttle.spend("RECOVERY_LIMIT_IDENTIFIER", "recovery account on device", device)
            else:
                throttle.spend("RECOVERY_LIMIT_IDENTIFIER", "recovery account", f"account:id:{user.id}")
        except throttle.TooManyAnswers:
            return
        if not mail_configured():
            log.warning("no MAIL_SERVER: a password recovery link was not sent")
            return
        subject, body = link_message(user, user.locale or language)
        try:
            send_mail(user.email, subject, body)
        except (smtplib.SMTPException, OSError) as error:
            # Neither the address nor the server's answer (it may quote the address), nor the link.
            log.warning("a password recovery e-mail was not sent: %s", type(error).__name__)
