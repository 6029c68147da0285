"""Learners' pages read courses from the process's copy, which any change to course content makes stale."""
from __future__ import annotations

from sqlalchemy import select, update

from lms.extensions import db
from lms.learn import reading, services
from lms.models import LessonTranslation
from tests.helpers import BUNDLED_COURSE, csrf_token, sign_in


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

