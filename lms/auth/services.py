"""Accounts: sign-up, sign-in and profile changes, as plain functions."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from lms import clock, signals
from lms.auth.session_store import as_utc
from lms.core.identifiers import (
    USERNAME,
    normalise_email,
    normalise_phone,
    normalise_username,
    old_forms,
    sign_in_identifier,
)
from lms.extensions import db
from lms.models import CoordinatorCountry, User

__all__ = ["USERNAME", "normalise_email", "normalise_phone", "normalise_username"]  # used by groups and the CLI


def password_hasher() -> PasswordHasher:
    """argon2id with the cost from the configuration."""
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


#: Accounts holding a number unconfirmed that a sign-in with it tries, the newest: the same ones whether or not an
#: account confirmed the number (were the confirmed holder to take one of their places, the oldest one's password
#: would work only for a number no member confirmed: outside tester 2c).
PHONE_UNCONFIRMED_TRIED = 5
#: Password checks a sign-in with a phone number does, whatever the number names (its confirmed holder, the account
#: whose username is those digits, and the unconfirmed ones), so that neither its time tells how many accounts hold a
#: number nor signing up many times with one number makes it slow.
PHONE_ACCOUNTS_TRIED = PHONE_UNCONFIRMED_TRIED + 2


def phone_forms(phone: str) -> list[str]:
    """``phone`` and the forms it had before its country lengthened its numbers (stored numbers may have them)."""
    return [phone, *old_forms(phone)]


def confirmed_holder(phone: str) -> User | None:
    """The account that confirmed ``phone`` (at most one: the index ``ix_users_phone_confirmed``), if any."""
    return db.session.scalar(select(User).where(User.phone.in_(phone_forms(phone)),
                                                User.phone_confirmed_at.is_not(None), User.erased_at.is_(None))
                             .limit(1))


def holders(phone: str, limit: int = PHONE_ACCOUNTS_TRIED) -> list[User]:
    """The accounts holding ``phone``: the one that confirmed it first, then the newest, at most ``limit``."""
    return list(db.session.scalars(
        select(User).where(User.phone.in_(phone_forms(phone)), User.erased_at.is_(None))
        .order_by(User.phone_confirmed_at.is_(None), User.created_at.desc(), User.id.desc()).limit(limit)))


def find_by_identifier(identifier: str) -> User | None:
    """The account whose username, e-mail address or confirmed phone number is ``identifier``, however spelled:
    the one a code by SMS or a recovery may reach (an unconfirmed number reaches nobody, since anyone may type any).

    A phone number that no account confirmed is looked for among usernames (made of digits before usernames
    needed a letter).
    """
    named = sign_in_identifier(identifier)
    if not named.value:
        return None
    if named.kind == "phone":
        return confirmed_holder(named.value) or _by_username(identifier)
    column = {"email": User.email, "username": User.username}[named.kind]
    return db.session.scalar(select(User).where(column == named.value).limit(1))


def _by_username(identifier: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(identifier)).limit(1))


def sign_in_candidates(identifier: str) -> tuple[list[User], int]:
    """The accounts whose password a sign-in with ``identifier`` tries, and how many checks it does whatever they
    are: for a phone number, its confirmed holder, the account whose username is those digits, then the newest
    holding it unconfirmed (``PHONE_ACCOUNTS_TRIED`` checks in all); otherwise the one account it names."""
    named = sign_in_identifier(identifier)
    if not named.value:
        return [], 1
    if named.kind != "phone":
        return [user for user in [find_by_identifier(identifier)] if user is not None], 1
    unconfirmed = db.session.scalars(
        select(User).where(User.phone.in_(phone_forms(named.value)), User.phone_confirmed_at.is_(None),
                           User.erased_at.is_(None))
        .order_by(User.created_at.desc(), User.id.desc()).limit(PHONE_UNCONFIRMED_TRIED))
    found = [confirmed_holder(named.value), _by_username(identifier), *unconfirmed]
    return list(dict.fromkeys(user for user in found if user is not None)), PHONE_ACCOUNTS_TRIED


def find_by_username(username: str) -> User | None:
    """The account (not erased) whose username is ``username``, however spelled: for the command line."""
    return db.session.scalar(select(User).where(User.username == normalise_username(username),
                                                User.erased_at.is_(None)))


def authenticate(identifier: str, password: str,
                 may_try: Callable[[User], bool] = lambda user: True) -> User | None:
    """The account if the password is right; the same work is done whatever accounts the identifier names.

    A phone number may be held by several accounts (``sign_in_candidates``): each is tried, and the first whose
    password it is signs in. ``may_try`` is asked about each account before its password is checked (the sign-in
    limit counts the attempt there); when it says no, that password is not checked (a wrong password's answer).
    A failure sends ``signals.sign_in_failed`` for each account the identifier named (None if none).
    """
    candidates, checks = sign_in_candidates(identifier)
    hasher = password_hasher()
    found: User | None = None
    failed: list[tuple[User, str | None]] = []
    for index in range(checks):
        user = candidates[index] if index < len(candidates) else None
        if found is not None or user is None or user.erased_at is not None:
            hasher.hash(password)  # spend the same time, so timing does not tell who has an account
            continue
        # A suspended account is tried, counted and paused like any other (``suspended`` refuses it once the
        # password is right), so that neither the answer nor its timing tells a suspended account.
        if not may_try(user):
            hasher.hash(password)  # the same time as a check, so timing does not tell a paused account
            failed.append((user, "paused after too many tries"))
            continue
        try:
            hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            failed.append((user, None))
            continue
        found = user
    if found is None:
        for user, reason in failed:
            signals.sign_in_failed.send(user, **({"reason": reason} if reason else {}))
        if not failed:
            signals.sign_in_failed.send(None)
        return None
    if hasher.check_needs_rehash(found.password_hash):
        found.password_hash = hasher.hash(password)
    return found


def identifier_taken(*, username: str | None = None, email: str | None = None,
                     except_user: User | None = None) -> bool:
    """Whether another account has ``username`` or ``email``. Not asked of phone numbers: several accounts may
    hold one, and it belongs to whoever confirms it (lms/auth/phone.py)."""
    query = select(func.count(User.id))
    if username is not None:
        query = query.where(User.username == username)
    elif email is not None:
        query = query.where(User.email == email)
    else:
        return False
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    return bool(db.session.scalar(query))


def create_user(*, username: str, password: str, display_name: str, country: str, gender: str,
                birth_year: int | None = None, email: str | None = None, phone: str | None = None,
                locale: str | None = None, role: str = "participant",
                coordinated_countries: list[str] | None = None, organisation_id: int | None = None) -> User:
    """A new account (flushed, not committed)."""
    user = User(
        username=normalise_username(username),
        email=normalise_email(email),
        phone=normalise_phone(phone, country) if phone else None,
        display_name=display_name.strip(),
        country=country,
        gender=gender,
        birth_year=birth_year,
        locale=locale,
        role=role,
        password_hash=hash_password(password),
        coordinated_countries=[CoordinatorCountry(country=c) for c in coordinated_countries or []],
        organisation_id=organisation_id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_scope(user: User, *, country: str, organisation_id: int | None) -> list[str]:
    """An administrator moves a staff member's country and organisation (which decide what they see); the
    names of the fields changed (flushed). Members cannot do this for themselves (``ProfileForm.fix_scope``)."""
    before = {"country": user.country, "organisation": user.organisation_id}
    user.country, user.organisation_id = country.upper(), organisation_id
    db.session.flush()
    return [name for name, value in before.items()
            if value != {"country": user.country, "organisation": user.organisation_id}[name]]


def update_profile(user: User, *, display_name: str, email: str | None, phone: str | None, country: str,
                   gender: str, birth_year: int | None, locale: str | None,
                   organisation_id: int | None = None) -> User:
    user.display_name = display_name.strip()
    before = {"email": user.email, "phone": user.phone}
    user.email = normalise_email(email)
    user.phone = normalise_phone(phone, country) if phone else None
    changed = [name for name, value in before.items() if getattr(user, name) != value]
    user.country = country
    user.gender = gender
    user.birth_year = birth_year
    user.locale = locale
    user.organisation_id = organisation_id
    db.session.flush()
    if changed:
        signals.contact_changed.send(user, fields=changed, by=user)
    return user


def give_one_time_password(user: User) -> None:
    """The password just set is a one-time password from staff: replaced at first sign-in, and refused after
    ``ONE_TIME_PASSWORD_DAYS`` (flushed)."""
    user.must_change_password = True
    user.one_time_password_expires_at = clock.utcnow() + timedelta(days=current_app.config["ONE_TIME_PASSWORD_DAYS"])
    db.session.flush()


def one_time_password_expired(user: User) -> bool:
    """Whether ``user`` (who typed the right password) still has a one-time password past its end; if so the
    sign-in fails (``signals.sign_in_failed``, so the audit log has it) and the member asks staff for a new one."""
    ends = user.one_time_password_expires_at
    if not user.must_change_password or ends is None or clock.utcnow() < as_utc(ends):
        return False
    signals.sign_in_failed.send(user, reason="one-time password expired")
    return True


def suspended(user: User) -> bool:
    """Whether ``user`` (who typed the right password) is suspended by an administrator; if so the sign-in fails
    (``signals.sign_in_failed``, so the audit log has it), as for an expired one-time password."""
    if user.suspended_at is None:
        return False
    signals.sign_in_failed.send(user, reason="suspended")
    return True


def verify_password(user: User, password: str) -> bool:
    try:
        return password_hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def choose_first_password(user: User, new: str) -> bool:
    """The member's own password in place of a trainer's one-time password: once only.

    The one-time password is claimed with a conditional UPDATE, so that two requests (a copied session,
    a form sent twice) cannot both set one; False, and nothing changed, if it was already used or never given.
    """
    claimed = db.session.execute(
        sa.update(User).where(User.id == user.id, User.must_change_password.is_(True), User.erased_at.is_(None))
        .values(password_hash=hash_password(new), must_change_password=False, one_time_password_expires_at=None)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    db.session.refresh(user)
    signals.password_changed.send(user, by=user)
    return True


def set_password(user: User, new: str, by: User | None = None) -> None:
    """A new password; ``by`` is who set it (the member themself unless given)."""
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.one_time_password_expires_at = None
    db.session.flush()
    signals.password_changed.send(user, by=by or user)

