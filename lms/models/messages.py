"""How members may be reached (a channel per topic), and every SMS the portal sends."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.extensions import db
from lms.models.groups import GroupSession, TrainingGroup
from lms.models.users import User
from lms.vocabulary import CHANNELS, MESSAGE_AUDIENCES, MESSAGE_TOPICS, SMS_KINDS, SMS_STATUSES


class ContactPreference(db.Model):
    """The channel a member chose for one topic; without a row, the default of lms/messaging/channels.py."""

    __tablename__ = "contact_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(8))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)

    __table_args__ = (
        sa.CheckConstraint(sa.column("topic").in_(MESSAGE_TOPICS), name="topic"),
        sa.CheckConstraint(sa.column("channel").in_(CHANNELS), name="channel"),
    )


class TextMessage(db.Model):
    """One outgoing SMS, from the moment it is queued until the gateway reports it delivered or it fails for good.

    The text of a code is blanked once the message is finished (lms/messaging); nothing in a row says which
    survey or which answer a reminder was about.
    """

    __tablename__ = "text_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The member it was for; None for a number with no account (an answer to STOP) or once they are erased.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: E.164; blanked when the member is erased.
    phone: Mapped[str | None] = mapped_column(sa.String(16))
    #: The country of the number (ISO 3166-1 alpha-2), for the volumes by country.
    country: Mapped[str | None] = mapped_column(sa.String(2))
    kind: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str | None] = mapped_column(sa.Text)
    #: "gsm7" or "ucs2", and how many SMS the text takes (lms/messaging/segments.py).
    encoding: Mapped[str] = mapped_column(sa.String(5))
    segments: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not sent before this: the member's sending hours, or the next try after a failure.
    send_after: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    #: When it was handed to the gateway: set as the hand-over begins, so that one cut short is seen (delivery.py).
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: When it was delivered or failed for good.
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: The gateway's reason for the last failure, as it gave it (never the text).
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    #: The trainer's message to a group this SMS carries to one member, if it does.
    group_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("group_messages.id", ondelete="SET NULL"), index=True)

    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(SMS_KINDS), name="kind"),
        sa.CheckConstraint(sa.column("status").in_(SMS_STATUSES), name="status"),
        sa.CheckConstraint(sa.column("encoding").in_(("gsm7", "ucs2")), name="encoding"),
        sa.Index("ix_text_messages_due", "status", "send_after"),
    )


class GroupMessage(db.Model):
    """A message a trainer sent to a group's members, or to those absent from one of its sessions: an SMS each
    (``TextMessage.group_message_id``) to those reached by SMS, an e-mail each to those reached by e-mail."""

    __tablename__ = "group_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("training_groups.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    #: "group" (every member) or "absent" (the members with no presence recorded at ``session_id``).
    audience: Mapped[str] = mapped_column(sa.String(10))
    #: The session those absent missed; None for the whole group, or once the session is deleted.
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("group_sessions.id", ondelete="SET NULL"))
    #: Members it went to by e-mail, and how many of those e-mails the mail server took.
    emails: Mapped[int] = mapped_column(default=0)
    emails_sent: Mapped[int] = mapped_column(default=0)
    #: Members of the audience it could not reach: no way to reach them, or they chose not to be.
    unreached: Mapped[int] = mapped_column(default=0)
    #: The preview it was confirmed from: unique, so that one preview sends once (a double click, a reload).
    preview_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)

    group: Mapped[TrainingGroup] = relationship()
    sender: Mapped[User | None] = relationship()
    session: Mapped[GroupSession | None] = relationship()

    __table_args__ = (sa.CheckConstraint(sa.column("audience").in_(MESSAGE_AUDIENCES), name="audience"),)


class SmsNumber(db.Model):
    """A phone number that texted the portal: whether it asked for no SMS (STOP, from any number, with or without an
    account), and the automatic answers it got today (lms/messaging/numbers.py). The number itself is not kept: a
    list of numbers that texted a union's portal would tell who may be a member."""

    __tablename__ = "sms_numbers"

    #: HMAC of the E.164 number with a key derived from SECRET_KEY (lms/core/keyed.py).
    number_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: When the number replied STOP; None since its START, or if it never did.
    stopped_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: The UTC day of ``answers``: automatic answers (to STOP, START, HELP, an unread text) sent that day.
    answered_on: Mapped[date | None] = mapped_column(sa.Date)
    answers: Mapped[int] = mapped_column(default=0)


class UnreadTexts(db.Model):
    """How many texts members sent that the portal could not read (neither a keyword nor a code), per UTC day:
    a count only, no number and no text."""

    __tablename__ = "sms_unread_texts"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    texts: Mapped[int] = mapped_column(default=0)


class GroupMessageDraft(db.Model):
    """A message as a trainer wrote it, waiting for them to check its preview and send it. Its id names the preview
    in the page's address (the text never travels in an address) and becomes ``GroupMessage.preview_id`` once
    sent, so that one draft sends once. Drafts older than a day go when their author writes the next one."""

    __tablename__ = "group_message_drafts"

    #: A random id (32 hex digits): the preview's address, and the sent message's ``preview_id``.
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("training_groups.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    #: As ``GroupMessage.audience``.
    audience: Mapped[str] = mapped_column(sa.String(10))
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("group_sessions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)

    group: Mapped[TrainingGroup] = relationship()
    session: Mapped[GroupSession | None] = relationship()

    __table_args__ = (sa.CheckConstraint(sa.column("audience").in_(MESSAGE_AUDIENCES), name="audience"),)


class GroupMessageRecipient(db.Model):
    """A member a group message was for, and the channel it went by ("none": it reached them only on the portal,
    where every member it was for reads it on their group's page). Deleted when the member's account is erased."""

    __tablename__ = "group_message_recipients"

    group_message_id: Mapped[int] = mapped_column(sa.ForeignKey("group_messages.id", ondelete="CASCADE"),
                                                  primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    #: "sms", "email" or "none", as decided at sending (an SMS that failed later still says "sms").
    channel: Mapped[str] = mapped_column(sa.String(8))

    message: Mapped[GroupMessage] = relationship()

    __table_args__ = (sa.CheckConstraint(sa.column("channel").in_(CHANNELS), name="channel"),)
