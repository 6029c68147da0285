"""A trainer's message to a group, or to those absent from one of its sessions.

What the trainer writes is kept as a draft (``GroupMessageDraft``), whose preview is a page of its own
(Post/Redirect/Get: the browser's Back never meets the answer to a POST, and the text never travels in an
address). Each SMS is the trainer's text framed (lms/messaging/texts.py): the portal's name first, the way to stop
last, in the member's language. The group's name is not in it: a locked phone shows the start of an SMS to whoever
holds it, and a group's name can tell that its owner is a union member. The preview measures the SMS as they go
(segments and encoding, the longest of its languages), names whom each channel reaches (``channel_for(member,
"group_news")``) and whom none does, and why, and prices the SMS by the country of each number
(lms/messaging/prices.py); it carries a signed confirmation naming exactly what was previewed: the group, the
sender, the draft, and the members each channel reaches. Sending checks the confirmation and sends once per draft
(``GroupMessage.preview_id`` is the draft's id and unique, so a double click, a reload or Back then Send sends
nothing more): an SMS queued for each member reached by SMS, in their sending hours, and an e-mail each, after the
answer, for those reached by e-mail. Every member the message was for gets a ``GroupMessageRecipient`` row, so
that they read it on their group's page whether or not a channel reached them.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import clock
from lms.auth.recovery import ClockSigner
from lms.core.mail import mail_configured, send_mail
from lms.extensions import db
from lms.i18n import DEFAULT_LANGUAGE, member_language
from lms.messaging import texts
from lms.messaging.channels import channel_for, chosen_channels, country_of, default_channel
from lms.messaging.hours import sending_time
from lms.messaging.outbox import queue_sms
from lms.messaging.prices import price_in
from lms.messaging.segments import Measure, costly_characters, measure, plain
from lms.models import (
    Attendance,
    GroupMessage,
    GroupMessageDraft,
    GroupMessageRecipient,
    GroupSession,
    TextMessage,
    TrainingGroup,
    User,
)
from lms.vocabulary import SMS_STATUS_LABELS, SMS_STATUSES

log = logging.getLogger(__name__)

TOPIC = "group_news"
SALT = "group-message"
#: How long a preview may be confirmed; after that it is checked again.
PREVIEW_MINUTES = 30
#: Drafts older than this go when their author writes the next one (a preview opened again later says so).
DRAFT_HOURS = 24


def clean_text(raw: str | None) -> str:
    """The text as it goes: each line end one character (a browser sends two, and each costs), typographic
    characters made plain (one curly quote would double the price: lms/messaging/segments.py), no blank edges."""
    return plain((raw or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def language_of(user: User) -> str:
    return member_language(user)


def sms_text(text: str, language: str) -> str:
    """The SMS of ``text`` as it goes to a member of ``group`` reading ``language``."""
    return texts.framed(text, language)


def frames(group: TrainingGroup) -> list[texts.Frame]:
    """The frames of the group's SMS in its members' languages: a text is as long as the longest SMS it makes in
    one of them (the counter as the trainer types, the limit SMS_MAX_SEGMENTS)."""
    members = sorted((m.user for m in group.members if m.user.erased_at is None), key=lambda user: user.id)
    return texts.frames([language_of(user) for user in members] or [DEFAULT_LANGUAGE])


def longest(group: TrainingGroup, text: str) -> Measure:
    """The measure of the longest SMS ``text`` makes for the group's members (``frames``)."""
    return texts.longest(text, frames(group))


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Draft:
    """What a trainer asks to send: the text as it will go, to the whole group or those absent from a session."""

    text: str
    audience: str
    session_id: int | None = None


def held_sessions(group: TrainingGroup) -> list[GroupSession]:
    """The sessions whose absent members may be written to: those held by today, latest first."""
    return sorted((s for s in group.sessions if s.held_on <= clock.today()), key=lambda s: (s.held_on, s.id),
                  reverse=True)


def audience(group: TrainingGroup, draft: Draft | GroupMessageDraft) -> list[User]:
    """The members the draft is for (erased accounts are no one's): all, or those who were members on the day of its
    session and have no presence recorded at it (who joined later missed nothing); nobody once the session is
    deleted."""
    members = [m for m in group.members if m.user.erased_at is None]
    if draft.audience == "absent":
        session = db.session.get(GroupSession, draft.session_id) if draft.session_id is not None else None
        if session is None or session.group_id != group.id:
            return []
        present = set(db.session.scalars(select(Attendance.user_id).where(Attendance.session_id == draft.session_id)))
        members = [m for m in members if m.user_id not in present and m.joined_at.date() <= session.held_on]
    members = [m.user for m in members]
    return sorted(members, key=lambda user: user.id)


#: Why no channel reaches a member about group news, as the preview tells the trainer (who can tell them in person).
UNREACHED_REASONS = {
    "declined": _l("chose not to get group news"),
    "suspended": _l("account suspended"),
    "no_contact": _l("no phone number and no e-mail address"),
    "no_phone": _l("no phone number"),
    "unconfirmed": _l("phone number not confirmed"),
    "stopped": _l("replied STOP to our SMS"),
    "not_served": _l("SMS cannot reach this number"),
    "no_email": _l("chose e-mail but has no e-mail address"),
}


def why_unreached(user: User) -> str:
    """The key in ``UNREACHED_REASONS`` of why no channel reaches ``user`` about group news (``channel_for`` gave
    None)."""
    chosen = chosen_channels(user).get(TOPIC)
    if chosen == "none":
        return "declined"
    if not user.is_active:
        return "suspended"
    if (chosen or default_channel(user)) == "email":
        return "no_email"
    if not user.phone:
        return "no_phone" if chosen else "no_contact"
    if user.sms_stopped_at is not None:
        return "stopped"
    if user.phone_confirmed_at is None:
        return "unconfirmed"
    return "not_served"


@dataclass(frozen=True)
class Recipients:
    """The audience by the channel that reaches each about group news."""

    sms: list[User]
    email: list[User]
    #: Those who chose not to get group news at all.
    declined: list[User]
    #: Those no channel reaches: no confirmed number the gateway serves (or STOP), and no e-mail address.
    unreachable: list[User]

    @property
    def reached(self) -> int:
        return len(self.sms) + len(self.email)

    @property
    def unreached(self) -> int:
        return len(self.declined) + len(self.unreachable)

    def by_name(self, channel: str) -> list[User]:
        """The members of ``channel`` ("sms" or "email") sorted by name, as the preview lists them."""
        return sorted(getattr(self, channel), key=_by_name)

    def not_reached(self) -> list[tuple[User, str]]:
        """Each member no channel reaches, by name, with why in the reader's words."""
        return [(user, str(UNREACHED_REASONS[why_unreached(user)]))
                for user in sorted(self.declined + self.unreachable, key=_by_name)]

    def digest(self) -> str:
        return _digest([[user.id for user in self.sms], [user.id for user in self.email]])


def _by_name(user: User) -> tuple[str, str]:
    return user.display_name.casefold(), user.username


def recipients(members: list[User]) -> Recipients:
    found: dict[str, list[User]] = {"sms": [], "email": [], "declined": [], "unreachable": []}
    for user in members:
        channel = channel_for(user, TOPIC)
        if channel is None:
            channel = "declined" if chosen_channels(user).get(TOPIC) == "none" else "unreachable"
        found[channel].append(user)
    return Recipients(**found)


@dataclass(frozen=True)
class CountryCost:
    """What the SMS to the members of one country cost: their SMS (segments), the price of one, the cost."""

    country: str | None
    members: int
    segments: int
    price: Decimal

    @property
    def cost(self) -> Decimal:
        return self.price * self.segments


def costs(group: TrainingGroup, text: str, users: list[User]) -> list[CountryCost]:
    """The SMS to ``users`` priced by the country of each number (SMS_PRICES), one row a country, by country."""
    found: dict[str | None, list[int]] = {}
    segments_in: dict[str, int] = {}  # language -> segments of its SMS
    for user in users:
        language = language_of(user)
        if language not in segments_in:
            segments_in[language] = measure(sms_text(text, language)).segments
        found.setdefault(country_of(user.phone), []).append(segments_in[language])
    return [CountryCost(country, len(segments), sum(segments), price_in(country))
            for country, segments in sorted(found.items(), key=lambda item: item[0] or "")]


@dataclass(frozen=True)
class Preview:
    """What the trainer confirms: the draft, the SMS as they go (by language), their size, whom it reaches, the
    cost by country, and the confirmation."""

    draft: GroupMessageDraft
    #: Language -> the SMS as members reading it get it (those reached by SMS; the group's language if none).
    sms_texts: dict[str, str]
    #: The longest of them: its segments and encoding.
    size: Measure
    recipients: Recipients
    costs: list[CountryCost]
    confirmation: str

    @property
    def segments(self) -> int:
        """The SMS paid for: each member's SMS's segments, added up."""
        return sum(row.segments for row in self.costs)

    @property
    def priced(self) -> bool:
        """Whether every SMS has a price (SMS_PRICES or SMS_PRICE_PER_SEGMENT), so that the cost can be told."""
        return bool(self.costs) and all(row.price > 0 for row in self.costs)

    @property
    def cost(self) -> Decimal:
        return sum((row.cost for row in self.costs), Decimal(0))

    @property
    def prices(self) -> set[Decimal]:
        return {row.price for row in self.costs}

    @property
    def costly_characters(self) -> list[str]:
        """The few Latin characters that make the SMS UCS-2 (lms/messaging/segments.py), when they do."""
        return costly_characters(max(self.sms_texts.values(), key=lambda text: measure(text).units)) \
            if self.size.encoding == "ucs2" else []


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=ClockSigner)


def save_draft(group: TrainingGroup, sender: User, draft: Draft) -> GroupMessageDraft:
    """Keep what ``sender`` wrote until they send it (flushed); their drafts older than DRAFT_HOURS go."""
    db.session.execute(sa.delete(GroupMessageDraft).where(
        GroupMessageDraft.sender_id == sender.id,
        GroupMessageDraft.created_at < clock.utcnow() - timedelta(hours=DRAFT_HOURS)))
    row = GroupMessageDraft(id=secrets.token_hex(16), group_id=group.id, sender_id=sender.id, text=draft.text,
                            audience=draft.audience, session_id=draft.session_id)
    db.session.add(row)
    db.session.flush()
    return row


def find_draft(group: TrainingGroup, sender: User, draft_id: str) -> GroupMessageDraft | None:
    """``sender``'s draft ``draft_id`` for ``group``; None for anyone else's, another group's, or one gone."""
    row = db.session.get(GroupMessageDraft, draft_id) if len(draft_id or "") == 32 else None
    if row is None or row.group_id != group.id or row.sender_id != sender.id:
        return None
    return row


def sent_from(draft: GroupMessageDraft) -> GroupMessage | None:
    """The message sent from ``draft``, if it was."""
    return db.session.scalar(select(GroupMessage).where(GroupMessage.preview_id == draft.id))


def preview(group: TrainingGroup, sender: User, draft: GroupMessageDraft) -> Preview:
    """Measure, count and price ``draft``; its confirmation names the group, the sender, the draft and whom it
    reaches."""
    reached = recipients(audience(group, draft))
    confirmation = _serializer().dumps({"group": group.id, "sender": sender.id, "draft": draft.id,
                                        "to": reached.digest()})
    languages = sorted({language_of(user) for user in reached.sms}) or [frames(group)[0].language]
    sms_texts = {language: sms_text(draft.text, language) for language in languages}
    size = max((measure(text) for text in sms_texts.values()), key=lambda size: (size.segments, size.units))
    return Preview(draft, sms_texts, size, reached, costs(group, draft.text, reached.sms), confirmation)


class Refused(Exception):
    """A confirmation that sends nothing; the message says why, in the reader's language."""


class AlreadySent(Refused):
    """The draft was sent already (a double click, a reload, Back then Send, a confirmation posted again)."""


class Changed(Refused):
    """Whom the message reaches changed since the preview: it must be checked again."""


class Stale(Refused):
    """The preview is too old to be confirmed: it must be checked again."""


def _not_ours() -> Refused:
    return Refused(_("This confirmation is not the one the preview gave: nothing was sent. Check the message again "
                     "before sending it."))


def confirmed_draft(confirmation: str, group: TrainingGroup, sender: User) -> tuple[GroupMessageDraft, str | None]:
    """The draft and recipients a confirmation was made for, if it was made by us, lately, for this group and
    sender. Refused otherwise; Stale (the draft named, to be checked again) when it is too old."""
    serializer = _serializer()
    try:
        payload = serializer.loads(confirmation or "", max_age=PREVIEW_MINUTES * 60)
    except SignatureExpired as error:
        payload = serializer.load_payload(error.payload) if error.payload is not None else None
        draft = _draft_named(payload, group, sender)
        if draft is None:
            raise _not_ours() from error
        raise Stale(_("This preview is more than %(minutes)d minutes old: nothing was sent. Check the message again "
                      "before sending it.", minutes=PREVIEW_MINUTES)) from error
    except BadData as error:
        raise _not_ours() from error
    draft = _draft_named(payload, group, sender)
    if draft is None:
        raise _not_ours()
    return draft, payload.get("to")


def _draft_named(payload, group: TrainingGroup, sender: User) -> GroupMessageDraft | None:
    if not (isinstance(payload, dict) and payload.get("group") == group.id and payload.get("sender") == sender.id
            and isinstance(payload.get("draft"), str)):
        return None
    return find_draft(group, sender, payload["draft"])


@dataclass(frozen=True)
class Sent:
    """A message sent: its row, how many SMS were queued, and the members to e-mail after the answer."""

    message: GroupMessage
    sms: int
    emails: list[int]


def send(group: TrainingGroup, sender: User, confirmation: str) -> Sent:
    """Send the draft the confirmation previewed, once (flushed): the message, a row for each member it is for,
    its SMS queued in each member's sending hours, and the ids of the members to e-mail after the answer
    (``mail_sender``).

    Refused (nothing written) for a confirmation not made for this group and sender, an old one (Stale), a draft
    sent already (AlreadySent), or recipients that changed since (Changed)."""
    draft, previewed_to = confirmed_draft(confirmation, group, sender)
    if sent_from(draft) is not None:
        raise AlreadySent(_("This message was sent already; it was not sent again."))
    reached = recipients(audience(group, draft))
    if reached.digest() != previewed_to or not (reached.reached or reached.unreached):
        raise Changed(_("Whom the message reaches has changed since the preview: nothing was sent. Check it "
                        "again."))
    message = GroupMessage(group_id=group.id, sender_id=sender.id, text=draft.text, audience=draft.audience,
                           session_id=draft.session_id, emails=len(reached.email), unreached=reached.unreached,
                           preview_id=draft.id)
    db.session.add(message)
    try:
        db.session.flush()  # first: of two confirmations of one preview at once, the second stops here
    except IntegrityError as error:
        raise AlreadySent(_("This message was sent already; it was not sent again.")) from error
    db.session.add_all([GroupMessageRecipient(group_message_id=message.id, user_id=user.id, channel=channel)
                        for channel, users in (("sms", reached.sms), ("email", reached.email),
                                               ("none", reached.declined + reached.unreachable))
                        for user in users])
    now = clock.utcnow()
    for user in reached.sms:
        queued = queue_sms(user.phone, sms_text(draft.text, language_of(user)), TOPIC, user=user,
                           send_after=sending_time(now, user.phone, user.country))
        queued.group_message_id = message.id
    db.session.flush()
    return Sent(message, len(reached.sms), [user.id for user in reached.email])


def forget_member(user_id: int) -> None:
    """An erased account: which group messages were for it, and the drafts it wrote, go."""
    for model, column in ((GroupMessageRecipient, GroupMessageRecipient.user_id),
                          (GroupMessageDraft, GroupMessageDraft.sender_id)):
        db.session.execute(sa.delete(model).where(column == user_id).execution_options(synchronize_session=False))


def received_by(group: TrainingGroup, user: User):
    """The messages of ``group`` that were for ``user`` (a query, for a page at a time)."""
    return (select(GroupMessage).join(GroupMessageRecipient, GroupMessageRecipient.group_message_id == GroupMessage.id)
            .where(GroupMessage.group_id == group.id, GroupMessageRecipient.user_id == user.id))


def mail_of(message: GroupMessage, user: User) -> tuple[str, str]:
    """The e-mail's subject and body, in the member's language: the trainer's text as written, then who sent it.
    The subject names no group: it shows on a locked phone."""
    with force_locale(member_language(user)), \
            current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        sender = message.sender.display_name if message.sender and message.sender.erased_at is None else None
        signature = (_("Sent by %(name)s to the training group %(group)s.", name=sender, group=message.group.name)
                     if sender else _("Sent to the training group %(group)s.", group=message.group.name))
        subject = _("A message from your training group")
        body = "\n\n".join([message.text, "-- ", signature,
                            _("To choose how %(portal)s reaches you, open your profile: %(link)s",
                              portal=_("Fair Work Learning"), link=url_for("auth.profile", _external=True))])
    return subject, body


def mail_sender(message_id: int, user_ids: list[int]) -> Callable[[], int]:
    """What to run once the answer has gone (lms/core/after_response.py): ``deliver_mails`` in this app."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return lambda: deliver_mails(app, message_id, user_ids)


def deliver_mails(app: Flask, message_id: int, user_ids: list[int]) -> int:
    """E-mail the message to these members, each in their language, and count those the server took. Runs after
    the answer, in its own app context; never raises (a lost e-mail is logged, without the member or the text).
    A server that fails is not tried again for the others: each try could hold this worker for the timeout."""
    with app.app_context():
        message = db.session.get(GroupMessage, message_id)
        if message is None or not user_ids:
            return 0
        if not mail_configured():
            log.warning("no MAIL_SERVER: a group message was not e-mailed")
            return 0
        sent = 0
        for user in db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id)):
            if not user.email or not user.is_active:
                continue
            subject, body = mail_of(message, user)
            try:
                send_mail(user.email, subject, body)
            except smtplib.SMTPRecipientsRefused:
                log.warning("a group message e-mail was not sent: the server refused the address")
                continue
            except (smtplib.SMTPException, OSError) as error:
                log.warning("group message e-mails were not sent: %s", type(error).__name__)
                break
            sent += 1
        db.session.execute(sa.update(GroupMessage).where(GroupMessage.id == message_id)
                           .values(emails_sent=GroupMessage.emails_sent + sent))
        db.session.commit()
        return sent


@dataclass(frozen=True)
class SentRow:
    """A message as the group's page lists it: the message, and its SMS by status."""

    message: GroupMessage
    statuses: dict[str, int]

    @property
    def sms(self) -> int:
        return sum(self.statuses.values())

    def by_status(self) -> list[tuple[str, int]]:
        """(label, count) of each status some of its SMS are in, in the order SMS go through them."""
        return [(str(SMS_STATUS_LABELS[status]), self.statuses[status]) for status in SMS_STATUSES
                if self.statuses.get(status)]


def sent_rows(messages: list[GroupMessage]) -> list[SentRow]:
    """The messages with their SMS counted by status, in one query."""
    counts: dict[int, dict[str, int]] = {message.id: {} for message in messages}
    if counts:
        for message_id, status, n in db.session.execute(
                select(TextMessage.group_message_id, TextMessage.status, func.count())
                .where(TextMessage.group_message_id.in_(counts)).group_by(TextMessage.group_message_id,
                                                                          TextMessage.status)):
            counts[message_id][status] = n
    return [SentRow(message, counts[message.id]) for message in messages]


def sent_to(group: TrainingGroup):
    """The messages sent to ``group``, newest first (a query, for a page at a time)."""
    return select(GroupMessage).where(GroupMessage.group_id == group.id)


def latest(group: TrainingGroup, count: int = 5) -> tuple[list[SentRow], int]:
    """The newest ``count`` messages of the group, and how many there are in all."""
    total = db.session.scalar(select(func.count(GroupMessage.id)).where(GroupMessage.group_id == group.id)) or 0
    if not total:
        return [], 0
    newest = db.session.scalars(sent_to(group).order_by(GroupMessage.created_at.desc(), GroupMessage.id.desc())
                                .limit(count))
    return sent_rows(list(newest)), total
