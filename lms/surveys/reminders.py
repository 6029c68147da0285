"""Reminding members of the surveys waiting for them: each reminder claimed once, then announced
(``signals.reminder_due``) to the channels; each sends it only if it is the member's channel for survey reminders
(lms/messaging/channels.py): e-mail here, SMS in lms/surveys/texting.py."""
from __future__ import annotations

import logging
import smtplib
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms import clock, signals
from lms.core.mail import mail_configured, send_mail
from lms.extensions import db
from lms.i18n import member_language, pick_string
from lms.messaging.channels import channel_for
from lms.models import Survey, SurveyInvitation, SurveyVersion, SurveyWave, User
from lms.surveys.links import forget_dead_links

log = logging.getLogger(__name__)


def send_reminders(today: date | None = None) -> int:
    """Remind members of surveys waiting for them: first when due, then every REMINDER_MIN_DAYS, up to REMINDER_MAX;
    how many reminders were counted (each once, whatever its channels did with it)."""
    today = today or clock.today()
    config = current_app.config
    forget_dead_links(clock.utcnow())
    db.session.commit()
    latest = today - timedelta(days=config["REMINDER_MIN_DAYS"])
    candidates = db.session.execute(
        select(SurveyInvitation.id, SurveyInvitation.reminders_sent, SurveyInvitation.last_reminded_on)
        .join(SurveyWave).join(Survey)
        .where(SurveyInvitation.answered.is_(False),
               sa.or_(SurveyInvitation.consent.is_(None), SurveyInvitation.consent == "given"),
               SurveyInvitation.due_on <= today, SurveyInvitation.reminders_sent < config["REMINDER_MAX"],
               sa.or_(SurveyInvitation.last_reminded_on.is_(None), SurveyInvitation.last_reminded_on <= latest),
               sa.or_(SurveyWave.closes_on.is_(None), SurveyWave.closes_on >= today),
               Survey.versions.any(SurveyVersion.published_at.is_not(None)))
        .order_by(SurveyInvitation.id)).all()
    sent = 0
    for invitation_id, count, last in candidates:
        if claim_reminder(invitation_id, count, last, today):
            announce(db.session.get(SurveyInvitation, invitation_id))
            sent += 1
    return sent


def announce(invitation: SurveyInvitation) -> None:
    """Hand a counted reminder to each channel in turn (``signals.reminder_due``), each in its own transaction: a
    channel that fails is rolled back and logged, and the others, and the next members' reminders, still go."""
    user = db.session.get(User, invitation.user_id)
    for channel in list(signals.reminder_due.receivers_for(user)):
        try:
            channel(user, invitation=invitation)
            db.session.commit()
        except Exception as error:  # one channel's failure is not the others'
            db.session.rollback()
            # Neither the member nor the invitation: a line would date a member's survey.
            log.warning("a reminder channel failed: %s", type(error).__name__)


def claim_reminder(invitation_id: int, count: int, last: date | None, today: date) -> bool:
    """Count the reminder as sent; True only for the one runner whose update changed the row."""
    last_matches = (SurveyInvitation.last_reminded_on.is_(None) if last is None
                    else SurveyInvitation.last_reminded_on == last)
    result = db.session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation_id, SurveyInvitation.reminders_sent == count, last_matches)
        .values(reminders_sent=count + 1, last_reminded_on=today).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def remind_by_mail(user: User, invitation: SurveyInvitation, **_extra) -> None:
    """The reminder by e-mail, if that is the member's channel (the in-app notice is the count on the invitation).

    A receiver of ``signals.reminder_due`` (lms/surveys/receivers.py), beside the SMS's."""
    if channel_for(user, "survey_reminders") != "email" or not mail_configured():
        return
    survey = invitation.wave.survey
    language = member_language(user)
    with force_locale(language), current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        title = pick_string(survey.translations, language, survey.source_language, "title")
        link = url_for("surveys.consent", invitation_id=invitation.id, _external=True)
        subject = _("A short survey is waiting for you: %(title)s", title=title)
        body = "\n\n".join([
            _("Hello %(name)s,", name=user.display_name),
            _("The survey “%(title)s” is waiting for you. It takes a few minutes, and your answers show "
              "whether the training changes things at work.", title=title),
            link,
            _("You can decline it on the same page; then you will not be reminded again."),
        ])
    try:
        send_mail(user.email, subject, body)
    except (smtplib.SMTPException, OSError) as error:
        # Already counted: a member is never sent the same reminder twice, even if this one is lost.
        # Neither the invitation (it would date a member's survey) nor the server's answer (it quotes the address).
        log.warning("a reminder e-mail was not sent: %s", type(error).__name__)
