"""Partner organisations (the unions the programme works with)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms import clock
from lms.extensions import db


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    acronym: Mapped[str] = mapped_column(sa.String(40))
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(sa.String(2))
    #: Free text, e.g. "garment", "agriculture", "hotels".
    sector: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)

    __table_args__ = (sa.UniqueConstraint("country", "acronym"),)


class CoordinatorOrganisation(db.Model):
    """An organisation whose data a coordinator may see, besides their countries."""

    __tablename__ = "coordinator_organisations"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
