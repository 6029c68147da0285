"""Writing the audit log (read by admins at /admin/audit), and the translated names of what it records.

An action and a detail's key are stored codes (data: never rename one); their labels are msgids.
"""
from __future__ import annotations

import getpass

from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import AuditEntry, User

#: Every action written to the log, with its label (tests/admin/test_audit_log.py checks every ``record`` call has one).
ACTION_LABELS = {
    "add organisation": _l("Organisation added"),
    "edit organisation": _l("Organisation corrected"),
    "delete organisation": _l("Organisation deleted"),
    "view account": _l("Account viewed"),
    "change scope": _l("Country or organisation changed"),
    "end sessions": _l("Sessions ended"),
    "suspend account": _l("Account suspended"),
    "reinstate account": _l("Account reinstated"),
    "sign in": _l("Signed in"),
    "sign in failed": _l("Sign-in failed"),
    "change password": _l("Password changed"),
    "change contact": _l("Contact details changed"),
    "change role": _l("Role changed"),
    "erase account": _l("Account erased"),
    "end session: remember cookie reused": _l("Session ended: a stolen sign-in cookie was reused"),
    "edit workplace": _l("Workplace corrected"),
    "delete workplace": _l("Workplace deleted"),
    "enter workplace answers": _l("Workplace answers entered"),
    "delete survey": _l("Survey deleted"),
    "export xapi": _l("Learning records exported (xAPI)"),
    "erase inactive accounts": _l("Inactive accounts erased"),
    "view group members": _l("Group members viewed"),
    "download group register": _l("Group register downloaded"),
    "course review rule": _l("Course's rule on independent review changed"),
    "create group accounts": _l("Group accounts created"),
    "record group session": _l("Group session recorded"),
    "change group session": _l("Group session corrected"),
    "delete group session": _l("Group session deleted"),
    "view paper scores": _l("Paper scores viewed"),
    "change paper score": _l("Paper score corrected"),
    "delete paper score": _l("Paper score deleted"),
    "view group certificates": _l("Group certificates viewed"),
    "send group message": _l("Message sent to a group"),
}

#: The keys of an entry's details, with their labels; a key not here is shown as it is stored.
DETAIL_LABELS = {
    "account": _l("Account"),
    "accounts": _l("Accounts"),
    "acronym": _l("Acronym"),
    "attempt": _l("Score"),
    "certificates": _l("Certificates"),
    "code": _l("Code"),
    "country": _l("Country"),
    "course": _l("Course"),
    "emails": _l("E-mails"),
    "fields": _l("Fields changed"),
    "file": _l("File"),
    "group_id": _l("Group"),
    "inactive_days": _l("Days inactive"),
    "independent": _l("Review by someone other than the translator"),
    "members": _l("Members"),
    "module": _l("Module"),
    "name": _l("Name"),
    "new": _l("New role"),
    "old": _l("Former role"),
    "organisation": _l("Organisation"),
    "present": _l("Present"),
    "reason": _l("Reason"),
    "rounds": _l("Survey rounds"),
    "session_id": _l("Session"),
    "sessions": _l("Sessions"),
    "since": _l("Since"),
    "sms": _l("SMS"),
    "statements": _l("Records"),
    "survey": _l("Survey"),
    "wave_id": _l("Survey round"),
    "way": _l("How"),
    "workplace": _l("Workplace"),
}

#: The names of the fields a change lists (``fields``).
FIELD_LABELS = {
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "country": _l("Country"),
    "organisation": _l("Organisation"),
    "organisation_id": _l("Organisation"),
    "coordinated countries": _l("Countries they coordinate"),
    "coordinated organisations": _l("Organisations they coordinate"),
    "role": _l("Role"),
    "name": _l("Name"),
    "acronym": _l("Acronym"),
    "sector": _l("Sector"),
}

#: Stored words of some details (a failed sign-in's reason, how a password was changed).
VALUE_LABELS = {
    "paused after too many tries": _l("paused after too many tries"),
    "one-time password expired": _l("one-time password expired"),
    "suspended": _l("account suspended"),
    "e-mail link": _l("link sent by e-mail"),
    "sms code": _l("code sent by SMS"),
    "code by SMS refused": _l("code sent by SMS refused"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def record(action: str, details: dict, user: User | None = None, actor: str | None = None) -> AuditEntry:
    """One entry: ``user`` acted in the browser; None means the command line (the OS user is kept).

    ``actor`` names who acted instead of ``user``'s username (account events name accounts by id only).
    """
    actor = actor or (user.username if user is not None else f"command line ({getpass.getuser()})")
    entry = AuditEntry(user_id=user.id if user is not None else None, actor=actor, action=action, details=details)
    db.session.add(entry)
    db.session.flush()
    return entry
