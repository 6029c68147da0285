"""The events features send each other: the sender does not import the receiver.

Each signal's sender is the account concerned; keyword arguments say more. Receivers subscribe with
``signals.password_changed.connect(receiver)`` in the module that reacts (sessions end, the audit log
writes a line), so a new feature plugs in without touching the code that sends.
"""
from __future__ import annotations

from blinker import Namespace

_events = Namespace()

#: A member's password was set: changed in the profile, chosen at first sign-in, or reset. ``by``: who set it.
password_changed = _events.signal("password-changed")
#: A way to sign in or be reached changed. ``fields``: the names of what changed ("email", "phone"); ``by``.
contact_changed = _events.signal("contact-changed")
#: An account's role changed. ``old``, ``new``: the roles; ``by``: who changed it (None: the command line).
role_changed = _events.signal("role-changed")
#: An account was erased; the sender is what remains of it (a tombstone). ``by``: who erased it (None: the
#: command line or the retention job).
account_erased = _events.signal("account-erased")
#: A sign-in failed: a wrong password, or no such account. The sender is the account the identifier named,
#: or None when it named none (the identifier itself is never sent).
sign_in_failed = _events.signal("sign-in-failed")
