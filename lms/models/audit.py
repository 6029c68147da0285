"""The audit log: every view or export of other people's personal data, who did it and when."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms import clock
from lms.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow, index=True)
    #: The account that acted; None for the command line.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Who, as it was then: a username, or "command line (OS user)".
    actor: Mapped[str] = mapped_column(sa.String(120))
    #: What was done, e.g. "export xapi".
    action: Mapped[str] = mapped_column(sa.String(60))
    #: What it covered: filters, period, number of records.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
