"""People: accounts, roles and the countries a coordinator looks after."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.extensions import db
from lms.models.record_keys import record_key_column
from lms.vocabulary import GENDERS, ROLES

if TYPE_CHECKING:
    from lms.models.organisations import CoordinatorOrganisation

#: The attributes published figures count a person under, and keep as they were at the end of each period.
COUNTED_ATTRIBUTES = ("country", "gender", "birth_year", "organisation_id")
#: The first day of the first row of each person's attributes: figures of any period find it.
BEGINNING = date(1900, 1, 1)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Case-folded; the name a member signs in with.
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: Optional: many members have no e-mail address. Stored lower-case.
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    #: Optional, normalised to "+" and digits (E.164). Several accounts may hold one number (anyone may type any
    #: number), but at most one has it confirmed (the index ``ix_users_phone_confirmed``): the number belongs to
    #: whoever confirms it, and confirming it unconfirms it everywhere else (lms/auth/phone.py).
    phone: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    #: ISO 3166-1 alpha-2 code; names come from CLDR in the reader's language.
    country: Mapped[str] = mapped_column(sa.String(2), index=True)
    gender: Mapped[str] = mapped_column(sa.String(12))
    birth_year: Mapped[int | None]
    #: The interface language the member chose; None until they choose one.
    locale: Mapped[str | None] = mapped_column(sa.String(12))
    role: Mapped[str] = mapped_column(sa.String(12), default="participant")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Set for accounts a trainer created with a one-time password: change it at first sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: When that one-time password stops working (ONE_TIME_PASSWORD_DAYS after it was given); None: none given.
    one_time_password_expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: The partner union the person belongs to, if known.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    #: Last sign-in or request, to the day (written at most once a day); accounts idle beyond
    #: RETENTION_INACTIVE_DAYS are erased (lms/privacy/services.py).
    last_active_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow,
                                                            index=True)
    #: Set when the account is erased: what remains is a tombstone that cannot sign in.
    erased_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: When the member typed the code sent to ``phone`` (or replied with it); None until then, and again when the
    #: number changes. No SMS but that code goes to an unconfirmed number.
    phone_confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: Set when the member replied STOP by SMS, cleared by START: no SMS goes to them meanwhile.
    sms_stopped_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: Set while an administrator has suspended the account: it cannot sign in until reinstated (lms/admin).
    suspended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: Random and permanent; added up into the cell key of every published figure that counts it.
    record_key: Mapped[int] = record_key_column()

    coordinated_countries: Mapped[list[CoordinatorCountry]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="CoordinatorCountry.country"
    )

    coordinated_organisations: Mapped[list[CoordinatorOrganisation]] = relationship(
        cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(sa.column("role").in_(ROLES), name="role"),
        sa.CheckConstraint(sa.column("gender").in_(GENDERS), name="gender"),
        sa.Index("ix_users_phone_confirmed", "phone", unique=True,
                 sqlite_where=sa.text("phone_confirmed_at IS NOT NULL"),
                 postgresql_where=sa.text("phone_confirmed_at IS NOT NULL")),
    )

    @property
    def is_active(self) -> bool:
        """Flask-Login: an erased or suspended account cannot sign in, nor stay signed in."""
        return self.erased_at is None and self.suspended_at is None

    @property
    def country_scope(self) -> list[str]:
        return [c.country for c in self.coordinated_countries]

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class CoordinatorCountry(db.Model):
    """A country whose data a coordinator may see."""

    __tablename__ = "coordinator_countries"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)

    user: Mapped[User] = relationship(back_populates="coordinated_countries")


class PersonAttributes(db.Model):
    """A person's country, gender, birth year and organisation from a day on, as figures count them.

    Written by the listeners below whenever an account is made or one of these attributes changes, so that
    every way of changing them (profile, sign-up, a trainer's list, the command line, erasure) leaves a row.
    Figures for a period read each person's latest row that counts from the period's last day or before
    (lms/reports/figures.py): a change made today counts from the first day of next month, so it never moves
    a figure already published (the current month is not).
    """

    __tablename__ = "person_attributes"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    counts_from: Mapped[date] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2))
    gender: Mapped[str] = mapped_column(sa.String(12))
    birth_year: Mapped[int | None]
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))


def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _attribute_row(user: User, counts_from: date) -> dict:
    return {"user_id": user.id, "counts_from": counts_from,
            **{name: getattr(user, name) for name in COUNTED_ATTRIBUTES}}


@sa.event.listens_for(User, "after_insert")
def _first_attributes(mapper, connection, user: User) -> None:
    connection.execute(sa.insert(PersonAttributes).values(_attribute_row(user, BEGINNING)))


@sa.event.listens_for(User, "after_update")
def _changed_attributes(mapper, connection, user: User) -> None:
    state = sa.inspect(user)
    if not any(state.attrs[name].history.has_changes() for name in COUNTED_ATTRIBUTES):
        return
    counts_from = first_of_next_month(clock.today())
    connection.execute(sa.delete(PersonAttributes).where(PersonAttributes.user_id == user.id,
                                                         PersonAttributes.counts_from == counts_from))
    connection.execute(sa.insert(PersonAttributes).values(_attribute_row(user, counts_from)))


@sa.event.listens_for(User.phone, "set", active_history=True)
def _phone_changed(user: User, value, old, _initiator) -> None:
    """A new number (in the profile, by staff, by erasure, anywhere) is not confirmed, whatever the old one was. A STOP
    stays with the account until START comes from its number: changing numbers back and forth does not undo it."""
    if value != old:
        user.phone_confirmed_at = None
