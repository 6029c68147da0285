"""How a member may be reached, topic by topic: the choices offered, why one is refused, and saving them.

SMS is offered only when a gateway is configured; e-mail only to a member with an address (the page says what is
missing). Choosing SMS needs a number in a country the gateway serves. What the member sees chosen is their
choice, or the default of lms/messaging/channels.py; a note says when it cannot reach them yet, and why.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.messaging.channels import channel_for, chosen_channels, default_channel, serves, sms_enabled
from lms.models import ContactPreference, User
from lms.permissions import works_as_staff
from lms.vocabulary import CHANNELS, MESSAGE_TOPICS


def offered(has_email: bool) -> list[str]:
    """The channels a member may choose: SMS with a gateway, e-mail with an address, and "not at all"."""
    return [channel for channel in CHANNELS
            if (channel != "sms" or sms_enabled()) and (channel != "email" or has_email)]


def refusal(channel: str, phone: str | None, email: str | None) -> str | None:
    """Why ``channel`` cannot be chosen with this number and address (E.164, normal form), in the reader's
    language; None if it can."""
    if channel == "sms" and sms_enabled():  # without a gateway SMS is not among the choices
        if not phone:
            return _("To be reached by SMS, add your phone number first.")
        if not serves(phone):
            return _("We cannot send SMS to numbers of this country.")
    if channel == "email" and not email:
        return _("To be reached by e-mail, add your e-mail address first.")
    return None


def shown_choice(user: User, topic: str, chosen: dict[str, str]) -> str:
    """The choice the page shows for ``topic``: the member's, else the default, if it is offered; else "none"."""
    choice = chosen.get(topic) or default_channel(user)
    return choice if choice in offered(bool(user.email)) else "none"


def note(user: User, topic: str, choice: str) -> str | None:
    """Why ``choice`` does not reach ``user`` about ``topic`` now, in the reader's language; None if it does."""
    if topic == "account_codes" and choice == "sms" and works_as_staff(user):
        # lms/auth/recovery.py and code_sign_in.py send staff no code by SMS: whoever held their SIM would open
        # members' records.
        return _("Staff accounts get no codes by SMS, to keep members' records safe if a phone is lost. If you "
                 "forget your password, a link goes to your e-mail address, or an administrator gives you a new "
                 "password.")
    if choice != "sms" or channel_for(user, topic) == "sms":
        return None
    problem = refusal("sms", user.phone, user.email)
    if problem:
        return problem
    if user.sms_stopped_at is not None:
        return _("You replied STOP, so we send no SMS to this number. To receive them again, send START by SMS.")
    return _("Nothing goes to your number by SMS until you confirm it.")


def without_codes() -> str:
    return _("“Not at all”: no code can reach you if you forget your password; your trainer can reset it.")


@dataclass(frozen=True)
class Choice:
    """One topic as the profile shows it."""

    topic: str
    chosen: str
    note: str | None


def choices_of(user: User) -> list[Choice]:
    chosen = chosen_channels(user)
    rows = []
    for topic in MESSAGE_TOPICS:
        choice = shown_choice(user, topic, chosen)
        rows.append(Choice(topic, choice, note(user, topic, choice)))
    return rows


def save(user: User, choices: dict[str, str]) -> list[str]:
    """Store the member's channel for each topic of ``choices`` (flushed); the topics whose choice changed."""
    rows = {row.topic: row for row in db.session.scalars(
        select(ContactPreference).where(ContactPreference.user_id == user.id))}
    changed = []
    for topic, channel in choices.items():
        row = rows.get(topic)
        if row is None:
            db.session.add(ContactPreference(user_id=user.id, topic=topic, channel=channel))
        elif row.channel != channel:
            row.channel, row.updated_at = channel, clock.utcnow()
        else:
            continue
        changed.append(topic)
    db.session.flush()
    return changed
