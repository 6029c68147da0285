"""Messages to a group: write (kept as a draft), preview on a page of its own (segments, encoding, recipients by
channel and by name, why others are not reached, cost), confirm once; the SMS queued for each member reached by SMS
in their sending hours, the e-mails after the answer; the list of those sent; each member reads those for them."""
from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_UP, Decimal
from types import SimpleNamespace

import pytest
from babel.numbers import format_currency
from flask import current_app
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.groups import messages
from lms.groups import services as groups
from lms.messaging.segments import measure
from lms.models import (
    AuditEntry,
    ContactPreference,
    GroupMember,
    GroupMessage,
    GroupMessageDraft,
    GroupMessageRecipient,
    TextMessage,
    TrainingGroup,
    User,
)
from tests.helpers import at_once, csrf_token, post_form, row_counts, sign_in

SMS_PHONE = "+51912345678"  # Peru: America/Lima
KHMER = "សូមអញ្ជើញមកប្រជុំក្រុមនៅថ្ងៃព្រហស្បតិ៍ម៉ោងដប់ព្រឹកនៅសាលប្រជុំសហជីពរបស់យើងក្នុងក្រុងភ្នំពេញ"


@pytest.fixture
def world(client, create_user, library, sms_enabled):
    """A Benin group of four members, one on each channel: SMS, e-mail, chose none, cannot be reached; its
    trainer signed in on ``client``; one session, at which the SMS member was present."""
    from lms.learn.services import find_course
    from tests.helpers import BUNDLED_COURSE

    trainer = create_user("tina", role="trainer", country="BJ")
    texted = create_user("sam", country="PE", phone=SMS_PHONE, locale="en")
    texted.phone_confirmed_at = clock.utcnow()
    mailed = create_user("emma", country="BJ", email="emma@example.org", locale="en")
    declined = create_user("dina", country="BJ", email="dina@example.org", locale="en")
    unreachable = create_user("ursula", country="BJ", phone="+2290197123456", locale="en")  # not confirmed, no e-mail
    db.session.add(ContactPreference(user_id=declined.id, topic="group_news", channel="none"))
    group = groups.create_group(trainer=trainer, course=find_course(BUNDLED_COURSE), name="Cotonou hotels",
                                country="BJ", place="Cotonou", mode="in-person",
                                starts_on=clock.today() - timedelta(days=7), ends_on=clock.today() + timedelta(days=30))
    db.session.add_all([GroupMember(group_id=group.id, user_id=user.id)
                        for user in (texted, mailed, declined, unreachable)])
    session = groups.record_session(group, held_on=clock.today(), topic="Module 1", present=[texted.id])
    world = SimpleNamespace(group=group.id, session=session.id, trainer=trainer.id, texted=texted.id,
                            mailed=mailed.id, declined=declined.id, unreachable=unreachable.id,
                            new=f"/groups/{group.id}/messages/new", send=f"/groups/{group.id}/messages/send")
    db.session.commit()  # and no read after it: the test's reads see what the requests write
    sign_in(client, "tina")
    return world


def compose(client, world, text="Thursday's session moves to Friday, 10:00.", url=None, **changes):
    """The compose form posted: a redirect to the draft's preview, or the form again with its errors."""
    return post_form(client, url or world.new, {"text": text, "audience": "group", **changes}, page=world.new)


def preview(client, world, text="Thursday's session moves to Friday, 10:00.", url=None, **changes):
    """The preview page a browser lands on after posting the compose form (or the form again, refused)."""
    posted = compose(client, world, text, url, **changes)
    if posted.status_code != 303:
        return posted
    return client.get(posted.headers["Location"])


def confirmation_form(page) -> dict:
    """The hidden fields of a preview's confirmation, as a browser sends them back."""
    body = page.get_data(as_text=True)
    form = body[body.index('action="/groups/'):]
    return {name: html.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form)}


def group_of(world) -> TrainingGroup:
    return db.session.get(TrainingGroup, world.group)


def counts() -> dict:
    db.session.rollback()  # a new transaction: what requests wrote since the last read
    return {"messages": db.session.scalar(select(func.count(GroupMessage.id))),
            "sms": db.session.scalar(select(func.count(TextMessage.id))),
            "audit": db.session.scalar(select(func.count(AuditEntry.id))
                                       .where(AuditEntry.action == "send group message"))}


def text_of(page) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True))))


def test_the_preview_of_a_gsm7_text_shows_its_length_recipients_per_channel_and_sends_nothing(client, app_ctx, world):
    page = preview(client, world)
    assert page.status_code == 200
    shown = text_of(page)
    # 42 characters written, 20 before them ("Fair Work Learning: ") and 20 after ("\nReply STOP to stop."), as it goes
    assert "1 SMS" in shown and "82 characters" in shown and "basic SMS alphabet (GSM-7)" in shown
    assert "Fair Work Learning: Thursday's session moves to Friday, 10:00. Reply STOP to stop." in shown
    assert "Cotonou hotels:" not in shown  # the group's name is not in its SMS
    assert "By SMS 1" in shown and "By e-mail 1" in shown
    assert "Chose not to get group news 1" in shown
    assert "Cannot be reached by SMS or e-mail (the reasons are listed below) 1" in shown
    assert "No price per SMS is set for this portal, so the cost cannot be estimated: 1 SMS in all." in shown
    assert counts() == {"messages": 0, "sms": 0, "audit": 0}


def test_a_text_outside_gsm7_is_ucs2_and_its_cost_is_shown_in_the_readers_locale(client, app, app_ctx, world,
                                                                                   create_user, monkeypatch):
    second = create_user("kofi", country="PE", phone="+51912345679", locale="en")
    second.phone_confirmed_at = clock.utcnow()
    db.session.add(GroupMember(group_id=world.group, user_id=second.id))
    db.session.commit()
    monkeypatch.setitem(app.config, "SMS_PRICE_PER_SEGMENT", "0.05")
    monkeypatch.setitem(app.config, "SMS_CURRENCY", "EUR")
    assert len(KHMER) > 70 and measure(KHMER).segments == 2
    page = preview(client, world, KHMER, url=world.new + "?lang=fr")
    shown = text_of(page)
    assert "2 SMS" in shown and "UCS-2" in shown and "khmer, birman, bengali, arabe, vietnamien" in shown
    # 2 members by SMS x 2 SMS x 0.05 EUR, written as a French reader writes it.
    assert format_currency(Decimal("0.20"), "EUR", locale="fr") in page.get_data(as_text=True)
    assert format_currency(Decimal("0.05"), "EUR", locale="fr") in page.get_data(as_text=True)
    assert counts() == {"messages": 0, "sms": 0, "audit": 0}


def test_confirming_queues_one_sms_per_sms_member_emails_the_others_and_records_it(client, app_ctx, world, inbox):
    text = "Thursday's session moves to Friday.\r\nBring your notebook."
    sent = client.post(world.send, data=confirmation_form(preview(client, world, text=text)))
    assert sent.status_code == 303 and sent.headers["Location"] == f"/groups/{world.group}/messages"
    [sms] = db.session.scalars(select(TextMessage)).all()
    message = db.session.scalars(select(GroupMessage)).one()
    assert (sms.user_id, sms.phone, sms.kind, sms.status) == (world.texted, SMS_PHONE, "group_news", "queued")
    # the group's name first, the way to stop last, in the member's language
    assert sms.text == ("Fair Work Learning: Thursday's session moves to Friday.\nBring your notebook.\n"
                        "Reply STOP to stop.")
    assert sms.group_message_id == message.id and sms.country == "PE"
    assert (message.group_id, message.sender_id, message.audience, message.session_id) == (
        world.group, world.trainer, "group", None)
    assert message.text == text.replace("\r\n", "\n") and (message.emails, message.unreached) == (1, 2)
    assert {(r.user_id, r.channel) for r in db.session.scalars(select(GroupMessageRecipient))} == {
        (world.texted, "sms"), (world.mailed, "email"), (world.declined, "none"), (world.unreachable, "none")}
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "send group message")).all()
    assert entry.details == {"group_id": world.group, "sms": 1, "emails": 1}
    sent.close()  # as a server does once the answer has gone: then the e-mails go
    [mail] = inbox.wait_for(1)
    assert mail["to"] == ["emma@example.org"] and "Bring your notebook." in mail["body"]
    assert "Cotonou hotels" not in mail["subject"]
    db.session.expire_all()
    assert db.session.get(GroupMessage, message.id).emails_sent == 1
    assert "on its way" in client.get(sent.headers["Location"]).get_data(as_text=True)


def test_a_confirmation_sends_once_whether_posted_again_or_twice_at_once(client, app, data_app, app_ctx, world):
    form = confirmation_form(preview(client, world))
    assert client.post(world.send, data=form).status_code == 303
    again = client.post(world.send, data=form, follow_redirects=True)
    assert "This message was sent already; it was not sent again." in again.get_data(as_text=True)
    assert counts() == {"messages": 1, "sms": 1, "audit": 1}

    twice = confirmation_form(preview(client, world, text="Twice at once?"))

    def confirm():
        with current_app.test_request_context(method="POST"):  # as a request would: SQLite's write lock first
            group, sender = db.session.get(TrainingGroup, world.group), db.session.get(User, world.trainer)
            try:
                messages.send(group, sender, twice["confirmation"])
            except messages.AlreadySent:
                db.session.rollback()
                return "refused"
            db.session.commit()
            return "sent"

    assert sorted(at_once([app, data_app], confirm)) == ["refused", "sent"]
    db.session.expire_all()
    assert counts()["messages"] == 2 and counts()["sms"] == 2


def test_those_absent_from_a_session_are_its_members_with_no_presence_recorded(client, app_ctx, world, inbox):
    page = preview(client, world, audience="absent", session=str(world.session))
    shown = text_of(page)
    assert "To those absent from the session of" in shown
    assert "By SMS 0" in shown and "By e-mail 1" in shown  # the SMS member was present
    sent = client.post(world.send, data=confirmation_form(page))
    assert sent.status_code == 303
    sent.close()
    message = db.session.scalars(select(GroupMessage)).one()
    assert (message.audience, message.session_id, message.emails) == ("absent", world.session, 1)
    assert counts()["sms"] == 0 and inbox.wait_for(1)[0]["to"] == ["emma@example.org"]


def test_who_joined_after_the_session_was_not_absent_from_it(client, app_ctx, world, create_user):
    late = create_user("kofi", country="PE", phone="+51912345670")
    late.phone_confirmed_at = clock.utcnow()
    db.session.add(GroupMember(group_id=world.group, user_id=late.id,
                               joined_at=datetime.combine(clock.today() + timedelta(days=1), datetime.min.time(),
                                                          tzinfo=UTC)))
    db.session.commit()
    shown = text_of(preview(client, world, audience="absent", session=str(world.session)))
    assert "By SMS 0" in shown and "By e-mail 1" in shown
    assert "By SMS 2" in text_of(preview(client, world))  # the whole group: the late member too


def test_sms_wait_for_the_sending_hours_of_each_members_time_zone(client, app, app_ctx, world, create_user,
                                                                 frozen_clock, monkeypatch):
    kenyan = create_user("wanjiru", country="KE", phone="+254712345678")
    kenyan.phone_confirmed_at = clock.utcnow()
    db.session.add(GroupMember(group_id=world.group, user_id=kenyan.id))
    db.session.commit()
    monkeypatch.setitem(app.config, "SMS_SENDING_HOURS", "11-20")
    frozen_clock(datetime(2026, 3, 4, 9, 30, tzinfo=UTC))  # 04:30 in Lima, 12:30 in Nairobi
    page = preview(client, world)
    assert "between 11:00 AM and 8:00 PM" in text_of(page)
    client.post(world.send, data=confirmation_form(page))
    after = {sms.user_id: sms.send_after.replace(tzinfo=UTC) for sms in db.session.scalars(select(TextMessage))}
    assert after == {world.texted: datetime(2026, 3, 4, 16, 0, tzinfo=UTC),  # 11:00 in Lima
                     kenyan.id: datetime(2026, 3, 4, 9, 30, tzinfo=UTC)}  # at once


@pytest.mark.parametrize("changes, reason", [
    ({"text": "   "}, "Please write the message."),
    # 3 parts of 153, less the 40 characters of the portal's name and the way to stop, plus one
    ({"text": "a" * (153 * 3 - 40 + 1)}, "With the portal's name and the way to stop, this message takes 4 SMS; a "
                                         "message to a group may take 3 at most."),
    ({"audience": "absent", "session": ""}, "Please choose one of this group's sessions."),
    ({"audience": "absent", "session": "other group"}, "Please choose one of this group's sessions."),
    ({"audience": "nobody"}, "Not a valid choice."),
])
def test_a_bad_message_is_refused_at_preview_and_changes_nothing(client, app_ctx, world, changes, reason):
    if changes.get("session") == "other group":
        other = groups.create_group(trainer=db.session.get(User, world.trainer), course=group_of(world).course,
                                    name="Elsewhere", country="BJ", place="Parakou", mode="in-person",
                                    starts_on=clock.today(), ends_on=clock.today())
        elsewhere = groups.record_session(other, held_on=clock.today(), topic="Module 1", present=[])
        db.session.commit()
        changes = {**changes, "session": str(elsewhere.id)}
    before = row_counts()
    refused = preview(client, world, **changes)
    assert refused.status_code == 400 and reason in text_of(refused)
    assert row_counts() == before  # no draft either


def test_what_goes_is_the_previewed_draft_whatever_else_is_posted_with_its_confirmation(client, app_ctx, world):
    good = confirmation_form(preview(client, world))
    sent = client.post(world.send, data={**good, "text": "a" * 1000, "audience": "absent", "session": "x"})
    assert sent.status_code == 303
    message = db.session.scalars(select(GroupMessage)).one()
    assert (message.text, message.audience) == ("Thursday's session moves to Friday, 10:00.", "group")


def test_an_empty_audience_is_refused_and_changes_nothing(client, app_ctx, world):
    session = groups.record_session(group_of(world), held_on=clock.today(), topic="All there",
                                    present=[world.texted, world.mailed, world.declined, world.unreachable]).id
    db.session.commit()
    before = row_counts()
    refused = preview(client, world, audience="absent", session=str(session))
    assert refused.status_code == 400
    assert "Nobody is in this audience: there is no one to send it to." in text_of(refused)
    assert row_counts() == before


def test_a_message_no_channel_carries_still_goes_to_the_group_page(client, app, app_ctx, world):
    """Outside tester 1b: the only member had replied STOP, and the trainer got a bare refusal."""
    session = groups.record_session(group_of(world), held_on=clock.today(), topic="Two there",
                                    present=[world.texted, world.mailed]).id
    db.session.commit()
    page = preview(client, world, "Bring the forms.", audience="absent", session=str(session))
    assert "No one gets it by SMS or e-mail: the members read it on the group's page" in text_of(page)
    assert client.post(world.send, data=confirmation_form(page)).status_code == 303
    assert counts()["sms"] == 0
    member = app.test_client()
    sign_in(member, "dina")
    assert "Bring the forms." in text_of(member.get(f"/groups/{world.group}"))


@pytest.mark.parametrize("tamper", [
    lambda form: {**form, "confirmation": form["confirmation"][:-2] + "xx"},
    lambda form: {**form, "confirmation": ""},
])
def test_a_tampered_confirmation_is_refused_sends_nothing_and_shows_the_preview_again(client, app_ctx, world, tamper):
    form = confirmation_form(preview(client, world))
    before = row_counts()
    refused = client.post(world.send, data=tamper(form))
    assert refused.status_code == 303 and refused.headers["Location"].endswith(f"/drafts/{form['draft']}")
    assert row_counts() == before
    shown = text_of(client.get(refused.headers["Location"]))
    assert "This confirmation is not the one the preview gave: nothing was sent." in shown
    assert "Send the message" in shown


def test_a_confirmation_naming_no_draft_of_the_sender_is_refused_with_the_form(client, app_ctx, world):
    form = confirmation_form(preview(client, world))
    before = row_counts()
    refused = client.post(world.send, data={**form, "confirmation": "", "draft": "0" * 32})
    assert refused.status_code == 400 and "not the one the preview gave" in text_of(refused)
    assert row_counts() == before


def test_a_confirmation_for_another_group_or_by_another_trainer_is_refused(client, app, app_ctx, world, create_user):
    form = confirmation_form(preview(client, world))
    create_user("cora", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    coordinator = app.test_client()
    sign_in(coordinator, "cora")
    before = row_counts()
    refused = coordinator.post(world.send, data={**form, "csrf_token": csrf_token(coordinator, world.new)})
    assert refused.status_code == 400 and "not the one the preview gave" in text_of(refused)
    assert row_counts() == before


def test_an_old_preview_is_refused_and_shown_again_to_be_checked(client, app_ctx, world, frozen_clock):
    form = confirmation_form(preview(client, world))
    frozen_clock(clock.utcnow() + timedelta(minutes=messages.PREVIEW_MINUTES + 1))
    before = row_counts()
    refused = client.post(world.send, data=form)
    assert refused.status_code == 303 and row_counts() == before
    again = client.get(refused.headers["Location"])
    assert "more than 30 minutes old" in text_of(again)
    assert client.post(world.send, data=confirmation_form(again)).status_code == 303  # checked again, it goes
    assert counts()["messages"] == 1


def test_recipients_that_changed_since_the_preview_are_shown_again_and_nothing_is_sent(client, app_ctx, world):
    form = confirmation_form(preview(client, world))
    db.session.add(ContactPreference(user_id=world.mailed, topic="group_news", channel="none"))
    db.session.commit()
    before = row_counts()
    refused = client.post(world.send, data=form)
    assert refused.status_code == 303 and row_counts() == before
    again = client.get(refused.headers["Location"])
    shown = text_of(again)
    assert "Whom the message reaches has changed since the preview" in shown and "By e-mail 0" in shown
    assert client.post(world.send, data=confirmation_form(again)).status_code == 303  # the new preview sends


def test_an_archived_group_is_sent_no_message(client, app_ctx, world):
    form = confirmation_form(preview(client, world))
    groups.archive_group(group_of(world))
    db.session.commit()
    before = row_counts()
    refused = client.post(world.send, data=form)
    assert refused.status_code == 302 and row_counts() == before
    group_page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "An archived group is sent no messages" in group_page and "Send a message" not in group_page


def test_the_group_page_lists_what_was_sent_and_where_its_sms_are_and_members_see_only_the_texts_for_them(
        client, app, app_ctx, world, create_user):
    for text in ("First news", "Second news"):
        client.post(world.send, data=confirmation_form(preview(client, world, text=text)))
    first, second = db.session.scalars(select(GroupMessage).order_by(GroupMessage.id)).all()
    for message, status in ((first, "delivered"), (second, "failed")):
        db.session.execute(db.update(TextMessage).where(TextMessage.group_message_id == message.id)
                           .values(status=status))
    db.session.commit()
    page = client.get(f"/groups/{world.group}").get_data(as_text=True)
    assert page.index("Second news") < page.index("First news")  # newest first
    shown = text_of(client.get(f"/groups/{world.group}"))
    assert "Failed: 1" in shown and "Delivered: 1" in shown and "The whole group" in shown
    assert "Test Member" in shown  # the sender
    member = app.test_client()
    sign_in(member, "sam")
    seen = member.get(f"/groups/{world.group}").get_data(as_text=True)
    assert "First news" in seen and "Send a message" not in seen and "Sent by" not in seen and "SMS" not in seen
    assert member.get(f"/groups/{world.group}/messages").status_code == 403
    assert member.get(world.new).status_code == 403


def test_the_list_of_messages_is_paged(client, app_ctx, world):
    group = group_of(world)
    start = clock.utcnow()
    db.session.add_all([GroupMessage(group_id=group.id, sender_id=world.trainer, text=f"News {n:02d}",
                                     audience="group", preview_id=f"p{n}", created_at=start + timedelta(minutes=n))
                        for n in range(25)])
    db.session.commit()
    first = text_of(client.get(f"/groups/{world.group}/messages"))
    assert "News 24" in first and "News 05" in first and "News 04" not in first and "Page 1 of 2" in first
    assert "News 04" in text_of(client.get(f"/groups/{world.group}/messages?page=2"))
    group_page = text_of(client.get(f"/groups/{world.group}"))
    assert "News 20" in group_page and "News 19" not in group_page and "All 25 messages sent to the group" in group_page


def test_the_groups_coordinator_sends_and_other_trainers_and_coordinators_are_refused(app, app_ctx, world,
                                                                                      create_user):
    create_user("cora", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    create_user("pedro", role="coordinator", country="PE", coordinated_countries=["PE"])
    create_user("otto", role="trainer", country="BJ")
    for username in ("pedro", "otto"):
        other = app.test_client()
        sign_in(other, username)
        assert other.get(world.new).status_code == 403
        assert other.post(world.send, data={"csrf_token": csrf_token(other, "/profile")}).status_code == 403
        assert other.get(f"/groups/{world.group}/messages").status_code == 403
    coordinator = app.test_client()
    sign_in(coordinator, "cora")
    assert coordinator.post(world.send, data=confirmation_form(preview(coordinator, world))).status_code == 303
    assert db.session.scalars(select(GroupMessage)).one().sender_id != world.trainer



@pytest.mark.parametrize("cost, currency, rounded", [
    (Decimal("0.15"), "XOF", Decimal("1")), (Decimal("1.0075"), "EUR", Decimal("1.01")),
    (Decimal("2.5"), "EUR", Decimal("2.50"))])
def test_a_cost_is_rounded_up_to_the_currencys_smallest_unit_never_down(app, cost, currency, rounded):
    from lms.groups.message_views import cost_shown

    with app.test_request_context("/?lang=en"):
        assert cost_shown(cost, currency) == format_currency(rounded, currency, locale="en")


def test_a_mail_server_that_fails_is_not_tried_again_for_each_member(client, app, app_ctx, world, create_user,
                                                                    monkeypatch):
    second = create_user("efua", country="BJ", email="efua@example.org")
    db.session.add(GroupMember(group_id=world.group, user_id=second.id))
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    tried = []

    def unreachable(to, subject, body):
        tried.append(to)
        raise ConnectionRefusedError

    monkeypatch.setattr(messages, "send_mail", unreachable)
    sent = client.post(world.send, data=confirmation_form(preview(client, world)))
    sent.close()
    assert len(tried) == 1
    db.session.rollback()
    assert db.session.scalars(select(GroupMessage)).one().emails == 2
    assert db.session.scalars(select(GroupMessage)).one().emails_sent == 0


def test_the_preview_names_each_member_by_channel_and_why_the_others_are_not_reached(client, app_ctx, world,
                                                                                     create_user):
    stopped = create_user("stella", country="BJ", phone="+2290197123457", display_name="Stella Stop")
    stopped.phone_confirmed_at = stopped.sms_stopped_at = clock.utcnow()
    nothing = create_user("nadia", country="BJ", display_name="Nadia Nothing")
    no_mail = create_user("mona", country="BJ", phone="+2290197123458", display_name="Mona Mail")
    db.session.add(ContactPreference(user_id=no_mail.id, topic="group_news", channel="email"))
    db.session.add_all([GroupMember(group_id=world.group, user_id=u.id) for u in (stopped, nothing, no_mail)])
    db.session.commit()
    shown = text_of(preview(client, world))
    assert "By SMS: 1 Test Member ( sam )" in shown and "By e-mail: 1 Test Member ( emma )" in shown
    assert "Not reached by SMS or e-mail: 5" in shown
    for who, why in (("dina", "chose not to get group news"), ("ursula", "phone number not confirmed"),
                     ("stella", "replied STOP to our SMS"), ("nadia", "no phone number and no e-mail address"),
                     ("mona", "chose e-mail but has no e-mail address")):
        assert f"( {who} ): {why}" in shown, who


def test_after_sending_back_shows_the_preview_again_saying_it_was_sent_and_send_cannot_send_twice(client, app_ctx,
                                                                                                   world):
    posted = compose(client, world, "Bring your notebook.")
    assert posted.status_code == 303
    location = posted.headers["Location"]
    assert "notebook" not in location and "Bring" not in location  # the text never travels in an address
    page = client.get(location)
    assert page.headers["Cache-Control"] == "no-store"  # Back asks for it again
    form = confirmation_form(page)
    assert client.post(world.send, data=form).status_code == 303
    back = client.get(location)
    shown = text_of(back)
    assert back.status_code == 200 and "This message was sent on" in shown and "Send the message" not in shown
    again = client.post(world.send, data=form, follow_redirects=True)
    assert "This message was sent already; it was not sent again." in text_of(again)
    assert counts() == {"messages": 1, "sms": 1, "audit": 1}


def test_change_the_message_opens_the_form_with_the_draft_and_a_new_draft_sends_once_more(client, app_ctx, world):
    page = preview(client, world, "First words.", audience="absent", session=str(world.session))
    form = confirmation_form(page)
    again = client.get(f"{world.new}?draft={form['draft']}").get_data(as_text=True)
    assert "First words.</textarea>" in again and '<input checked id="audience-1"' in again
    assert f'<option selected value="{world.session}">' in again
    client.post(world.send, data=form)
    client.post(world.send, data=confirmation_form(preview(client, world, "Second words.")))
    assert [m.text for m in db.session.scalars(select(GroupMessage).order_by(GroupMessage.id))] == [
        "First words.", "Second words."]


def test_a_draft_is_its_writers_only(client, app, app_ctx, world, create_user):
    page = preview(client, world)
    draft = confirmation_form(page)["draft"]
    create_user("cora", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    coordinator = app.test_client()
    sign_in(coordinator, "cora")
    assert coordinator.get(f"/groups/{world.group}/messages/drafts/{draft}").status_code == 404
    assert "Thursday" not in coordinator.get(f"{world.new}?draft={draft}").get_data(as_text=True)


def test_old_drafts_go_when_their_writer_writes_the_next(client, app_ctx, world, frozen_clock):
    preview(client, world, "Old")
    frozen_clock(clock.utcnow() + timedelta(hours=messages.DRAFT_HOURS + 1))
    preview(client, world, "New")
    db.session.rollback()
    assert [d.text for d in db.session.scalars(select(GroupMessageDraft))] == ["New"]


def test_members_read_on_their_group_page_the_messages_for_them_only_newest_first_paged(client, app, app_ctx,
                                                                                          world, inbox):
    for text, changes in (("To everyone, first", {}), ("To the absent only", {"audience": "absent",
                                                                             "session": str(world.session)}),
                          ("To everyone, last", {})):
        sent = client.post(world.send, data=confirmation_form(preview(client, world, text, **changes)))
        sent.close()
    for username, expected in (("sam", ["To everyone, last", "To everyone, first"]),  # present at the session
                               ("dina", ["To everyone, last", "To the absent only", "To everyone, first"]),
                               ("ursula", ["To everyone, last", "To the absent only", "To everyone, first"])):
        member = app.test_client()
        sign_in(member, username)
        page = member.get(f"/groups/{world.group}")
        body = page.get_data(as_text=True)
        assert "Messages from your trainer" in body
        found = [text for text in ("To everyone, last", "To the absent only", "To everyone, first") if text in body]
        assert found == expected, username
        assert [body.index(t) for t in expected] == sorted(body.index(t) for t in expected)  # newest first
    group = group_of(world)
    start = clock.utcnow()
    for n in range(12):
        message = GroupMessage(group_id=group.id, sender_id=world.trainer, text=f"Old news {n:02d}", audience="group",
                               preview_id=f"old{n}", created_at=start - timedelta(days=n + 1))
        db.session.add(message)
        db.session.flush()
        db.session.add(GroupMessageRecipient(group_message_id=message.id, user_id=world.declined, channel="none"))
    db.session.commit()
    member = app.test_client()
    sign_in(member, "dina")
    first = text_of(member.get(f"/groups/{world.group}"))
    assert "Old news 06" in first and "Old news 07" not in first and "Page 1 of 2" in first
    assert "Old news 11" in text_of(member.get(f"/groups/{world.group}?page=2"))


def test_erasing_an_account_deletes_which_messages_were_for_it_and_its_drafts(client, app_ctx, world):
    from lms.privacy.services import erase_account

    client.post(world.send, data=confirmation_form(preview(client, world)))
    preview(client, world, "A draft")
    db.session.rollback()
    erase_account(db.session.get(User, world.mailed))
    erase_account(db.session.get(User, world.trainer))
    db.session.commit()
    assert {r.user_id for r in db.session.scalars(select(GroupMessageRecipient))} == {
        world.texted, world.declined, world.unreachable}
    assert db.session.scalars(select(GroupMessageDraft)).all() == []


def add_texted_member(world, create_user, username, phone, locale=None) -> User:
    user = create_user(username, country="KH", phone=phone, locale=locale)
    user.phone_confirmed_at = clock.utcnow()
    db.session.add(GroupMember(group_id=world.group, user_id=user.id))
    db.session.commit()
    return user


def test_each_member_gets_the_sms_in_their_language_and_the_cost_is_summed_by_country(
        client, app, app_ctx, world, create_user, monkeypatch):
    khmer = add_texted_member(world, create_user, "sokha", "+85512345678", locale="km")
    monkeypatch.setitem(app.config, "SMS_PRICES", "KH=0.018 PE=0.04")
    monkeypatch.setitem(app.config, "SMS_PRICE_PER_SEGMENT", "0")
    text = "Thursday's session moves to Friday, 10:00."
    page = preview(client, world, text=text)
    shown = text_of(page)
    assert "Cost by country" in shown and "Cambodia" in shown and "Peru" in shown
    for price in ("0.018", "0.04"):
        assert format_currency(Decimal(price), "EUR", locale="en", decimal_quantization=False) in shown
    sizes = {language: measure(messages.sms_text(text, language)).segments for language in ("en", "km")}
    cost = (Decimal("0.04") * sizes["en"] + Decimal("0.018") * sizes["km"]).quantize(Decimal("0.01"), ROUND_UP)
    assert f"Estimated cost: {format_currency(cost, 'EUR', locale='en')} in all" in shown
    assert "In English:" in shown and "In Khmer:" in shown  # two languages: each SMS as it goes, named
    client.post(world.send, data=confirmation_form(page))
    sent = {sms.user_id: sms.text for sms in db.session.scalars(select(TextMessage))}
    assert sent == {world.texted: messages.sms_text(text, "en"), khmer.id: messages.sms_text(text, "km")}
    assert sent[world.texted] == f"Fair Work Learning: {text}\nReply STOP to stop."


def test_one_price_for_all_is_one_line_and_a_country_without_price_is_named(client, app, app_ctx, world,
                                                                           create_user, monkeypatch):
    add_texted_member(world, create_user, "sokha", "+85512345678", locale="en")
    monkeypatch.setitem(app.config, "SMS_PRICES", "KH=0.05 PE=0.05")
    shown = text_of(preview(client, world))
    assert "Cost by country" not in shown
    assert "Estimated cost: €0.10 (2 SMS × €0.05 an SMS)." in shown
    monkeypatch.setitem(app.config, "SMS_PRICES", "PE=0.05")
    monkeypatch.setitem(app.config, "SMS_PRICE_PER_SEGMENT", "0")
    shown = text_of(preview(client, world))
    assert "No price per SMS is set for Cambodia, so the cost cannot be estimated: 2 SMS in all." in shown


def test_typographic_characters_are_made_plain_in_the_preview_and_in_what_goes(client, app_ctx, world):
    typed = "Don’t forget – Thursday’s session at 10\u00a0h…"
    page = preview(client, world, text=typed)
    shown = text_of(page)
    assert "Don't forget - Thursday's session at 10 h..." in shown and "basic SMS alphabet (GSM-7)" in shown
    client.post(world.send, data=confirmation_form(page))
    [sms] = db.session.scalars(select(TextMessage)).all()
    assert sms.encoding == "gsm7" and "Don't forget - Thursday's session at 10 h..." in sms.text


def test_the_preview_names_the_few_latin_characters_that_make_it_unicode(client, app_ctx, world):
    shown = text_of(preview(client, world, text="Reunião na quinta às 14h na sede do sindicato."))
    assert "UCS-2" in shown and "Only these characters make it go as Unicode: ã." in shown
    shown = text_of(preview(client, world, text=KHMER))
    assert "UCS-2" in shown and "Only these characters" not in shown


def test_the_counter_is_given_what_each_sms_adds_in_the_members_languages(client, app_ctx, world, create_user):
    add_texted_member(world, create_user, "sokha", "+85512345678", locale="km")
    body = client.get(world.new).get_data(as_text=True)
    frames = json.loads(html.unescape(re.search(r"data-frames='([^']*)'", body)[1]))
    group = group_of(world)
    assert frames == [[frame.before, frame.after] for frame in messages.frames(group)]
    assert ["Fair Work Learning: ", "\nReply STOP to stop."] in frames
    assert {frame.language for frame in messages.frames(group)} == {"en", "km"}


def test_no_sms_names_the_group_a_locked_phone_would_show_it(client, app_ctx, world):
    group = group_of(world)
    group.name = "SYNTRAHOB women leaders"
    sent = messages.sms_text("Thursday moves to Friday.", "en")
    assert sent.startswith("Fair Work Learning: ") and "SYNTRAHOB" not in sent
    shown = text_of(preview(client, world))
    assert "It does not name the group" in shown
    db.session.rollback()


def test_a_member_who_chose_no_language_reads_the_sms_in_her_countrys(client, app_ctx, world, create_user):
    """Outside tester 1b: accounts a trainer made from a list have no language, and got English SMS in Cambodia."""
    sokha = add_texted_member(world, create_user, "sokha", "+85512345678")  # in Cambodia, no language chosen
    page = preview(client, world, text="Thursday moves to Friday.")
    client.post(world.send, data=confirmation_form(page))
    sent = db.session.scalar(select(TextMessage).where(TextMessage.user_id == sokha.id))
    assert sent.text == messages.sms_text("Thursday moves to Friday.", "km") != messages.sms_text(
        "Thursday moves to Friday.", "en")
