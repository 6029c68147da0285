"""Authoring can be undone: lessons, modules and questions deleted (history kept), questions reordered, courses
archived and deleted, each deletion confirmed on a page that says what goes with it."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.author import removal
from lms.author import services as authoring
from lms.extensions import db
from lms.learn import services as learning
from lms.models import (
    Course,
    CourseEditor,
    Enrolment,
    Image,
    Lesson,
    LessonCompletion,
    LessonVersion,
    Module,
    Question,
    QuizAttempt,
)
from tests.helpers import BUNDLED_COURSE, complete_course, csrf_token, post_form, sign_in

C = f"/author/courses/{BUNDLED_COURSE}"


@pytest.fixture
def trainer(client, create_user, library):
    user = create_user("tina", role="trainer")
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    db.session.add(CourseEditor(course_id=course.id, user_id=user.id, role="owner"))
    db.session.commit()
    sign_in(client, "tina")
    return user


def bundled() -> Course:
    db.session.expire_all()
    return learning.find_course(BUNDLED_COURSE, include_unpublished=True)


def confirm(client, url: str):
    """Answer "Yes, delete" on the confirmation page, as a browser without JavaScript does."""
    return post_form(client, url, {"confirm": "1"})


def test_deleting_a_lesson_asks_first_saying_what_goes_with_it(client, trainer):
    page = client.get(f"{C}/lessons/who-takes-part/delete")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Delete this lesson?" in html
    translations = sum(1 for t in next(x for x in bundled().lessons if x.slug == "who-takes-part").translations
                       if t.language != "en")
    assert f"{translations} translations" in html and 'name="confirm" value="1"' in html
    # A POST without the page's confirmation (a stray click, a replayed form) only shows the page again.
    assert post_form(client, f"{C}/lessons/who-takes-part/delete").status_code == 200
    assert "who-takes-part" in [x.slug for x in bundled().lessons]


def test_a_deleted_lesson_leaves_the_course_but_members_keep_what_they_did(client, trainer, create_user):
    member = create_user("mia")
    complete_course(member.id)
    course = bundled()
    steps_before = len(learning.course_steps(course))
    response = confirm(client, f"{C}/lessons/who-takes-part/delete")
    assert response.status_code == 302 and response.headers["Location"] == C
    course = bundled()
    assert "who-takes-part" not in [x.slug for x in course.lessons]
    assert len(learning.course_steps(course)) == steps_before - 1
    assert [x.position for x in course.modules[0].lessons] == list(range(len(course.modules[0].lessons)))
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "who-takes-part"))
    assert lesson.retired_at is not None
    assert db.session.get(LessonCompletion, (member.id, lesson.id)) is not None
    assert db.session.scalar(select(func.count(LessonVersion.id)).where(LessonVersion.lesson_id == lesson.id))
    assert db.session.scalar(select(Enrolment.completed_at).where(Enrolment.user_id == member.id)) is not None
    assert client.get(f"/courses/{BUNDLED_COURSE}/lessons/who-takes-part").status_code == 404
    assert "who-takes-part" not in client.get(C).get_data(as_text=True)


def test_a_new_lesson_never_takes_the_id_of_a_deleted_one(client, trainer):
    course = bundled()
    removal.delete_lesson(next(x for x in course.lessons if x.slug == "who-takes-part"))
    db.session.commit()
    course = bundled()
    lesson = authoring.add_lesson(course, course.modules[0], "Who takes part", "Text.", trainer)
    db.session.commit()
    assert lesson.slug == "who-takes-part-2"


def test_deleting_a_module_takes_its_lessons_and_quiz_and_keeps_attempts(client, trainer, create_user):
    member = create_user("mia")
    complete_course(member.id)
    course = bundled()
    module = course.modules[0]
    lessons, questions = len(module.lessons), len(module.questions)
    html = client.get(f"{C}/modules/{module.slug}/delete").get_data(as_text=True)
    assert f"{lessons} lessons" in html and f"{questions} quiz questions" in html
    assert "1 member did some of it" in html
    assert confirm(client, f"{C}/modules/{module.slug}/delete").status_code == 302
    course = bundled()
    assert module.slug not in [m.slug for m in course.modules]
    assert [m.position for m in course.modules] == list(range(len(course.modules)))
    assert db.session.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.module_id == module.id)) == 1
    assert db.session.scalar(select(func.count(Lesson.id)).where(
        Lesson.module_id == module.id, Lesson.retired_at.is_not(None))) == lessons


def test_deleting_a_question_asks_first(client, trainer):
    url = f"{C}/modules/what-and-who/questions/definition/delete"
    assert "Delete this question?" in client.get(url).get_data(as_text=True)
    assert confirm(client, url).headers["Location"] == f"{C}/modules/what-and-who/quiz"
    assert db.session.scalar(select(Question).where(Question.slug == "definition")) is None


def test_quiz_questions_move_up_and_down(client, trainer):
    quiz = f"{C}/modules/what-and-who/quiz"
    before = [q.slug for q in bundled().modules[0].questions]
    assert len(before) >= 2
    post_form(client, f"{C}/modules/what-and-who/questions/{before[1]}/move", {"direction": "up"}, page=quiz)
    after = [q.slug for q in bundled().modules[0].questions]
    assert after == [before[1], before[0], *before[2:]]
    post_form(client, f"{C}/modules/what-and-who/questions/{before[1]}/move", {"direction": "down"}, page=quiz)
    assert [q.slug for q in bundled().modules[0].questions] == before
    html = client.get(quiz).get_data(as_text=True)
    last = len(before)
    assert "Move question 2 up" in html and "Move question 1 down" in html
    assert "Move question 1 up" not in html and f"Move question {last} down" not in html  # nowhere to go


def test_an_archived_course_leaves_the_catalogue_and_members_keep_it(client, trainer, create_user):
    member = create_user("mia")
    learning.mark_lesson_done(member.id, bundled(), bundled().lessons[0])
    db.session.commit()
    post_form(client, f"{C}/archive", {"archived": "1"}, page=C)
    assert bundled().archived_at is not None
    assert f"/courses/{BUNDLED_COURSE}\"" not in client.get("/courses").get_data(as_text=True)
    assert "Archived" in client.get(C).get_data(as_text=True)
    listed = client.get("/author/?show=archived").get_data(as_text=True)
    assert f"{C}\"" in listed and f"{C}\"" not in client.get("/author/").get_data(as_text=True)
    other = client.application.test_client()
    sign_in(other, "mia")
    assert other.get(f"/courses/{BUNDLED_COURSE}").status_code == 200
    post_form(client, f"{C}/archive", {"archived": "0"}, page=C)
    assert bundled().archived_at is None
    assert f"/courses/{BUNDLED_COURSE}\"" in client.get("/courses").get_data(as_text=True)


def test_a_course_with_history_cannot_be_deleted(client, trainer, create_user):
    member = create_user("mia")
    learning.mark_lesson_done(member.id, bundled(), bundled().lessons[0])
    db.session.commit()
    assert "cannot be deleted" in client.get(f"{C}/delete").get_data(as_text=True)
    assert confirm(client, f"{C}/delete").status_code == 400
    assert bundled() is not None


def test_a_course_nobody_took_is_deleted_with_everything_in_it(client, trainer):
    course = bundled()
    course_id = course.id
    authoring.store_image(course, tiny_png(), trainer)
    removal.delete_lesson(course.lessons[0])
    db.session.commit()
    html = client.get(f"{C}/delete").get_data(as_text=True)
    assert f"{len(bundled().modules)} modules" in html and "1 image" in html
    assert confirm(client, f"{C}/delete").headers["Location"] == "/author/"
    assert db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE)) is None
    for model in (Lesson, Module, Image):
        assert db.session.scalar(select(func.count()).select_from(model).where(model.course_id == course_id)) == 0
    assert db.session.scalar(select(func.count(LessonVersion.id)).join(Lesson, isouter=True).where(
        Lesson.id.is_(None))) == 0


def test_history_shows_the_time_of_each_version_in_utc(client, trainer):
    lesson = next(x for x in bundled().lessons if x.slug == "who-takes-part")
    with clock.freeze(datetime(2026, 3, 4, 15, 42, tzinfo=UTC)):
        authoring.save_lesson_text(lesson, "en", "Who", "Body.", base_version=lesson.translations[0].version
                                   if lesson.translations[0].language == "en" else 1, author=trainer)
        db.session.commit()
    html = client.get(f"{C}/lessons/who-takes-part/history").get_data(as_text=True)
    assert re.search(r"Mar 4, 2026, 3:42:00\s?PM UTC", html)


def test_the_author_index_is_searched_sorted_and_paged(client, trainer):
    for n in range(3):
        authoring.create_course(owner=trainer, language="en", title=f"Zebra course {n}", summary="S.", intro="I.",
                                topics=["social-dialogue"])
    db.session.commit()
    found = client.get("/author/?q=zebra").get_data(as_text=True)
    assert "Zebra course 0" in found and "Social dialogue" not in found and "Showing 1–3 of 3" in found
    by_title = client.get("/author/?sort=-title").get_data(as_text=True)
    assert by_title.index("Zebra course 2") < by_title.index("Zebra course 0")
    assert 'aria-sort="descending"' in by_title


def tiny_png() -> bytes:
    import io

    from PIL import Image as Picture

    out = io.BytesIO()
    Picture.new("RGB", (30, 20), "red").save(out, format="PNG")
    return out.getvalue()


def test_deletion_pages_refuse_a_forged_request(client, trainer):
    response = client.post(f"{C}/lessons/who-takes-part/delete", data={"confirm": "1", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "who-takes-part" in [x.slug for x in bundled().lessons]
    assert csrf_token(client, f"{C}/lessons/who-takes-part/delete")
