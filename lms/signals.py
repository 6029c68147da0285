"""The events features send each other: the sender does not import the receiver.

Each signal's sender is the account concerned (for enrolled, course_completed and joined_group: its id, all
that the learning and group services hold); keyword arguments say more. Receivers subscribe with
``signals.password_changed.connect(receiver)`` in the module that reacts (sessions end, the audit log
writes a line, surveys invite), so a new feature plugs in without touching the code that sends. Receivers
run at once, in the sender's transaction (except reminder_due's, below); a feature's receivers module is imported
by ``create_app`` (``register_receivers``), so they listen in the web app, the CLI, the scheduler and the tests.
"""
from __future__ import annotations

from blinker import Namespace

_events = Namespace()

#: A member's password was set: changed in the profile, chosen at first sign-in, or reset. ``by``: who set it.
password_changed = _events.signal("password-changed")
#: A way to sign in or be reached changed. ``fields``: the names of what changed ("email", "phone"); ``by``.
contact_changed = _events.signal("contact-changed")
#: An account's number stopped being confirmed because another account confirmed the same number (it belongs to
#: whoever confirms it, lms/auth/phone.py): the number is kept, its confirmation and codes are gone.
phone_confirmed_elsewhere = _events.signal("phone-confirmed-elsewhere")
#: An account's role changed (a coordinator made a participant a trainer, lms/groups/services.py; an administrator
#: on a person's page, lms/admin/services.py). ``old``, ``new``: the roles; ``by``: who changed it.
role_changed = _events.signal("role-changed")
#: An account was erased; the sender is what remains of it (a tombstone). ``by``: who erased it (None: the
#: command line or the retention job).
account_erased = _events.signal("account-erased")
#: A sign-in failed: a wrong password, or no such account. The sender is the account the identifier named,
#: or None when it named none (the identifier itself is never sent).
sign_in_failed = _events.signal("sign-in-failed")
#: A member made their own account at sign-up (flushed, not yet committed). ``agreed_to``: the consent
#: purposes they ticked on the form ("membership").
signed_up = _events.signal("signed-up")
#: A member was enrolled in a course (a new enrolment, flushed); the sender is the member's id. ``course``.
enrolled = _events.signal("enrolled")
#: A member completed a course (its certificate flushed); the sender is the member's id. ``course``,
#: ``completed_at``.
course_completed = _events.signal("course-completed")
#: A member joined, or was added to, a training group (flushed, after their enrolment in its course); the
#: sender is the member's id. ``group``: the TrainingGroup.
joined_group = _events.signal("joined-group")
#: A reminder of a survey waiting for the member was counted, exactly once and committed (lms/surveys/reminders.py);
#: each channel that reaches members (e-mail, SMS) subscribes and sends it its own way if it is the member's channel.
#: The sender is the member; ``invitation``: the SurveyInvitation. Unlike the others, each receiver runs in a
#: transaction of its own: what it writes is committed after it, and one that raises is rolled back and logged while
#: the others still run. The reminder is never handed out again.
reminder_due = _events.signal("reminder-due")
#: An SMS came in through the gateway (lms/messaging/callbacks.py), already checked as the gateway's. The sender is
#: the number it came from (E.164); ``text``: what it says. Receivers react to what concerns them (STOP, START and
#: HELP, a code sent back) and return True when the text was theirs; a text no receiver took is answered as one the
#: portal cannot read (lms/messaging/keywords.py). The message itself is not stored.
sms_received = _events.signal("sms-received")
