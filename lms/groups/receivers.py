"""What groups do when other features send their signals (lms/signals.py)."""
from __future__ import annotations

from lms import signals
from lms.groups import messages, services


@signals.course_completed.connect
def _course_completed(user_id: int, *, course, **_extra) -> None:
    """The certificate just issued names the partner organisation of the member's group."""
    services.name_issuer(user_id, course.id)


@signals.account_erased.connect
def _account_erased(user, **_extra) -> None:
    """Which group messages were for the member, and the drafts they wrote, go with their account."""
    messages.forget_member(user.id)
