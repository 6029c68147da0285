"""SQL metacharacters, NUL characters, forged CSRF tokens and tampered ids: refused cleanly, nothing written."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import GroupMember, Organisation, SurveyInvitation, TrainingGroup, User
from tests.helpers import BUNDLED_COURSE, row_counts
from tests.security.helpers import AWKWARD_TEXT, NUL, Browser, assert_inert

TODAY = clock.today()


def group_form(**changes):
    return {"name": "Hotels", "course": BUNDLED_COURSE, "country": "PE", "mode": "online", "place": "",
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=30)).isoformat(), **changes}


def test_awkward_text_is_stored_verbatim_or_refused(app_ctx, browser_as, library):
    admin = browser_as("admin")
    for number, text in enumerate(AWKWARD_TEXT):
        response = admin.post("/admin/organisations", {"name": text, "acronym": f"A{number}", "country": "PE",
                                                       "sector": text[:80]})
        assert response.status_code in (302, 400), response.status_code
        stored = db.session.scalar(select(Organisation.name).where(Organisation.acronym == f"A{number}"))
        assert stored in (None, text)
        assert (stored is None) == (len(text) > 200)
        response = admin.post("/groups/new", group_form(name=text))
        assert response.status_code in (302, 400)
        response = admin.post("/profile", {"display_name": text, "country": "PE", "gender": "woman", "locale": "en"})
        assert response.status_code in (200, 302, 400)  # the profile shows its errors with a 200
        db.session.remove()
        names = set(db.session.scalars(select(TrainingGroup.name)))
        assert names <= set(AWKWARD_TEXT)
        for url in ("/courses", "/reports", f"/courses/{text[:200]}", f"/verify/{text[:200]}", f"/join/{text[:200]}"):
            assert_inert(admin.get(url, query_string={"topic": text, "country": text, "lang": text}))
        assert_inert(admin.post("/join", {"code": text}))
    assert_inert(admin.get("/groups"))


FORMS_WITH_NUL = [
    ("participant", "/profile", {"display_name": NUL, "country": "PE", "gender": "woman", "locale": "en"}),
    ("participant", "/join", {"code": NUL}),
    ("trainer", "/groups/new", group_form(name=NUL)),
    ("admin", "/admin/organisations", {"name": NUL, "acronym": "N", "country": "PE", "sector": "x"}),
    ("trainer", "/author/courses/new", {"title": NUL, "summary": "s", "intro": "i", "language": "en",
                                         "topics": ["social-dialogue"]}),
    ("trainer", "/surveys/manage/new", {"title": NUL, "code": "nul", "language": "en", "privacy": "anonymous",
                                         "subject": "participant"}),
    ("trainer", "/workplaces", {"name": NUL, "sector": "x", "country": "PE"}),
    ("admin", f"/author/courses/{BUNDLED_COURSE}/texts/en", {"title": NUL, "summary": "s", "intro": "i"}),
]


@pytest.mark.parametrize("role, url, data", FORMS_WITH_NUL, ids=[url for _r, url, _d in FORMS_WITH_NUL])
def test_nul_characters_are_refused_with_a_message_and_nothing_written(app_ctx, browser_as, library, role, url,
                                                                       data):
    browser = browser_as(role)
    before = row_counts()
    response = browser.post(url, data)
    assert response.status_code == 400
    assert "cannot be saved" in response.get_data(as_text=True)
    assert row_counts() == before


def test_nul_characters_in_public_forms_and_urls_are_refused(app_ctx, anonymous, library):
    before = row_counts()
    for url, data in (("/sign-in", {"identifier": NUL, "password": "x"}),
                      ("/sign-up", {"username": "nul", "display_name": NUL, "country": "PE", "gender": "woman",
                                    "password": "a long enough sentence", "confirm": "a long enough sentence"})):
        response = anonymous.post(url, data)
        assert response.status_code == 400 and "cannot be saved" in response.get_data(as_text=True)
    for url in ("/verify/AB%00CD", f"/courses/{BUNDLED_COURSE}%00", "/courses?topic=%00", "/?lang=e%00n",
                "/media/x%00.webp", "/courses?topic=a&topic=b%00"):
        assert anonymous.get(url).status_code in (400, 404), url  # an unknown ?lang= is a 404
    assert row_counts() == before


#: The SMS gateway's calls: no form and no session, proven by a signature instead (tests/messaging/test_callbacks.py).
GATEWAY_CALLBACKS = {"sms.delivery", "sms.incoming"}


def every_post_route(app) -> list[str]:
    """Every URL that takes a POST, its variables filled in with 1 or a bundled slug."""
    values = {"slug": BUNDLED_COURSE, "module": "what-and-who", "lesson": "who-takes-part", "language": "fr",
              "question": "q", "code": "survey", "table": "by_country", "extension": "csv"}
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in GATEWAY_CALLBACKS:
            continue
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values.get(m.group(1), "1"), rule.rule)
        urls.append(url)
    return sorted(set(urls))


def test_every_post_route_is_listed(app):
    assert len(every_post_route(app)) > 40


@pytest.mark.parametrize("token", [None, "", "forged-token", "IjEyMyI.aaaa.bbbb"])
def test_every_post_route_refuses_missing_or_forged_csrf_tokens(app, app_ctx, browser_as, library, token):
    admin = browser_as("admin")
    admin.post("/groups/new", group_form())
    before = row_counts()
    for url in every_post_route(app):
        data = {"name": "x", "title": "x", "body": "x", "code": "x", "display_name": "x", "identifier": "x",
                "password": "x", "decision": "agree"}
        if token is not None:
            data["csrf_token"] = token
        response = admin.client.post(url, data=data)
        if url == "/sign-out":  # a stale Sign out button: a fresh one to tap, and still signed in
            assert response.status_code == 200 and "Tap Sign out again" in response.get_data(as_text=True)
            continue
        assert response.status_code == 400, (url, response.status_code)
        assert "This form has expired" in response.get_data(as_text=True), url
    assert row_counts() == before


def test_a_token_from_another_session_is_refused(app, app_ctx, browser_as, library):
    first, second = browser_as("trainer"), browser_as("trainer")
    before = row_counts()
    response = second.client.post("/groups/new", data={**group_form(), "csrf_token": first.token})
    assert response.status_code == 400
    assert row_counts() == before


HOSTILE_IDS = ["999999999", "99999999999999999999999", "-1", "0", "1e3", "%C3%A9t%C3%A9", "%E2%80%AE1", "1;DROP"]


def test_tampered_ids_in_urls_are_refused(app, app_ctx, browser_as, create_user, library):
    owner = browser_as("trainer")
    owner.post("/groups/new", group_form(name="Owner's group"))
    group = db.session.scalar(select(TrainingGroup))
    group_id = group.id
    stranger = browser_as("trainer")
    member = browser_as("participant")
    owner_id = db.session.scalar(select(User.id).where(User.username == "train1"))
    db.session.remove()
    before = row_counts()
    for url in (f"/groups/{group_id}", f"/groups/{group_id}/code", f"/groups/{group_id}/members/bulk",
                f"/groups/{group_id}/paper-scores/what-and-who"):
        assert stranger.get(url).status_code == 403, url
        assert member.get(url).status_code == 403, url
    for url, data in ((f"/groups/{group_id}/members/bulk", {"members": "Intruder"}),
                      (f"/groups/{group_id}/sessions", {"held_on": TODAY.isoformat(), "topic": "x"}),
                      (f"/groups/{group_id}/members/{owner_id}/promote", {}),
                      (f"/groups/{group_id}/waves", {"attach-survey": "x", "attach-kind": "baseline"})):
        assert stranger.post(url, data).status_code == 403, url
    assert row_counts() == before
    for present in ("99999999999999999999999", "-1", "١٢"):
        response = owner.post(f"/groups/{group_id}/sessions", {"held_on": TODAY.isoformat(), "topic": "x",
                                                               "present": present})
        assert response.status_code == 400  # the attendance sheet again, with the reason; nothing saved
    before = row_counts()
    for value in HOSTILE_IDS:
        for url in (f"/groups/{value}", f"/groups/{value}/code", f"/certificates/{value}",
                    f"/surveys/invitations/{value}", f"/surveys/invitations/{value}/answer",
                    f"/workplaces/{value}", f"/workplaces/1/waves/{value}/collect", f"/surveys/manage/{value}",
                    f"/surveys/manage/{value}/results", f"/author/courses/{value}", f"/courses/{value}",
                    f"/verify/{value}", f"/join/{value}", f"/media/{value}",
                    f"/surveys/manage/survey/results?group={value}"):
            response = owner.get(url)
            assert response.status_code in (200, 302, 400, 403, 404), (url, response.status_code)
        for url in (f"/groups/{value}/sessions", f"/surveys/invitations/{value}", f"/surveys/{value}/withdraw",
                    f"/author/courses/{value}/publish", f"/surveys/manage/{value}/publish"):
            response = member.post(url, {"decision": "agree"})
            assert response.status_code in (400, 403, 404), (url, response.status_code)
    assert row_counts() == before


def test_other_peoples_invitations_are_not_found(app, app_ctx, browser_as, make_survey, library):
    from lms.models import Course

    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    make_survey(privacy="identified", course=course, waves=["baseline"])
    owner, other = browser_as("participant"), browser_as("participant")
    from lms.learn import services as learning

    owner_id = db.session.scalar(select(User.id).where(User.username == "parti1"))
    learning.enrol(owner_id, learning.find_course(BUNDLED_COURSE))
    from lms.surveys import invitations

    invitations.sync_invitations(TODAY)
    db.session.commit()
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == owner_id))
    assert invitation is not None
    db.session.remove()
    before = row_counts()
    for url in (f"/surveys/invitations/{invitation.id}", f"/surveys/invitations/{invitation.id}/answer"):
        assert other.get(url).status_code == 404
        assert other.post(url, {"decision": "agree", "q_safe": "4"}).status_code == 404
    assert other.post("/surveys/workers-voice/withdraw", {}).status_code == 404
    assert row_counts() == before
    assert db.session.scalar(select(GroupMember.user_id)) is None
    assert isinstance(owner, Browser)


def test_overlong_survey_texts_are_refused_or_stored_whole(app_ctx, browser_as, make_survey):
    make_survey(code="workers-voice", publish=False, indicators=False)
    admin = browser_as("admin")
    long = "x" * 5000
    base = "/surveys/manage/workers-voice"
    response = admin.post(f"{base}/questions", {"question-label": long, "question-hint": "h", "question-code": "big",
                                                "question-kind": "single", "question-choices": f"a {long}\nb B"})
    assert response.status_code in (302, 400)
    response = admin.post(f"{base}/texts/fr", {"title": long, "description": long, "label-safe": long,
                                               "choice-voice-never": long, "indicator-feels_safe": long})
    assert response.status_code in (302, 400)
    response = admin.post(f"{base}/indicators", {
        "indicator-title": "t", "indicator-code": "c", "indicator-question": "voice", "indicator-kind": "share",
        "indicator-choice_codes": " ".join(["never"] * 2000), "indicator-direction": "up"})
    assert response.status_code in (302, 400)


def test_overlong_course_translations_are_refused_or_stored_whole(app_ctx, browser_as, library):
    admin = browser_as("admin")
    long = "y" * 5000
    url = f"/author/courses/{BUNDLED_COURSE}/translate/pt/modules/what-and-who"
    assert admin.post(url, {"title": long}).status_code in (302, 400)
    url = f"/author/courses/{BUNDLED_COURSE}/translate/pt/lessons/who-takes-part"
    assert admin.post(url, {"title": long, "body": long, "version": "0", "save": "1"}).status_code in (302, 400, 409)


HUGE = "9" * 400


def test_huge_numbers_are_refused_not_crashed_on(app_ctx, browser_as, make_survey, library):
    admin = browser_as("admin")
    make_survey(code="workers-voice", indicators=False)
    before = row_counts()
    url = f"/author/courses/{BUNDLED_COURSE}/modules/what-and-who/quiz"
    assert admin.post(url, {"pass_mark": HUGE}).status_code in (200, 400)
    assert admin.post("/surveys/manage/workers-voice/waves", {"wave-kind": "follow_up", "wave-days_after": HUGE,
                                                              "wave-target": "course:1"}).status_code == 400
    assert row_counts() == before


def test_a_huge_birth_year_is_refused(anonymous):
    response = anonymous.post("/sign-up", {"username": "huge", "display_name": "H", "country": "PE",
                                           "gender": "woman", "birth_year": HUGE, "consent": "y",
                                           "password": "a long enough sentence", "confirm": "a long enough sentence"})
    assert response.status_code in (200, 400)


def test_sign_in_never_redirects_off_the_site(app, app_ctx, create_user):
    from tests.helpers import PASSWORD

    create_user("rosa")
    browser = Browser(app.test_client(), "/sign-in")
    response = browser.post("/sign-in?next=/%5Cevil.example", {"identifier": "rosa", "password": PASSWORD})
    assert response.status_code == 302
    assert "\\" not in response.headers["Location"] and "evil" not in response.headers["Location"]
