"""What surveys do when another feature tells them something (``lms/signals.py``): a member enrolled, completed
a course or joined a group, so the waves now due to them are opened, in the same transaction; a reminder is
due, so it goes by e-mail or SMS; an account was erased, so the links of its reminders go."""
from __future__ import annotations

from lms import clock, signals
from lms.surveys.invitations import sync_invitations
from lms.surveys.links import forget_dead_links
from lms.surveys.reminders import remind_by_mail
from lms.surveys.texting import remind_by_sms


@signals.enrolled.connect
def _enrolled(user_id: int, **_extra) -> None:
    sync_invitations(clock.today(), user_id)  # a baseline survey is due before the first lesson


@signals.course_completed.connect
def _course_completed(user_id: int, **_extra) -> None:
    sync_invitations(clock.today(), user_id)  # endline surveys are due at completion


@signals.joined_group.connect
def _joined_group(user_id: int, **_extra) -> None:
    sync_invitations(clock.today(), user_id)  # the waves of the group and of its course


@signals.account_erased.connect
def _account_erased(_user, **_extra) -> None:
    forget_dead_links(clock.utcnow())  # its invitations are gone: their links' tokens must point at nothing


signals.reminder_due.connect(remind_by_mail)
signals.reminder_due.connect(remind_by_sms)
