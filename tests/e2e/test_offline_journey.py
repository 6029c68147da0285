"""A member saves a course on the phone, reads and marks lessons done without a connection, answers a
quiz offline, and finds it all saved exactly once when the connection returns."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.learn import services
from lms.models import LessonCompletion, QuizAttempt, SyncedOperation
from tests.e2e.helpers import save_course, shows_no_saved_page, sign_in, start_course
from tests.helpers import BUNDLED_COURSE

#: What offline.js keeps on the phone under a name, for the member whose page is open.
STORED = """name => JSON.parse(localStorage.getItem(
  name + ':' + document.querySelector('meta[name=offline-owner]').content))"""


def test_a_saved_course_is_read_offline_and_its_progress_synced_once(browser, live_server, library, create_user,
                                                                     axe):
    user = create_user("offline.reader")
    course = services.find_course(BUNDLED_COURSE)
    lessons = course.lessons
    module = next(m for m in course.modules if m.has_quiz)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, "offline.reader", wait_for_home=True)
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}")
    page.click('form[action$="/start"] button')  # starts the course, opens the first lesson
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}")
    saver = page.locator(".offline-save")
    saver.wait_for(state="visible")
    axe.scan(page)
    page.click("[data-offline-save]")
    page.wait_for_function("() => document.querySelector('.offline-state').textContent.includes('Saved on this')")
    assert f"{len(lessons)} lessons" in page.inner_text(".offline-state")
    # The service worker controls the pages from the next load on.
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}/lessons/{lessons[1].slug}")
    assert page.inner_text("article h1")  # the saved lesson, read without a connection
    page.click('form[data-offline-kind="lesson-done"] button')
    assert "Marked as done on this phone" in page.inner_text("main")
    assert "wait for a connection" in page.inner_text("#offline-status")
    axe.scan(page)
    # Reading it again offline, the page remembers it is done on this phone.
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}/lessons/{lessons[1].slug}")
    assert page.locator('form[data-offline-kind="lesson-done"]').count() == 0
    # A quiz answered offline waits in the queue too.
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}/modules/{module.slug}/quiz")
    for question in module.questions:
        right = next(c for c in question.choices if c.correct)
        page.check(f'input[name="q_{question.slug}"][value="{right.slug}"]')
    page.click("main form button[type=submit]")
    assert "Your answers are saved on this phone" in page.inner_text("main")
    # A page that was never saved says so.
    page.goto(f"{live_server}/my-learning")
    assert "not saved on this phone" in page.inner_text("main")
    assert page.locator("#saved-courses a").count() == 1
    assert db.session.scalar(select(func.count()).select_from(SyncedOperation)) == 0

    context.set_offline(False)
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}")
    page.wait_for_function("() => document.getElementById('offline-status').textContent.includes('Sent')")
    # Reloading, going back online again: nothing more is sent, nothing is doubled.
    page.reload()
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(500)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LessonCompletion).where(
        LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lessons[1].id)) == 1
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt).where(
        QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(SyncedOperation)) == 2
    assert page.evaluate(STORED, "lms-offline-queue") == []
    context.close()
    assert axe.violations == []


#: Whether the saved copy of a page in a cache shows this many steps done (the service worker refreshes it
#: in the background after the page is shown). wait_for_function does not wait for a promise: each poll
#: starts a look into the cache and answers what the last one found.
SAVED_DONE = """([name, url, n]) => {
  caches.match(url, {cacheName: name}).then(saved => saved ? saved.text() : "")
    .then(text => { window.savedDone = (text.match(/class="is-done"/g) || []).length === n; });
  return window.savedDone === true;
}"""


def sign_out(page, live_server) -> None:
    page.click('form[action$="/sign-out"] button')
    page.wait_for_url(live_server + "/")
    assert page.locator('meta[name="offline-owner"]').count() == 0


def done_lessons(user_id: int) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(LessonCompletion.lesson_id).where(LessonCompletion.user_id == user_id)))


def wait_until_sent(page) -> None:
    page.wait_for_function("() => document.getElementById('offline-status').textContent.includes('Sent')")


def test_a_shared_phone_keeps_each_members_saved_course_and_offline_progress_apart(browser, live_server, library,
                                                                                    create_user, axe):
    amina, bruno = create_user("amina"), create_user("bruno")
    lessons = services.find_course(BUNDLED_COURSE).lessons
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()

    # Amina does the first lesson online, saves the course on the phone, and marks two lessons done offline.
    sign_in(page, live_server, "amina", wait_for_home=True)
    start_course(page, live_server)
    page.click('form[data-offline-kind="lesson-done"] button')
    save_course(page, live_server)
    [first_lesson_title] = page.locator(".is-done a").all_inner_texts()
    context.set_offline(True)
    for lesson in lessons[1:3]:
        page.goto(f"{live_server}/courses/{BUNDLED_COURSE}/lessons/{lesson.slug}")
        page.click('form[data-offline-kind="lesson-done"] button')
        assert "Marked as done on this phone" in page.inner_text("main")
    # The connection comes back, but the sync does not get through (a dropped link): her queue stays on the
    # phone when she signs out.
    context.route("**/sync/token", lambda route: route.abort())
    context.set_offline(False)
    page.reload()
    page.wait_for_function("() => document.getElementById('offline-status').textContent.includes('wait for')")
    sign_out(page, live_server)
    context.unroute("**/sync/token")
    assert done_lessons(amina.id) == {lessons[0].id}

    # Bruno signs in on the same phone: nothing of Amina's is shown to him, sent for him or credited to him.
    sign_in(page, live_server, "bruno", wait_for_home=True)
    page.goto(f"{live_server}/offline")
    assert page.locator("#saved-courses a").count() == 0  # her saved course is not listed
    context.set_offline(True)
    for path in (f"/courses/{BUNDLED_COURSE}", f"/courses/{BUNDLED_COURSE}/lessons/{lessons[1].slug}"):
        page.goto(live_server + path)
        shows_no_saved_page(page)  # her saved pages are not served to him
        axe.scan(page)
    context.set_offline(False)
    # He saves the course for himself and marks a lesson done offline; his page's sync sends his queue only.
    start_course(page, live_server)
    save_course(page, live_server)
    assert page.locator(".is-done").count() == 0  # his progress, not hers
    context.set_offline(True)
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}/lessons/{lessons[4].slug}")
    page.click('form[data-offline-kind="lesson-done"] button')
    context.set_offline(False)
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}")
    wait_until_sent(page)
    assert done_lessons(bruno.id) == {lessons[4].id}
    assert done_lessons(amina.id) == {lessons[0].id}
    sign_out(page, live_server)

    # Amina signs in again: her waiting progress is sent and credited to her, her saved course is hers again.
    sign_in(page, live_server, "amina", wait_for_home=True)
    wait_until_sent(page)
    aminas = page.get_attribute('meta[name="offline-owner"]', "content")
    assert done_lessons(amina.id) == {lesson.id for lesson in lessons[:3]}
    assert done_lessons(bruno.id) == {lessons[4].id}
    assert db.session.scalar(select(func.count()).select_from(SyncedOperation)) == 3
    context.set_offline(True)
    # Her saved copy is as she saved it: neither Bruno's browsing nor his saving the same course touched it.
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}")
    assert page.get_attribute('meta[name="offline-owner"]', "content") == aminas
    assert page.locator(".is-done a").all_inner_texts() == [first_lesson_title]
    page.goto(f"{live_server}/my-learning")  # never saved: her "No connection" page lists her course
    assert page.locator("#saved-courses a").all_inner_texts() == [
        page.evaluate(STORED, "lms-saved-courses")[BUNDLED_COURSE]["title"]]
    context.set_offline(False)
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}")  # online, her copy is refreshed with her progress
    assert "Saved on this phone" in page.inner_text(".offline-state")
    page.wait_for_function(SAVED_DONE, arg=[f"saved:{aminas}:{BUNDLED_COURSE}", f"/courses/{BUNDLED_COURSE}", 3])
    context.set_offline(True)
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}")
    assert len(page.locator(".is-done a").all_inner_texts()) == 3
    context.close()
    assert axe.violations == []


def test_signed_out_and_offline_the_phone_shows_no_saved_page_of_anyone(browser, live_server, library, create_user,
                                                                        axe):
    create_user("amina")
    lessons = services.find_course(BUNDLED_COURSE).lessons
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, "amina", wait_for_home=True)
    start_course(page, live_server)
    save_course(page, live_server)
    context.set_offline(True)
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}/lessons/{lessons[1].slug}")
    assert page.inner_text("article h1")  # signed in, her saved lesson is there without a connection
    context.set_offline(False)
    page.goto(f"{live_server}/courses/{BUNDLED_COURSE}")
    sign_out(page, live_server)

    context.set_offline(True)
    for path in (f"/courses/{BUNDLED_COURSE}", f"/courses/{BUNDLED_COURSE}/lessons/{lessons[1].slug}", "/offline",
                 "/my-learning"):
        page.goto(live_server + path)
        shows_no_saved_page(page)
        assert "sign in first" in page.inner_text("main")
        assert page.locator('meta[name="offline-owner"]').count() == 0
        assert page.locator("#saved-courses a").count() == 0
    axe.scan(page)
    context.close()
    assert axe.violations == []
