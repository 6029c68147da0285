"""The short link of an SMS reminder: the survey for its member, the sign-in page for a visitor (whatever the
token), and one neutral page for everything else; dead once old, the wave closed, the survey answered, declined or
withdrawn from, or the member erased; never in a log."""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from lms import clock, create_app
from lms.extensions import db
from lms.models import SurveyInvitation, SurveyLink, TextMessage, User
from lms.privacy.services import as_utc, erase_account
from lms.surveys.links import forget_dead_links, link_expiry
from lms.surveys.reminders import send_reminders
from tests.helpers import PASSWORD, sign_in
from tests.surveys.helpers import member_with_channel

pytestmark = pytest.mark.usefixtures("sms_enabled")


def reminded(create_user, make_survey, username="amina", **fields) -> tuple[str, SurveyInvitation]:
    """A member reminded by SMS: the path of the link in the SMS, and the invitation."""
    member = member_with_channel(create_user, make_survey, username, **fields)
    send_reminders(clock.today())
    text = db.session.scalar(select(TextMessage.text).where(TextMessage.user_id == member.id)
                             .order_by(TextMessage.id.desc()))
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == member.id))
    return "/s/" + re.search(r"/s/([A-Za-z0-9_-]+)", text)[1], invitation


def neutral(response) -> str:
    """The page without what differs between two requests: the CSP nonce, the CSRF token, and the page's own
    address (in the language switch)."""
    page = response.get_data(as_text=True).replace(response.request.path, "/s/TOKEN")
    return re.sub(r'(nonce|value)="[^"]*"', "", page)


def test_the_token_is_short_random_and_kept_only_as_a_hash(app_ctx, library, create_user, make_survey):
    path, invitation = reminded(create_user, make_survey)
    token = path.rsplit("/", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{11}", token)  # 64 bits
    (link,) = db.session.scalars(select(SurveyLink))
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (link.invitation_id, link.reminder) == (invitation.id, 1)


def test_the_member_signed_in_is_taken_to_the_surveys_consent_page(client, app_ctx, library, create_user,
                                                                   make_survey):
    path, invitation = reminded(create_user, make_survey)
    sign_in(client, "amina")
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == f"/surveys/invitations/{invitation.id}"
    assert client.get(path, follow_redirects=True).status_code == 200
    assert client.get(path).status_code == 302  # not single-use: a second tap still works


def test_a_visitor_signs_in_and_comes_back_to_the_survey(client, app_ctx, library, create_user, make_survey):
    path, invitation = reminded(create_user, make_survey)
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == f"/sign-in?next={quote(path, safe='')}"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    back = client.post(response.headers["Location"], data={"identifier": "amina", "password": PASSWORD,
                                                           "csrf_token": csrf}, follow_redirects=True)
    assert back.status_code == 200 and back.request.path == f"/surveys/invitations/{invitation.id}"


def test_a_visitor_learns_nothing_from_a_token(client, app_ctx, library, create_user, make_survey):
    """Whatever the token (alive, dead, never made), a visitor is asked to sign in, the same way."""
    path, _invitation = reminded(create_user, make_survey)
    unknown = "/s/AAAAAAAAAAA"
    answers = [client.get(p) for p in (path, unknown)]
    assert [r.status_code for r in answers] == [302, 302]
    assert [r.headers["Location"].split("?")[0] for r in answers] == ["/sign-in", "/sign-in"]


def test_someone_elses_link_and_an_unknown_one_get_the_same_neutral_page(client, app_ctx, library, create_user,
                                                                         make_survey):
    path, invitation = reminded(create_user, make_survey)
    member_with_channel(create_user, make_survey, "binta", survey=False, phone="+51987654322")
    sign_in(client, "binta")
    theirs, unknown = client.get(path), client.get("/s/AAAAAAAAAAA")
    assert theirs.status_code == unknown.status_code == 404
    assert neutral(theirs) == neutral(unknown)
    page = theirs.get_data(as_text=True)
    assert "This link does not work" in page
    assert "Workers" not in page and f"/surveys/invitations/{invitation.id}" not in page


def dead_by(how: str, invitation: SurveyInvitation, frozen_clock) -> None:
    if how == "expired":  # REMINDER_MIN_DAYS after it could be sent
        frozen_clock(clock.utcnow() + timedelta(days=7, seconds=1))
    elif how == "closed":
        invitation.wave.closes_on = clock.today() - timedelta(days=1)
    elif how == "answered":
        invitation.answered = True
    else:
        invitation.consent = how
    db.session.commit()


@pytest.mark.parametrize("how", ["expired", "closed", "answered", "refused", "withdrawn"])
def test_a_dead_link_gets_the_neutral_page_even_for_its_member(client, app_ctx, library, create_user, make_survey,
                                                               frozen_clock, how):
    path, invitation = reminded(create_user, make_survey)
    sign_in(client, "amina")
    assert client.get(path).status_code == 302
    dead_by(how, invitation, frozen_clock)
    if how == "expired":
        sign_in(client, "amina")  # a week later: the session has ended too
    response = client.get(path)
    assert response.status_code == 404 and neutral(response) == neutral(client.get("/s/AAAAAAAAAAA"))


@pytest.mark.parametrize("how", ["expired", "answered", "refused", "withdrawn"])
def test_dead_links_are_deleted_by_the_next_run_of_the_reminders(app_ctx, library, create_user, make_survey,
                                                                 frozen_clock, how):
    _path, invitation = reminded(create_user, make_survey)
    (dead,) = db.session.scalars(select(SurveyLink.token_hash))
    dead_by(how, invitation, frozen_clock)
    send_reminders(clock.today())  # a week later, the next reminder goes, with a new link
    assert dead not in db.session.scalars(select(SurveyLink.token_hash)).all()


def test_an_erased_members_links_go_with_their_invitations(app_ctx, library, create_user, make_survey):
    """SQLite does not cascade: the links would be left pointing at an invitation id that a new one could take."""
    _path, invitation = reminded(create_user, make_survey)
    _path, other = reminded(create_user, make_survey, "binta", survey=False, phone="+51987654322")
    kept = other.id
    erase_account(db.session.get(User, invitation.user_id))
    db.session.commit()
    assert db.session.scalars(select(SurveyLink.invitation_id)).all() == [kept]


def test_a_link_lives_until_the_next_reminder_may_come_or_the_wave_closes(app_ctx, library, create_user,
                                                                          make_survey):
    app_ctx.config.update(REMINDER_MIN_DAYS=7)
    _path, invitation = reminded(create_user, make_survey)
    starts = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
    assert link_expiry(invitation, starts) == datetime(2026, 3, 11, 13, 0, tzinfo=UTC)
    invitation.wave.closes_on = date(2026, 3, 6)
    assert link_expiry(invitation, starts) == datetime(2026, 3, 7, 0, 0, tzinfo=UTC)  # the end of its last day
    (link,) = db.session.scalars(select(SurveyLink))
    message = db.session.scalar(select(TextMessage))
    assert as_utc(link.expires_at) == as_utc(message.send_after) + timedelta(days=7)
    assert forget_dead_links(as_utc(link.expires_at) - timedelta(seconds=1)) == 0


def test_the_access_log_never_writes_the_token(config, app_ctx, library, create_user, make_survey, capsys):
    path, _invitation = reminded(create_user, make_survey)
    token = path.rsplit("/", 1)[1]
    text_app = create_app(config)  # LOG_FORMAT=text, as make run serves it
    text_app.config.update(app_ctx.config.get_namespace("SMS_", lowercase=False, trim_namespace=False))
    client = text_app.test_client()
    capsys.readouterr()
    client.get(path)  # a visitor: sent to sign in, the link in ?next=
    sign_in(client, "amina")
    client.get(path, follow_redirects=True)
    client.get("/s/AAAAAAAAAAA")
    err = capsys.readouterr().err
    assert "GET /s/<token> 302" in err and "GET /s/<token> 404" in err
    assert token not in err and "AAAAAAAAAAA" not in err
