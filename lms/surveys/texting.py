"""Survey reminders by SMS, for members whose channel for them is SMS (lms/messaging/channels.py).

One short text per reminder, in the member's language, with a short link (lms/surveys/links.py), and the way to stop
(lms/messaging/texts.py), and nothing else: no name, no survey title, nothing that tells someone else reading a
shared phone what it is about. It waits for the
sending hours of the member's country (lms/messaging/hours.py); the delivery job sends it.

A member who chose SMS but cannot be texted now (they replied STOP, their number is not confirmed, or the gateway
does not reach it) gets no reminder at all, not an e-mail instead: they chose not to be reached by e-mail, and
STOP means "leave me alone", not "write to me elsewhere". The survey still waits on their home page.
"""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from lms import clock
from lms.i18n import member_language
from lms.messaging.channels import channel_for
from lms.messaging.hours import sending_time
from lms.messaging.outbox import queue_sms
from lms.messaging.segments import folded_for
from lms.messaging.texts import with_stop
from lms.models import SurveyInvitation, User
from lms.surveys import links

TOPIC = "survey_reminders"


def reminder_text(language: str, link: str) -> str:
    """The reminder's text in ``language``: the portal's name, that a short survey waits, the link; the way to stop."""
    with force_locale(language):
        text = _("%(portal)s: a short survey is waiting for you: %(link)s", portal=_("Fair Work Learning"), link=link)
    return folded_for(with_stop(text, language), language)


def remind_by_sms(user: User, invitation: SurveyInvitation, **_extra) -> None:
    """The reminder by SMS, if that is the member's channel: one queued SMS per reminder, whoever runs it how often.

    A receiver of ``signals.reminder_due`` (lms/surveys/receivers.py), beside the e-mail's; its transaction is
    committed after it. The SMS and its link are written together, and a reminder has one link at most."""
    if channel_for(user, TOPIC) != "sms":
        return
    send_after = sending_time(clock.utcnow(), user.phone, user.country)
    token = links.new_link(invitation, send_after)
    if token is None:  # this reminder's SMS is queued already
        return
    text = reminder_text(member_language(user), links.link_url(token))
    queue_sms(user.phone, text, TOPIC, user=user, send_after=send_after)
