"""What privacy records when another feature tells it something (``lms/signals.py``)."""
from __future__ import annotations

from lms import signals
from lms.privacy.services import give_consent


@signals.signed_up.connect
def _signed_up(user, agreed_to=(), **_extra) -> None:
    """The consent a member gave by ticking its box on the sign-up form, in the transaction that makes the account."""
    for purpose in agreed_to:
        give_consent(user, purpose)
