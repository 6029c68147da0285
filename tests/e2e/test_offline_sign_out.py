"""A member taps Sign out on a shared phone without a connection: the phone shows the portal's own page, hides
their saved pages and waiting progress at once, and ends their session on the server as soon as it is online,
before anything else is sent."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.learn import services
from lms.models import LessonCompletion, UserSession
from tests.e2e.helpers import save_course, shows_no_saved_page, sign_in, start_course
from tests.helpers import BUNDLED_COURSE

#: Whether the service worker has kept the "Signed out on this phone" page (see WAIT_IN_CACHE).
SIGNED_OUT_PAGE_KEPT = """() => {
  caches.match('/sw-state/signed-out-page', {cacheName: 'lms-state'}).then(kept => { window.kept = !!kept; });
  return window.kept === true;
}"""
#: A kept sign-out whose CSRF token the server no longer takes (a day old, or the session restored since).
EXPIRE_KEPT_TOKEN = """() => caches.open('lms-state').then(cache => cache.put('/sw-state/sign-out',
  new Response('csrf_token=expired', {headers: {'Content-Type': 'application/x-www-form-urlencoded'}})))"""


def sessions_of(user_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id))


def sign_out_offline(page, context) -> None:
    """Sign out tapped without a connection: the portal's page says what happened, not the browser's error."""
    page.wait_for_function(SIGNED_OUT_PAGE_KEPT)
    context.set_offline(True)
    with page.expect_navigation():
        page.click("form[data-sign-out] button")
    assert page.inner_text("h1") == "Signed out on this phone"
    main = page.inner_text("main")
    assert "saved pages are hidden now" in main and "as soon as this phone is online" in main
    assert page.locator('meta[name="offline-owner"]').count() == 0


def test_a_sign_out_tapped_offline_ends_the_session_before_anything_else_once_online(browser, live_server, library,
                                                                                      create_user, axe):
    amina = create_user("amina")
    lessons = services.find_course(BUNDLED_COURSE).lessons
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, "amina", wait_for_home=True)
    start_course(page, live_server)
    save_course(page, live_server)
    page.wait_for_function(SIGNED_OUT_PAGE_KEPT)
    context.set_offline(True)
    # A second tab holds one of her saved lessons, marked done without a connection: it waits to be sent.
    other = context.new_page()
    other.goto(f"{live_server}/courses/{BUNDLED_COURSE}/lessons/{lessons[1].slug}")
    other.click('form[data-offline-kind="lesson-done"] button')

    sign_out_offline(page, context)
    axe.scan(page)
    # Until the phone is online it is signed out: none of her saved pages is served.
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}/lessons/{lessons[1].slug}")
    shows_no_saved_page(page)
    assert sessions_of(amina.id) == 1  # the server has not heard of it yet

    # Online, the next person opens a page: the kept sign-out goes first, the page comes signed out, her
    # session is over on the server, and her second tab's waiting progress was not sent for her.
    context.set_offline(False)
    page.goto(f"{live_server}/profile")
    assert "/sign-in" in page.url
    assert page.locator('meta[name="offline-owner"]').count() == 0
    assert page.locator("form[data-sign-out]").count() == 0
    assert sessions_of(amina.id) == 0
    other.wait_for_timeout(500)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LessonCompletion).where(
        LessonCompletion.user_id == amina.id, LessonCompletion.lesson_id == lessons[1].id)) == 0
    context.close()
    assert axe.violations == []


def test_a_sign_out_kept_with_an_expired_token_still_ends_the_session_when_the_connection_returns(
        browser, live_server, library, create_user):
    amina = create_user("amina")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, "amina", wait_for_home=True)
    start_course(page, live_server)
    save_course(page, live_server)
    sign_out_offline(page, context)
    page.evaluate(EXPIRE_KEPT_TOKEN)

    context.set_offline(False)  # the page sees the connection return: no page needs to be opened
    for _ in range(50):
        if sessions_of(amina.id) == 0:
            break
        page.wait_for_timeout(100)
    assert sessions_of(amina.id) == 0
    page.goto(f"{live_server}/profile")
    assert "/sign-in" in page.url
    context.close()
