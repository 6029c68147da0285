"""A member saves a course on the phone, reads and marks lessons done without a connection, answers a
quiz offline, and finds it all saved exactly once when the connection returns."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.learn import services
from lms.models import LessonCompletion, QuizAttempt, SyncedOperation
from tests.conftest import BUNDLED_COURSE, PASSWORD


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server + "/sign-in")
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server + "/")


def test_a_saved_course_is_read_offline_and_its_progress_synced_once(browser, live_server, library, create_user,
                                                                     axe):
    user = create_user("offline.reader")
    course = services.find_course(BUNDLED_COURSE)
    lessons = course.lessons
    module = next(m for m in course.modules if m.has_quiz)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, "offline.reader")
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
    assert page.evaluate("() => JSON.parse(localStorage.getItem('lms-offline-queue'))") == []
    context.close()
