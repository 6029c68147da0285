"""Which channel reaches a member about a topic: the one they chose, if it can reach them now.

Without a choice, e-mail if the member has an address, else SMS. SMS reaches a member only when a gateway is
configured, their number is confirmed and in a country the gateway serves, and neither they nor the number (from
any phone, lms/messaging/numbers.py) replied STOP.
"""
from __future__ import annotations

import phonenumbers
from flask import current_app
from sqlalchemy import select

from lms.extensions import db
from lms.messaging.numbers import is_stopped
from lms.models import ContactPreference, User


def sms_enabled() -> bool:
    """Whether a gateway is configured: without one, SMS choices are hidden and nothing goes by SMS."""
    return bool(current_app.config.get("SMS_GATEWAY"))


def served_countries() -> set[str]:
    return {c.strip().upper() for c in current_app.config.get("SMS_COUNTRIES", "").split(",") if c.strip()}


def country_of(phone: str) -> str | None:
    """The country of an E.164 number (ISO 3166-1 alpha-2), or None if libphonenumber cannot tell."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return None
    return region if region and region != "ZZ" else None


def serves(phone: str | None) -> bool:
    """Whether the gateway reaches ``phone``: a gateway is configured and the number's country is one it serves."""
    if not phone or not sms_enabled():
        return False
    countries = served_countries()
    return not countries or country_of(phone) in countries


def may_text(user: User) -> bool:
    """Whether an SMS may go to ``user`` now (other than the code that confirms their number): not if the account or
    the number replied STOP (lms/messaging/numbers.py)."""
    return (user.is_active and user.phone_confirmed_at is not None and user.sms_stopped_at is None
            and serves(user.phone) and not is_stopped(user.phone))


def chosen_channels(user: User) -> dict[str, str]:
    """Topic -> the channel the member chose (topics they never chose are missing)."""
    rows = db.session.scalars(select(ContactPreference).where(ContactPreference.user_id == user.id))
    return {row.topic: row.channel for row in rows}


def default_channel(user: User) -> str:
    return "email" if user.email else "sms"


def channel_for(user: User, topic: str) -> str | None:
    """"sms" or "email" if that is how ``user`` is reached about ``topic`` now; None if not at all."""
    channel = chosen_channels(user).get(topic) or default_channel(user)
    if channel == "sms" and may_text(user):
        return "sms"
    if channel == "email" and user.email and user.is_active:
        return "email"
    return None
