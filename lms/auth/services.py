"""Accounts: sign-up, sign-in and profile changes, as plain functions."""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, or_, select

from lms import signals
from lms.extensions import db
from lms.models import CoordinatorCountry, User

PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
USERNAME = re.compile(r"^[\w.-]{3,40}$")


def password_hasher() -> PasswordHasher:
    """argon2id with the cost from the configuration."""
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def normalise_phone(raw: str) -> str | None:
    """"+229 97 12-34-56" -> "+22997123456"; None if it is not an international number."""
    phone = PHONE_SEPARATORS.sub("", raw or "")
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    return phone if PHONE.match(phone) else None


def normalise_username(raw: str) -> str:
    return (raw or "").strip().casefold()


def normalise_email(raw: str | None) -> str | None:
    email = (raw or "").strip().lower()
    return email or None


def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None


def find_by_identifier(identifier: str) -> User | None:
    """The account whose username, e-mail address or phone number is ``identifier``."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    conditions = [User.username == normalise_username(identifier)]
    if "@" in identifier:
        conditions.append(User.email == normalise_email(identifier))
    phone = normalise_phone(identifier)
    if phone:
        conditions.append(User.phone == phone)
    return db.session.scalar(select(User).where(or_(*conditions)).limit(1))


def authenticate(identifier: str, password: str) -> User | None:
    """The account if the password is right; the same work is done when there is no account."""
    user = find_by_identifier(identifier)
    hasher = password_hasher()
    if user is None:
        hasher.hash(password)  # spend the same time, so timing does not tell who has an account
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def identifier_taken(*, username: str | None = None, email: str | None = None,
                     phone: str | None = None, except_user: User | None = None) -> bool:
    query = select(func.count(User.id))
    if username is not None:
        query = query.where(User.username == username)
    elif email is not None:
        query = query.where(User.email == email)
    elif phone is not None:
        query = query.where(User.phone == phone)
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
        phone=normalise_phone(phone) if phone else None,
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


def update_profile(user: User, *, display_name: str, email: str | None, phone: str | None, country: str,
                   gender: str, birth_year: int | None, locale: str | None,
                   organisation_id: int | None = None) -> User:
    user.display_name = display_name.strip()
    before = {"email": user.email, "phone": user.phone}
    user.email = normalise_email(email)
    user.phone = normalise_phone(phone) if phone else None
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


def verify_password(user: User, password: str) -> bool:
    try:
        return password_hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(user: User, new: str, by: User | None = None) -> None:
    """A new password; ``by`` is who set it (the member themself unless given)."""
    user.password_hash = hash_password(new)
    user.must_change_password = False
    db.session.flush()
    signals.password_changed.send(user, by=by or user)

