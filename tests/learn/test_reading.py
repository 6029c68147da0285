"""Learners' pages read courses from the process's copy, which any change to course content makes stale."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy import select, update

from lms.extensions import db
from lms.learn import reading, services
from lms.models import ContentVersion, LessonTranslation, User
from tests.helpers import BUNDLED_COURSE, PASSWORD, csrf_token, forget_language, sign_in


def test_the_course_is_kept_until_its_content_changes(app_ctx, library, create_user):
    first = reading.course_for_reading(BUNDLED_COURSE)
    assert reading.course_for_reading(BUNDLED_COURSE) is first
    db.session.commit()  # a commit does not expire the kept copy: it is in no session
    assert first.lessons[0].translations[0].title

    # A change through the ORM draws a new stamp...
    row = db.session.scalar(select(LessonTranslation).where(LessonTranslation.lesson_id == first.lessons[0].id,
                                                            LessonTranslation.language == "en"))
    row.title = "A new title"
    db.session.commit()
    second = reading.course_for_reading(BUNDLED_COURSE)
    assert second is not first
    assert next(t.title for t in second.lessons[0].translations if t.language == "en") == "A new title"

    # ... and so does a bulk statement.
    db.session.execute(update(LessonTranslation).where(LessonTranslation.id == row.id).values(title="Bulk title"))
    db.session.commit()
    third = reading.course_for_reading(BUNDLED_COURSE)
    assert next(t.title for t in third.lessons[0].translations if t.language == "en") == "Bulk title"

    # Progress is not content: marking a lesson done keeps the copy.
    services.mark_lesson_done(create_user("reader").id, third, third.lessons[0])
    db.session.commit()
    assert reading.course_for_reading(BUNDLED_COURSE) is third


def test_a_member_reads_the_edit_at_the_next_request(client, app_ctx, library, create_user):
    create_user("reader")
    sign_in(client, "reader")
    path = f"/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue"
    assert "What is social dialogue?" in client.get(path).get_data(as_text=True)
    client.post(f"{path}/done", data={"csrf_token": csrf_token(client, path)})
    row = db.session.scalar(select(LessonTranslation).where(LessonTranslation.language == "en",
                                                            LessonTranslation.title == "What is social dialogue?"))
    row.title = "Social dialogue, explained"
    db.session.commit()
    assert "Social dialogue, explained" in client.get(path).get_data(as_text=True)



LESSON = f"/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue"


def lesson_row(language: str):
    from lms.models import Lesson

    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "what-is-social-dialogue"))
    return lesson, next((t for t in lesson.translations if t.language == language), None)


def test_a_published_edit_of_a_lessons_text_is_read_at_the_next_request(client, app_ctx, library, create_user):
    from lms.author.services import save_lesson_text

    create_user("reader")
    sign_in(client, "reader")
    assert "What is social dialogue?" in client.get(LESSON).get_data(as_text=True)
    assert "What is social dialogue?" in client.get(LESSON).get_data(as_text=True)  # drawn from the kept copy
    lesson, row = lesson_row("en")
    save_lesson_text(lesson, "en", "Talking it through", "A body **edited** by its trainer.",
                     base_version=row.version, author=create_user("writer", role="trainer"))
    db.session.commit()
    page = client.get(LESSON).get_data(as_text=True)
    assert "Talking it through" in page and "<strong>edited</strong>" in page
    assert "What is social dialogue?" not in page


def test_a_new_translation_is_read_at_the_next_request(client, app_ctx, library, create_user):
    from lms.author.services import save_lesson_text

    forget_language(BUNDLED_COURSE, "pt")
    db.session.commit()
    create_user("reader")
    sign_in(client, "reader")
    before = client.get(f"{LESSON}?lang=pt").get_data(as_text=True)
    assert "What is social dialogue?" in before and 'lang="en"' in before  # the English text, marked as such
    lesson, _row = lesson_row("en")
    save_lesson_text(lesson, "pt", "O que é o diálogo social?", "Um texto traduzido.", base_version=0,
                     author=create_user("translator", role="trainer"))
    db.session.commit()
    page = client.get(LESSON).get_data(as_text=True)  # pt is remembered from ?lang=
    assert "O que é o diálogo social?" in page and "Um texto traduzido." in page
    assert "What is social dialogue?" not in page


def test_a_members_progress_never_appears_on_anothers_page(app, app_ctx, library, create_user):
    done = create_user("done-reader")
    create_user("fresh-reader")
    course = services.find_course(BUNDLED_COURSE)
    services.mark_lesson_done(done.id, course, course.lessons[0])
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    sign_in(first, "done-reader")
    sign_in(second, "fresh-reader")
    for _ in range(2):  # each page drawn after the other's, from the same kept copy of the course
        mine, theirs = first.get(LESSON), second.get(LESSON)
        mine_html, theirs_html = mine.get_data(as_text=True), theirs.get_data(as_text=True)
        assert "You have done this lesson." in mine_html and "Mark as done and continue" not in mine_html
        assert "Mark as done and continue" in theirs_html and "You have done this lesson." not in theirs_html
        assert 'value="1"' in mine_html and 'value="0"' in theirs_html  # the progress bar: steps done
        assert mine.headers["Offline-Owner"] != theirs.headers["Offline-Owner"]
        assert mine.headers["Offline-Owner"] not in theirs_html
        tokens = [set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', html))
                  for html in (mine_html, theirs_html)]
        assert tokens[0] and tokens[1] and not tokens[0] & tokens[1]


def statements_of(app, client, path: str) -> list[str]:
    """The SQL statements of one request."""
    statements = []
    with app.app_context():
        engine = db.engine

    def note(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return statements


def test_a_members_lesson_page_takes_one_query(app, app_ctx, library, create_user, still_clock):
    """The session with its account, the content stamp and the member's steps done, in one query: nothing else while
    the course is kept (tests/learn/test_reading.py's other tests check what is kept)."""
    create_user("reader")
    client = app.test_client()
    sign_in(client, "reader")
    client.get(LESSON)
    statements = statements_of(app, client, LESSON)
    assert len(statements) == 1 and "user_sessions" in statements[0] and "lesson_completions" in statements[0]


def test_the_progress_read_with_the_session_is_the_members_own(app, app_ctx, library, create_user):
    """Read beside the session, the steps done are those of the session's account, and a page without a session
    (a visitor, a session restored from "Keep me signed in") reads them on its own."""
    done = create_user("kept-reader")
    course = services.find_course(BUNDLED_COURSE)
    services.mark_lesson_done(done.id, course, course.lessons[0])
    db.session.commit()
    first = app.test_client()
    first.post("/sign-in", data={"identifier": "kept-reader", "password": PASSWORD, "remember": "y",
                                 "csrf_token": csrf_token(first, "/sign-in")})
    assert "You have done this lesson." in first.get(LESSON).get_data(as_text=True)
    later = app.test_client()  # the browser closed: only the remember cookie is left
    name = app.config["REMEMBER_COOKIE_NAME"]
    later.set_cookie(name, first.get_cookie(name).value)
    restored = later.get(LESSON).get_data(as_text=True)
    assert "You have done this lesson." in restored and "Sign out" in restored
    visitor = app.test_client().get(LESSON).get_data(as_text=True)
    assert "Mark as done and continue" not in visitor and "You have done this lesson." not in visitor


def test_a_lesson_page_read_with_the_session_before_any_content_stamp_still_shows_progress(
        app, app_ctx, library, create_user):
    create_user("early-reader")
    course = services.find_course(BUNDLED_COURSE)
    services.mark_lesson_done(db.session.scalar(select(User.id).where(User.username == "early-reader")), course,
                              course.lessons[0])
    db.session.execute(sa.delete(ContentVersion))  # as a database that had courses before stamps existed
    db.session.commit()
    client = app.test_client()
    sign_in(client, "early-reader")
    assert "You have done this lesson." in client.get(LESSON).get_data(as_text=True)
