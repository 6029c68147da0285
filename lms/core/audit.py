"""Writing the audit log (read by admins at /admin/audit)."""
from __future__ import annotations

import getpass

from lms.extensions import db
from lms.models import AuditEntry, User


def record(action: str, details: dict, user: User | None = None, actor: str | None = None) -> AuditEntry:
    """One entry: ``user`` acted in the browser; None means the command line (the OS user is kept).

    ``actor`` names who acted instead of ``user``'s username (account events name accounts by id only).
    """
    actor = actor or (user.username if user is not None else f"command line ({getpass.getuser()})")
    entry = AuditEntry(user_id=user.id if user is not None else None, actor=actor, action=action, details=details)
    db.session.add(entry)
    db.session.flush()
    return entry
