"""Survey reminders go on the member's channel: by SMS (one queued message per reminder, in their language, with a
short link and nothing personal, within the sending hours of their country), by e-mail, or not at all."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.i18n import UI_LANGUAGES
from lms.learn import services as learning
from lms.messaging.segments import measure
from lms.models import SurveyInvitation, SurveyLink, TextMessage, User
from lms.privacy.services import as_utc
from lms.surveys import invitations
from lms.surveys.reminders import announce, send_reminders
from lms.surveys.texting import remind_by_sms, reminder_text
from tests.helpers import BUNDLED_COURSE, at_once
from tests.surveys.helpers import PHONE, member_with_channel

#: A short link as the member gets it: the public address, /s/, 11 URL-safe characters.
SHORT_LINK = re.compile(r"^http://127\.0\.0\.1:5000/s/[A-Za-z0-9_-]{11}$")


def texts() -> list[TextMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(TextMessage).order_by(TextMessage.id)))


def link_of(message: TextMessage) -> str:
    """The link that ends the first line (the second says how to stop)."""
    return message.text.split("\n", 1)[0].rsplit(" ", 1)[-1]


def test_a_member_who_chose_sms_gets_one_sms_per_reminder_and_no_email(
        app_ctx, library, create_user, make_survey, inbox, sms_enabled):
    app_ctx.config.update(REMINDER_MAX=3, REMINDER_MIN_DAYS=7)
    member = member_with_channel(create_user, make_survey, email="amina@example.org")
    today = clock.today()
    assert send_reminders(today) == 1
    assert send_reminders(today) == 0
    (first,) = texts()
    assert (first.user_id, first.phone, first.country, first.kind, first.status) == (
        member.id, PHONE, "PE", "survey_reminders", "queued")
    assert send_reminders(today + timedelta(days=7)) == 1
    first_again, second = texts()
    assert first_again.id == first.id and link_of(first) != link_of(second)  # each reminder its own link
    assert inbox.messages == []


def test_a_member_who_chose_email_gets_the_email_and_no_sms(app_ctx, library, create_user, make_survey, inbox,
                                                            sms_enabled):
    member_with_channel(create_user, make_survey, channel="email", email="amina@example.org")
    assert send_reminders(clock.today()) == 1
    assert [m["to"] for m in inbox.wait_for(1)] == [["amina@example.org"]]
    assert texts() == []


def test_a_member_who_chose_not_at_all_gets_neither_but_the_survey_waits_in_the_portal(
        app_ctx, library, create_user, make_survey, inbox, sms_enabled):
    member = member_with_channel(create_user, make_survey, channel="none", email="amina@example.org")
    assert send_reminders(clock.today()) == 1  # counted: the in-app notice
    assert texts() == [] and inbox.messages == []
    assert len(invitations.waiting_for(member.id, clock.today())) == 1


def test_without_a_choice_a_member_without_email_is_reminded_by_sms(app_ctx, library, create_user, make_survey,
                                                                    inbox, sms_enabled):
    member_with_channel(create_user, make_survey, channel=None)
    assert send_reminders(clock.today()) == 1
    assert len(texts()) == 1


@pytest.mark.parametrize("number", ["stopped", "unconfirmed"])
def test_no_sms_to_a_stopped_or_unconfirmed_number_and_no_email_instead(
        app_ctx, library, create_user, make_survey, inbox, sms_enabled, number):
    """Who chose SMS is not written to by e-mail because SMS cannot go (texting.py says why); the portal still shows
    the survey."""
    member = member_with_channel(create_user, make_survey, email="amina@example.org",
                                 stopped=number == "stopped", confirmed=number == "stopped")
    assert send_reminders(clock.today()) == 1
    assert texts() == [] and inbox.messages == []
    assert db.session.scalars(select(SurveyLink)).all() == []
    assert len(invitations.waiting_for(member.id, clock.today())) == 1


def test_without_a_gateway_nothing_is_queued(app_ctx, library, create_user, make_survey):
    member_with_channel(create_user, make_survey)
    assert send_reminders(clock.today()) == 1
    assert texts() == []


def test_a_retried_receiver_or_a_reminder_announced_twice_queues_one_sms(app_ctx, library, create_user,
                                                                         make_survey, sms_enabled):
    member = member_with_channel(create_user, make_survey)
    assert send_reminders(clock.today()) == 1
    invitation = db.session.scalar(select(SurveyInvitation))
    remind_by_sms(member, invitation=invitation)  # the receiver again, for the same reminder
    db.session.commit()
    announce(invitation)  # every channel again
    assert len(texts()) == 1
    assert db.session.scalar(select(SurveyLink.reminder)) == 1


def test_two_runners_at_once_queue_one_sms(app, app_ctx, library, create_user, make_survey, sms_enabled):
    """Two scheduler processes: the claim lets one announce; and if both announced, the link of the reminder
    (unique per invitation and reminder) lets one queue."""
    for i in range(6):
        member_with_channel(create_user, make_survey, f"member{i}", survey=i == 0, phone=f"+5198765432{i}")
    assert sum(at_once([app, app_ctx], send_reminders)) == 6
    assert len(texts()) == 6 and len({m.user_id for m in texts()}) == 6

    member_id, invitation_id = texts()[0].user_id, db.session.scalar(
        select(SurveyInvitation.id).where(SurveyInvitation.user_id == texts()[0].user_id))

    def receiver_again():
        remind_by_sms(db.session.get(User, member_id), invitation=db.session.get(SurveyInvitation, invitation_id))
        db.session.commit()

    db.session.execute(SurveyLink.__table__.delete())  # as if the first runner had not got there yet
    db.session.commit()
    at_once([app, app_ctx], receiver_again)
    assert len([m for m in texts() if m.user_id == member_id]) == 2  # the first, and one (not two) for the race


def test_the_text_is_in_the_members_language_with_the_link_and_nothing_personal(
        app_ctx, library, create_user, make_survey, sms_enabled):
    member_with_channel(create_user, make_survey, locale="fr", display_name="Amina Diallo", email="amina@example.org")
    send_reminders(clock.today())
    (message,) = texts()
    link = link_of(message)
    assert SHORT_LINK.match(link)
    assert message.text == reminder_text("fr", link)
    with force_locale("fr"):
        assert _("Fair Work Learning") in message.text
    for personal in ("Amina", "Diallo", "amina", "Workers", "workers-voice", PHONE):
        assert personal not in message.text
    assert measure(message.text).segments == message.segments == 1


#: A long public address, for the longest link a deployment is likely to give.
LONG_PUBLIC_URL = "https://learning.fair-work-example.org"


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_every_languages_text_fits_in_two_sms_and_in_one_where_the_alphabet_allows(app_ctx, language):
    """Khmer, Burmese, Bengali, Arabic and Vietnamese take UCS-2 (70 characters an SMS, 67 a part): two at most;
    a text in the GSM alphabet, one."""
    link = f"{LONG_PUBLIC_URL}/s/{'x' * 11}"
    size = measure(reminder_text(language, link))
    assert size.segments <= 2, (language, size)
    if size.encoding == "gsm7":
        assert size.segments == 1, (language, size)


def test_the_sms_waits_for_the_sending_hours_of_the_members_country(
        app_ctx, library, create_user, make_survey, sms_enabled, frozen_clock):
    app_ctx.config.update(SMS_SENDING_HOURS="8-20")
    frozen_clock(datetime(2026, 3, 4, 22, 0, tzinfo=UTC))  # 17:00 in Lima, 1:00 in Nairobi
    member_with_channel(create_user, make_survey, "amina")
    member_with_channel(create_user, make_survey, "wanjiru", survey=False, phone="+254712345678", country="KE")
    assert send_reminders(clock.today()) == 2
    when = {m.phone: as_utc(m.send_after) for m in texts()}
    assert when == {PHONE: datetime(2026, 3, 4, 22, 0, tzinfo=UTC),
                    "+254712345678": datetime(2026, 3, 5, 5, 0, tzinfo=UTC)}  # 8:00 in Nairobi


def test_an_anonymous_surveys_reminder_row_tells_nothing_of_the_survey(app_ctx, library, create_user, make_survey,
                                                                       sms_enabled, frozen_clock):
    """A member reminded of an anonymous and of an identified survey: the two rows differ only by their id and the
    token of their link, which is kept only as a hash, tied to the invitation (which already says who was invited to
    what)."""
    course = learning.find_course(BUNDLED_COURSE)
    make_survey(code="anonymous-voice", privacy="anonymous", course=course, waves=["baseline"])
    make_survey(code="named-voice", privacy="identified", course=course, waves=["baseline"])
    member_with_channel(create_user, make_survey, survey=False)
    assert send_reminders(clock.today()) == 2
    first, second = texts()
    columns = [column.name for column in TextMessage.__table__.columns]
    assert {name for name in columns if getattr(first, name) != getattr(second, name)} == {"id", "text"}
    tokens = [link_of(message).rsplit("/", 1)[1] for message in (first, second)]
    assert first.text.replace(tokens[0], "") == second.text.replace(tokens[1], "")
    assert first.kind == "survey_reminders" and not [name for name in columns if re.search("survey|wave", name)]
    hashes = db.session.scalars(select(SurveyLink.token_hash)).all()
    assert len(hashes) == 2 and not [token for token in tokens if any(token in h for h in hashes)]
    assert [column.name for column in SurveyLink.__table__.columns] == [
        "token_hash", "invitation_id", "reminder", "expires_at"]
