"""Sessions live on the server: a new one at each sign-in, an end after idleness or age (except "keep me
signed in"), and an end for good, wherever the cookie was copied, after sign-out or a change of the account.

The attacks: a session cookie or a remember cookie copied from the member's browser (a shared phone, a
stolen backup of the browser profile), used after the member thought the session was over.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.clock import utcnow
from lms.extensions import db
from lms.models import UserSession
from tests.helpers import BUNDLED_COURSE, PASSWORD, complete_course, csrf_token, post_form, sign_in

ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Mobile Safari/537.36")
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.0 Mobile/15E148 Safari/604.1")
REMEMBER = "remember_token"


def device(app, user_agent: str | None = None):
    """A browser of its own (its own cookies)."""
    client = app.test_client()
    if user_agent:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def copy_of(app, client, *names: str):
    """Another browser holding copies of ``client``'s cookies ``names`` (and nothing else)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        thief.set_cookie(name, cookie.value)
    return thief


def signed_in(client) -> bool:
    """Whether a page for signed-in members opens (not a redirect to sign in)."""
    response = client.get("/my-learning")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def post(client, url: str, data: dict | None = None, page: str = "/profile"):
    """A form posted with the profile page's CSRF token, unless ``page`` names another."""
    return post_form(client, url, data, page=page)


def sign_in_kept(client, identifier: str = "amina"):
    """Sign in with "Keep me signed in" ticked."""
    return client.post("/sign-in", data={"identifier": identifier, "password": PASSWORD, "remember": "y",
                                         "csrf_token": csrf_token(client, "/sign-in")})


def rows_of(user_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id))


def age_rows(user_id: int, **ago: timedelta) -> None:
    """Move the account's session times ``ago`` into the past (created_at, last_seen_at, expires_at)."""
    for row in db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)):
        for column, delta in ago.items():
            setattr(row, column, getattr(row, column) - delta)
    db.session.commit()


# A new session at each sign-in; the limits -------------------------------------------------------------

def test_signing_in_starts_a_new_session_keeping_only_the_language(client, create_user, app_ctx):
    user = create_user("amina")
    client.get("/?lang=fr")
    with client.session_transaction() as session:
        session["left_over"] = "from before"
    token_before = csrf_token(client, "/sign-in")
    with client.session_transaction() as session:
        secret_before = session["csrf_token"]
    client.post("/sign-in", data={"identifier": "amina", "password": PASSWORD, "csrf_token": token_before})
    with client.session_transaction() as session:
        assert "left_over" not in session and session.get("lang") == "fr"
        assert session.get("csrf_token") != secret_before
        session_id = session["sid"]
    row = db.session.scalar(select(UserSession))
    assert row.user_id == user.id and row.remembered is False
    assert session_id not in (row.token_hash, row.remember_selector)  # only its hash is stored
    assert row.created_at.minute % 5 == 0 and row.created_at.second == 0  # coarse: activity data


def test_a_session_ends_after_two_idle_hours(app, client, create_user, app_ctx):
    user = create_user("amina")
    sign_in(client, "amina")
    assert client.get("/my-learning").status_code == 200
    age_rows(user.id, last_seen_at=timedelta(minutes=100), created_at=timedelta(minutes=100))
    assert client.get("/my-learning").status_code == 200  # still within the limit, and seen again now
    age_rows(user.id, last_seen_at=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
    response = client.get("/my-learning")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=/my-learning")
    assert "signed out after a while without activity" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert client.get("/my-learning").status_code == 302  # signed out for good
    assert rows_of(user.id) == 0


def test_a_page_view_is_not_a_write(client, create_user, app_ctx):
    from lms.auth.session_store import coarse

    user = create_user("amina")
    sign_in(client, "amina")
    seen = db.session.scalar(select(UserSession.last_seen_at))
    for _ in range(3):
        client.get("/my-learning")
    db.session.expire_all()
    assert db.session.scalar(select(UserSession.last_seen_at)) == seen  # noted at most every 5 minutes
    age_rows(user.id, last_seen_at=timedelta(minutes=6))
    before = coarse(utcnow())
    client.get("/my-learning")
    after = coarse(utcnow())
    db.session.expire_all()
    noted = coarse(db.session.scalar(select(UserSession.last_seen_at)))
    assert noted in (before, after)  # noted again, to the 5 minutes


def test_a_session_ends_twelve_hours_after_signing_in_however_active(app, client, create_user, app_ctx):
    user = create_user("amina")
    sign_in(client, "amina")
    age_rows(user.id, created_at=timedelta(hours=app.config["SESSION_MAX_HOURS"], seconds=1))
    assert client.get("/my-learning").status_code == 302


def test_keep_me_signed_in_has_no_idle_limit_but_ends_remember_days_after_sign_in(app, client, create_user,
                                                                                  app_ctx):
    from lms.auth.session_store import as_utc

    user = create_user("amina")
    sign_in_kept(client)
    cookie = client.get_cookie(REMEMBER)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax" and cookie.path == "/"
    row = db.session.scalar(select(UserSession))
    kept = app.config["REMEMBER_COOKIE_DURATION"]
    assert row.remembered and as_utc(row.expires_at) - as_utc(row.created_at) == kept  # not sliding
    age_rows(user.id, created_at=timedelta(days=3), last_seen_at=timedelta(days=3))
    assert client.get("/my-learning").status_code == 200
    reopened = copy_of(app, client, REMEMBER)
    age_rows(user.id, created_at=kept, expires_at=kept)  # REMEMBER_DAYS after signing in, whatever the use
    assert client.get("/my-learning").status_code == 302
    assert not signed_in(reopened)
    assert reopened.get_cookie(REMEMBER) is None  # the browser is told to forget it


# A copied session cookie -------------------------------------------------------------------------------

def test_a_copied_session_cookie_stops_working_after_sign_out(app, create_user):
    create_user("amina")
    phone = device(app)
    sign_in(phone, "amina")
    thief = copy_of(app, phone, "session")
    assert signed_in(thief)  # the copy works while the member is signed in: it is the same session
    post(phone, "/sign-out", page="/")
    assert not signed_in(phone)
    response = thief.get("/my-learning")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert "You were signed out on this device" in thief.get(response.headers["Location"]).get_data(as_text=True)


def test_a_password_changed_on_another_device_ends_the_other_sessions(app, create_user, app_ctx):
    user = create_user("amina")
    phone, laptop = device(app), device(app)
    sign_in(phone, "amina")
    thief = copy_of(app, phone, "session")
    sign_in(laptop, "amina")
    response = post(laptop, "/profile/password", {"pw-current": PASSWORD, "pw-password": "a new pass phrase",
                                                  "pw-confirm": "a new pass phrase"})
    assert response.status_code == 302
    assert not signed_in(thief) and not signed_in(phone)
    assert signed_in(laptop)  # the device where it was changed stays signed in
    assert rows_of(user.id) == 1


def test_a_new_phone_number_ends_the_other_sessions(app, create_user, app_ctx):
    create_user("amina", display_name="Amina")
    phone, laptop = device(app), device(app)
    sign_in(phone, "amina")
    sign_in(laptop, "amina")
    post(laptop, "/profile", {"display_name": "Amina", "phone": "+51 912 345 678", "email": "", "country": "PE",
                              "gender": "woman", "birth_year": "", "locale": "en", "current_password": PASSWORD})
    assert not signed_in(phone) and signed_in(laptop)


def test_sign_out_everywhere_else_ends_every_other_session(app, create_user, app_ctx):
    user = create_user("amina")
    phone, tablet, laptop = device(app), device(app), device(app)
    for browser in (phone, tablet, laptop):
        sign_in(browser, "amina")
    thief = copy_of(app, phone, "session")
    response = post(laptop, "/profile/sessions/sign-out-others")
    assert response.status_code == 302
    assert "2 other devices are signed out." in laptop.get("/profile").get_data(as_text=True)
    assert not signed_in(thief) and not signed_in(phone) and not signed_in(tablet)
    assert signed_in(laptop) and rows_of(user.id) == 1


def test_erasure_ends_every_session(app, create_user, app_ctx):
    user = create_user("amina")
    phone, laptop = device(app), device(app)
    sign_in(phone, "amina")
    thief = copy_of(app, phone, "session")
    sign_in(laptop, "amina")
    response = post(laptop, "/my-data/erase", {"password": PASSWORD, "confirm": "y"}, page="/my-data/erase")
    assert response.status_code == 302
    assert not signed_in(thief) and not signed_in(phone) and not signed_in(laptop)
    assert rows_of(user.id) == 0


def test_a_promotion_ends_every_session_of_the_member(app, create_user, library, app_ctx):
    from lms.groups import services as groups
    from lms.learn.services import find_course
    from lms.models import GroupMember

    trainer = create_user("tina", role="trainer", country="BJ")
    member = create_user("gra", country="BJ")
    create_user("coco", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    group = groups.create_group(trainer=trainer, course=find_course(BUNDLED_COURSE), name="ToT", country="BJ",
                                place="Cotonou", mode="in-person", starts_on=clock.today() - timedelta(days=9),
                                ends_on=clock.today(), trains_trainers=True)
    db.session.add(GroupMember(group_id=group.id, user_id=member.id))
    db.session.commit()
    complete_course(member.id)
    phone = device(app)
    sign_in(phone, "gra")
    thief = copy_of(app, phone, "session")
    coordinator = device(app)
    sign_in(coordinator, "coco")
    response = post(coordinator, f"/groups/{group.id}/members/{member.id}/promote", page=f"/groups/{group.id}")
    assert response.headers["Location"] == f"/groups/{group.id}"
    db.session.refresh(member)
    assert member.role == "trainer"
    # Someone else changed the role: every session of the member ends (they sign in again as a trainer).
    assert not signed_in(thief) and not signed_in(phone)
    assert rows_of(member.id) == 0 and signed_in(coordinator)


# A copied remember cookie ------------------------------------------------------------------------------

def test_a_copied_remember_cookie_stops_working_after_sign_out(app, create_user):
    create_user("amina")
    phone = device(app)
    sign_in_kept(phone)
    thief = copy_of(app, phone, REMEMBER)
    post(phone, "/sign-out", page="/")
    assert phone.get_cookie(REMEMBER) is None
    assert not signed_in(thief)


def test_a_copied_remember_cookie_stops_working_after_a_password_change(app, create_user):
    create_user("amina")
    phone, laptop = device(app), device(app)
    sign_in_kept(phone)
    sign_in_kept(laptop)
    from_phone = copy_of(app, phone, REMEMBER)
    from_phone_session = copy_of(app, phone, "session")
    from_laptop = copy_of(app, laptop, REMEMBER)
    response = post(phone, "/profile/password", {"pw-current": PASSWORD, "pw-password": "a new pass phrase",
                                                 "pw-confirm": "a new pass phrase"})
    assert response.status_code == 302
    # The laptop's kept session ended; the phone's goes on under a new id and a new remember token.
    assert not signed_in(from_laptop) and not signed_in(laptop)
    assert not signed_in(from_phone) and not signed_in(from_phone_session)
    assert signed_in(phone) and signed_in(copy_of(app, phone, REMEMBER))


def test_the_remember_cookie_is_rotated_at_each_use(app, create_user, app_ctx):
    create_user("amina")
    phone = device(app)
    sign_in_kept(phone)
    first = phone.get_cookie(REMEMBER).value
    reopened = copy_of(app, phone, REMEMBER)  # the browser restarted: its session cookie is gone
    assert signed_in(reopened)
    second = reopened.get_cookie(REMEMBER).value
    assert second != first and second.split(".")[0] == first.split(".")[0]  # same selector, new validator
    row = db.session.scalar(select(UserSession))
    assert second.split(".")[1] not in (row.remember_hash, row.token_hash)  # only hashes are kept
    again = copy_of(app, reopened, REMEMBER)
    assert signed_in(again) and again.get_cookie(REMEMBER).value not in (first, second)


def test_an_old_remember_cookie_used_after_rotation_ends_the_session(app, create_user, app_ctx, monkeypatch):
    user = create_user("amina")
    phone = device(app)
    sign_in_kept(phone)
    thief = copy_of(app, phone, REMEMBER)  # copied before the member's next use
    reopened = copy_of(app, phone, REMEMBER)
    assert signed_in(reopened)  # the member's browser uses it first: rotated
    minutes_later(monkeypatch, 11)
    assert not signed_in(thief)  # the old copy: refused, and the session is ended for everyone
    assert not signed_in(reopened)
    assert rows_of(user.id) == 0
    from lms.models import AuditEntry

    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action.like("end session%")))


# The profile's list ------------------------------------------------------------------------------------

def test_the_profile_lists_sessions_and_each_sign_out_button_ends_exactly_that_one(app, create_user, app_ctx):
    user = create_user("amina")
    other = create_user("rosa")
    phone, tablet, laptop = device(app, ANDROID_CHROME), device(app, IPHONE_SAFARI), device(app, WINDOWS_FIREFOX)
    for browser in (phone, tablet, laptop):
        sign_in(browser, "amina")
    rosas = device(app, ANDROID_CHROME)
    sign_in(rosas, "rosa")
    page = laptop.get("/profile").get_data(as_text=True)
    assert "Where you are signed in" in page
    assert "Chrome on Android" in page and "Safari on iOS" in page and "Firefox on Windows (this device)" in page
    assert "in the last few minutes" in page and ANDROID_CHROME not in page and "SM-A105F" not in page
    rows = {row.browser: row.id for row in db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id))}
    assert f'action="/profile/sessions/{rows["Chrome"]}/sign-out"' in page
    assert f'action="/profile/sessions/{rows["Firefox"]}/sign-out"' not in page  # this device: the main sign-out
    assert "Sign out everywhere else" in page
    # Someone else's session: not found, and it stays.
    rosa_row = db.session.scalar(select(UserSession.id).where(UserSession.user_id == other.id))
    assert post(laptop, f"/profile/sessions/{rosa_row}/sign-out").status_code == 404
    assert signed_in(rosas)
    # The phone's button ends the phone's session, and only it.
    assert post(laptop, f"/profile/sessions/{rows['Chrome']}/sign-out").status_code == 302
    assert not signed_in(phone)
    assert signed_in(tablet) and signed_in(laptop) and signed_in(rosas)
    assert rows_of(user.id) == 2


def test_the_profile_list_speaks_the_readers_language(app, create_user, app_ctx):
    create_user("amina", locale="fr")
    phone, laptop = device(app, ANDROID_CHROME), device(app, WINDOWS_FIREFOX)
    sign_in(phone, "amina")
    sign_in(laptop, "amina")
    age_rows(db.session.scalar(select(UserSession.user_id)), last_seen_at=timedelta(hours=1))
    page = laptop.get("/profile").get_data(as_text=True)
    assert "il y a 1 heure" in page  # Babel's relative time, in French


def test_sign_in_then_sign_out_leaves_no_row(client, create_user, app_ctx):
    user = create_user("amina")
    sign_in(client, "amina")
    assert rows_of(user.id) == 1
    post(client, "/sign-out", page="/")
    assert rows_of(user.id) == 0


def test_sessions_that_are_over_are_deleted_at_the_next_sign_in(app, create_user, app_ctx):
    user = create_user("amina")
    sign_in(device(app), "amina")
    age_rows(user.id, created_at=timedelta(days=2), last_seen_at=timedelta(days=2), expires_at=timedelta(days=2))
    sign_in(device(app), "amina")
    assert rows_of(user.id) == 1


@pytest.mark.redis
def test_production_keeps_the_host_prefix_and_secure_httponly_lax_cookies(database_url, create_user):
    import uuid

    from lms import create_app
    from lms.config import TestConfig

    class Production(TestConfig):
        APP_ENV = "production"
        SECRET_KEY = "x" * 64
        PSEUDONYM_KEY = "y" * 64
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
        PUBLIC_URL = "https://portal.example.org"
        RATELIMIT_KEY_PREFIX = f"lms-test-{uuid.uuid4().hex[:8]}"
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(Production)
    create_user("amina")
    browser = app.test_client()
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/sign-in"}}
    token = csrf_token_over_https(browser)
    response = browser.post("/sign-in", data={"identifier": "amina", "password": PASSWORD, "remember": "y",
                                              "csrf_token": token}, **https)
    assert response.status_code == 302
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    for name in ("__Host-session", "__Host-remember"):
        parts = [part.strip() for part in cookies[name].split(";")]
        assert {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"} <= set(parts), cookies[name]
        assert not any(part.lower().startswith("domain") for part in parts)
    assert "remember_token" not in cookies  # Flask-Login's own remember cookie is not used any more
    with app.app_context():
        from lms.extensions import db as production_db

        production_db.engine.dispose()


def csrf_token_over_https(client) -> str:
    import re

    page = client.get("/sign-in", base_url="https://localhost").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def minutes_later(monkeypatch, minutes: int) -> None:
    """The requests from now on come ``minutes`` later (beyond the moments a replaced cookie is still taken)."""
    from datetime import timedelta

    monkeypatch.setattr(clock, "frozen_at", clock.utcnow() + timedelta(minutes=minutes))


def test_a_page_and_its_scripts_sent_with_the_cookie_just_replaced_are_not_taken_for_a_theft(
        app, create_user, app_ctx, monkeypatch):
    """After a restart the browser sends a page and its scripts at once, all with the remember cookie the first
    of them replaces: the others were taken for a stolen copy and signed the member out everywhere."""
    user = create_user("amina")
    browser = device(app)
    sign_in_kept(browser)
    browser.delete_cookie("session")  # the browser restarted
    old = browser.get_cookie(REMEMBER).value
    script = copy_of(app, browser, REMEMBER)  # sent at the same moment, before the new cookie came back
    assert signed_in(browser)
    assert browser.get_cookie(REMEMBER).value != old
    response = script.get("/my-learning")
    assert response.status_code == 302 and "everywhere" not in script.get(response.headers["Location"]).get_data(
        as_text=True)
    assert signed_in(browser) and rows_of(user.id) == 1
    minutes_later(monkeypatch, 11)  # the old copy, used once those moments are over, is a theft
    script.get("/my-learning")
    assert rows_of(user.id) == 0 and not signed_in(browser)


def test_a_stolen_remember_cookie_signs_out_the_thief_not_the_victim(app, create_user, app_ctx, monkeypatch):
    """The attack (remember_theft.py), over HTTP with two browsers: the thief replays the victim's remember
    cookie first and is signed in (the token rotates). The victim's next request carries the now stale
    cookie: it is theft, so every session of the account ends, the thief's too, with a message and an audit
    entry; the thief's next request fails and the victim signs in again."""
    from lms.models import AuditEntry

    user = create_user("amina")
    victim = device(app)
    sign_in_kept(victim)
    thief = copy_of(app, victim, REMEMBER)
    assert signed_in(thief)
    minutes_later(monkeypatch, 11)
    response = victim.get("/my-learning")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    page = victim.get(response.headers["Location"]).get_data(as_text=True)
    assert "we signed your account out everywhere" in page.replace("&#39;", "'")
    assert not signed_in(thief) and not signed_in(victim)
    assert rows_of(user.id) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "end session: remember cookie reused"))
    assert entry.details == {"account": user.id} and "amina" not in entry.actor
    assert sign_in(victim, "amina").status_code == 302 and signed_in(victim)
    assert not signed_in(thief)


def test_a_stolen_remember_cookie_is_caught_on_the_way_to_sign_in_after_the_session_ended(app, create_user,
                                                                                            app_ctx, monkeypatch):
    user = create_user("amina")
    victim = device(app)
    sign_in_kept(victim)
    thief = copy_of(app, victim, REMEMBER)
    assert signed_in(thief)
    victim.delete_cookie("session")  # the victim's browser restarted: only the (stale) remember cookie is left
    minutes_later(monkeypatch, 11)
    page = victim.get("/sign-in").get_data(as_text=True)
    assert "we signed your account out everywhere" in page.replace("&#39;", "'")
    assert not signed_in(thief) and rows_of(user.id) == 0
