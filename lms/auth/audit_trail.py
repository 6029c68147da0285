"""Account events written to the audit log: sign-ins, failed sign-ins, changes of password, contact and role,
erasures.

Nothing personal is written: accounts are named by id ("account 42"), never by username, typed identifier,
password, address, or the new phone number or e-mail address (only the names of the fields changed). A
failed sign-in names the account only when the identifier typed named one. Staff acting on someone else's
account are named as in the rest of the log.
"""
from __future__ import annotations

from flask_login import user_logged_in

from lms import signals
from lms.core import audit
from lms.models import User

#: The actions this module writes (the admin's audit page lists them with the others).
ACTIONS = ("sign in", "sign in failed", "change password", "change contact", "change role", "erase account")


def account(user_id: int) -> str:
    """How an account is named in the log: by its id only."""
    return f"account {user_id}"


def _write(action: str, user: User, by: User | None, **details) -> None:
    """``by`` acted on ``user``'s account: the account itself, someone else, or the command line (None)."""
    if by is not None and by.id == user.id:
        audit.record(action, {"account": user.id, **details}, user=by, actor=account(user.id))
    else:
        audit.record(action, {"account": user.id, **details}, user=by)


@user_logged_in.connect
def _signed_in(_app, user, **_extra) -> None:
    _write("sign in", user, user)


@signals.sign_in_failed.connect
def _sign_in_failed(user, reason=None, **_extra) -> None:
    details = {"account": user.id} if user is not None else {}
    if reason:
        details["reason"] = reason
    audit.record("sign in failed", details, actor="visitor")


@signals.password_changed.connect
def _password_changed(user, by=None, way=None, **_extra) -> None:
    _write("change password", user, by, **({"way": way} if way else {}))


@signals.contact_changed.connect
def _contact_changed(user, by=None, fields=(), **_extra) -> None:
    _write("change contact", user, by, fields=sorted(fields))


@signals.phone_confirmed_elsewhere.connect
def _phone_confirmed_elsewhere(user, **_extra) -> None:
    # The account that confirmed it is not named: the log does not link two accounts by a number.
    audit.record("change contact", {"account": user.id, "fields": ["phone confirmation"],
                                    "reason": "number confirmed by another account"}, actor="portal")


@signals.role_changed.connect
def _role_changed(user, by=None, old=None, new=None, **_extra) -> None:
    _write("change role", user, by, old=old, new=new)


@signals.account_erased.connect
def _account_erased(user, by=None, **_extra) -> None:
    _write("erase account", user, by)
