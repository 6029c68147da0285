"""Taking a course: catalogue, lessons in one's language, quizzes, completion, continuing later."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.content.reader import read_library
from lms.content.store import import_bundles
from lms.extensions import db
from lms.learn import services
from lms.models import Enrolment, LessonCompletion, QuizAttempt
from tests.helpers import BUNDLED_COURSE, csrf_token, sign_in

COURSE_URL = f"/courses/{BUNDLED_COURSE}"


def right_answers(bundle, module_index: int) -> dict[str, list[str]]:
    return {q.id: q.correct for q in bundle.modules[module_index].questions}


def wrong_answers(bundle, module_index: int) -> dict[str, list[str]]:
    return {q.id: [next(c for c in q.choices if c not in q.correct)] for q in bundle.modules[module_index].questions}


def answer_quiz(client, module_id: str, answers: dict[str, list[str]]):
    url = f"{COURSE_URL}/modules/{module_id}/quiz"
    data = {"csrf_token": csrf_token(client, url)}
    data.update({f"q_{question}": choices for question, choices in answers.items()})
    return client.post(url, data=data)


def mark_done(client, lesson_id: str):
    url = f"{COURSE_URL}/lessons/{lesson_id}"
    return client.post(f"{url}/done", data={"csrf_token": csrf_token(client, url)})


@pytest.fixture
def member(client, create_user, library):
    user = create_user("rosa")
    sign_in(client, "rosa")
    return user


def test_catalogue_lists_published_courses_and_filters(client, library):
    page = client.get("/courses").get_data(as_text=True)
    assert "Social dialogue at work" in page
    filtered = client.get("/courses?topic=social-dialogue&language=fr").get_data(as_text=True)
    assert "Social dialogue at work" in filtered
    assert "No course matches this choice." in client.get("/courses?topic=living-wage").get_data(as_text=True)


@pytest.mark.parametrize("query", ["", "?topic=social-dialogue", "?language=fr", "?topic=&language="])
def test_catalogue_shows_no_error_when_a_filter_is_left_out(client, library, query):
    page = client.get(f"/courses{query}").get_data(as_text=True)
    assert "This choice is not available" not in page
    assert 'aria-invalid' not in page


def test_catalogue_explains_one_wrong_value_once(client, library):
    page = client.get("/courses?topic=nonsense").get_data(as_text=True)
    assert page.count("This choice is not available; showing all.") == 1
    assert "Social dialogue at work" in page


def test_catalogue_refuses_unknown_filter_values_with_a_message(client, library):
    response = client.get("/courses?topic=<script>&language=zz")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("This choice is not available; showing all.") == 2
    assert "<script>" not in page
    assert "Social dialogue at work" in page


def test_unpublished_course_is_hidden(client, app_ctx, course_copy):
    toml = course_copy / BUNDLED_COURSE / "course.toml"
    toml.write_text(toml.read_text().replace("published = true", "published = false"))
    import_bundles(read_library(course_copy))
    db.session.commit()
    assert "Social dialogue at work" not in client.get("/courses").get_data(as_text=True)
    assert client.get(COURSE_URL).status_code == 404


def test_course_page_shows_modules_lessons_and_progress(client, member, library):
    page = client.get(COURSE_URL).get_data(as_text=True)
    assert "Start this course" in page
    mark_done(client, "what-is-social-dialogue")
    page = client.get(COURSE_URL).get_data(as_text=True)
    total = sum(len(m.lessons) + 1 for m in library[BUNDLED_COURSE].modules)
    assert f'<progress max="{total}" value="1"' in page
    assert f"Steps done: 1 of {total}" in page


def test_lesson_is_rendered_in_the_chosen_language(client, library):
    english = client.get(f"{COURSE_URL}/lessons/what-is-social-dialogue").get_data(as_text=True)
    french = client.get(f"{COURSE_URL}/lessons/what-is-social-dialogue?lang=fr").get_data(as_text=True)
    assert "<h1>What is social dialogue?</h1>" in english
    assert '<html lang="fr"' in french
    assert "<h2>" in french and "What is social dialogue?" not in french


def test_missing_translation_shows_the_source_with_a_note(client, app_ctx, course_copy):
    (course_copy / BUNDLED_COURSE / "fr" / "02-who-takes-part.md").unlink()
    import_bundles(read_library(course_copy))
    db.session.commit()
    page = client.get(f"{COURSE_URL}/lessons/who-takes-part?lang=fr").get_data(as_text=True)
    assert '<article lang="en" dir="ltr">' in page
    assert "Ce contenu n’est pas encore traduit" in page or "pas encore traduit" in page


def test_outdated_translation_shows_the_source_with_a_note(client, app_ctx, course_copy):
    lesson = course_copy / BUNDLED_COURSE / "en" / "01-what-is-social-dialogue.md"
    lesson.write_text(lesson.read_text() + "\nA new paragraph in the source.\n")
    import_bundles(read_library(course_copy))
    db.session.commit()
    page = client.get(f"{COURSE_URL}/lessons/what-is-social-dialogue?lang=fr").get_data(as_text=True)
    assert "A new paragraph in the source." in page
    assert '<article lang="en"' in page
    assert "obsolète" in page or "pas à jour" in page


def test_anonymous_reader_can_read_but_not_save(client, library):
    page = client.get(f"{COURSE_URL}/lessons/who-takes-part").get_data(as_text=True)
    assert "Sign in to save your progress" in page
    response = client.post(f"{COURSE_URL}/lessons/who-takes-part/done",
                           data={"csrf_token": csrf_token(client, "/sign-in")})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_mark_done_goes_to_the_next_step_and_records_once(client, app_ctx, member, library):
    response = mark_done(client, "what-is-social-dialogue")
    assert response.headers["Location"] == f"{COURSE_URL}/lessons/who-takes-part"
    mark_done(client, "what-is-social-dialogue")
    assert db.session.scalar(select(func.count()).select_from(LessonCompletion)) == 1
    last_of_module = library[BUNDLED_COURSE].modules[0].lessons[-1]
    response = mark_done(client, last_of_module)
    assert response.headers["Location"] == f"{COURSE_URL}/modules/{library[BUNDLED_COURSE].modules[0].id}/quiz"


def test_quiz_needs_every_answer_and_saves_nothing_otherwise(client, app_ctx, member, library):
    module = library[BUNDLED_COURSE].modules[0]
    answers = right_answers(library[BUNDLED_COURSE], 0)
    answers.pop(module.questions[0].id)
    response = answer_quiz(client, module.id, answers)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please answer this question." in page
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_quiz_with_an_unknown_choice_is_refused(client, app_ctx, member, library):
    module = library[BUNDLED_COURSE].modules[0]
    answers = right_answers(library[BUNDLED_COURSE], 0)
    answers[module.questions[0].id] = ["zzz"]
    assert answer_quiz(client, module.id, answers).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_failed_quiz_gives_feedback_and_can_be_retried(client, app_ctx, member, library):
    bundle = library[BUNDLED_COURSE]
    module = bundle.modules[0]
    response = answer_quiz(client, module.id, wrong_answers(bundle, 0))
    assert response.headers["Location"].endswith(f"/modules/{module.id}/quiz/result")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You scored 0%" in page and "The pass mark is 70%" in page
    assert "Not quite" in page
    first_question = module.questions[0]
    wrong_choice = next(c for c in first_question.choices if c not in first_question.correct)
    feedback = bundle.languages["en"].modules[module.id].questions[first_question.id].choices[wrong_choice].feedback
    assert _text(feedback) in _text(page)
    response = answer_quiz(client, module.id, right_answers(bundle, 0))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You passed with 100%" in page
    french = client.get(response.headers["Location"] + "?lang=fr").get_data(as_text=True)
    assert "Vous avez réussi avec 100\u00a0%" in french  # numbers formatted by Babel for the reader


def test_multiple_choice_is_right_only_with_exactly_the_correct_choices(app_ctx, library):
    course = services.find_course(BUNDLED_COURSE)
    module = next(m for m in course.modules if any(q.kind == "multiple" for q in m.questions))
    question = next(q for q in module.questions if q.kind == "multiple")
    correct = [c.slug for c in question.choices if c.correct]
    others = {q.slug: [c.slug for c in q.choices if c.correct] for q in module.questions if q is not question}
    assert services.grade_quiz(module, {**others, question.slug: correct}).score == 100
    assert services.grade_quiz(module, {**others, question.slug: correct[:-1]}).score < 100
    extra = [c.slug for c in question.choices]
    assert services.grade_quiz(module, {**others, question.slug: extra}).score < 100


def test_course_is_completed_with_its_date_when_all_lessons_and_quizzes_are_done(client, app_ctx, member, library):
    bundle = library[BUNDLED_COURSE]
    for index, module in enumerate(bundle.modules):
        for lesson in module.lessons:
            mark_done(client, lesson)
        assert db.session.scalar(select(Enrolment.completed_at)) is None
        answer_quiz(client, module.id, right_answers(bundle, index))
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.completed_at is not None
    page = client.get(COURSE_URL).get_data(as_text=True)
    assert "Completed on" in page
    assert "Completed on" in client.get("/my-learning").get_data(as_text=True)


def test_home_page_continues_where_the_member_left_off(client, member, library):
    bundle = library[BUNDLED_COURSE]
    assert "Continue where you left off" not in client.get("/").get_data(as_text=True)
    mark_done(client, bundle.modules[0].lessons[0])
    page = client.get("/").get_data(as_text=True)
    assert "Continue where you left off" in page
    assert f'href="{COURSE_URL}/lessons/{bundle.modules[0].lessons[1]}"' in page


def test_start_course_enrols_and_opens_the_first_lesson(client, app_ctx, member, library):
    response = client.post(f"{COURSE_URL}/start", data={"csrf_token": csrf_token(client, COURSE_URL)})
    assert response.headers["Location"] == f"{COURSE_URL}/lessons/{library[BUNDLED_COURSE].lesson_ids[0]}"
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
    assert "Social dialogue at work" in client.get("/my-learning").get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/courses/no-such-course",
    f"{COURSE_URL}/lessons/no-such-lesson",
    f"{COURSE_URL}/modules/no-such-module/quiz",
    "/courses?lang=xx",
    "/no/such/page",
])
def test_unknown_things_get_a_translated_404(client, member, path):
    response = client.get(path, headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Erreur 404" in page and '<html lang="fr"' in page


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&#39;", "'").replace("&quot;", '"')


def test_the_bundled_courses_read_right_to_left_in_arabic(client, library):
    for slug in library:
        page = client.get(f"/courses/{slug}/lessons/{library[slug].lesson_ids[0]}?lang=ar").get_data(as_text=True)
        assert '<html lang="ar" dir="rtl">' in page
        assert 'lang="en" dir="ltr"' not in page  # every text of the lesson is Arabic: nothing falls back to the source
        assert re.search("[\u0600-\u06ff]{20}", _text(page).replace(" ", ""))


def test_fallback_content_in_an_rtl_page_keeps_its_own_direction(client, library, create_user):
    from lms.author import services as authoring

    course = authoring.create_course(owner=create_user("tina", role="trainer"), language="en", title="Safe shifts",
                                     summary="Night work.", intro="Start.", topics=[])
    course.published = True
    db.session.commit()
    page = client.get("/courses?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert 'lang="en" dir="ltr">Safe shifts' in page  # a course with no Arabic text keeps its English direction
    assert "، " in page  # lists joined the Arabic way, by Babel


def test_draft_translation_carries_a_quiet_note(client, library):
    page = client.get(f"{COURSE_URL}/lessons/what-is-social-dialogue?lang=es").get_data(as_text=True)
    assert '<p class="note-quiet">' in page
    assert '<p class="note">' not in page


def test_a_course_prints_as_one_handout_with_every_lesson_and_question(client, library):
    course = services.find_course(BUNDLED_COURSE)
    assert f'href="/courses/{BUNDLED_COURSE}/print"' in client.get(f"/courses/{BUNDLED_COURSE}").get_data(as_text=True)
    page = client.get(f"/courses/{BUNDLED_COURSE}/print").get_data(as_text=True)
    assert page.count('class="handout-module"') == len(course.modules)
    assert page.count('class="handout-lesson"') == len(course.lessons)
    questions = [q for m in course.modules for q in m.questions]
    assert page.count('<ul class="tick-list">') == len(questions)
    # No answer key on the participants' handout: every choice looks the same.
    for choices in re.findall(r'<ul class="tick-list">(.*?)</ul>', page, re.S):
        assert set(re.findall(r"<li[^>]*>", choices)) == {"<li>"}
    # In French, with the source's wording where a text is not translated, and a note saying so.
    french = client.get(f"/courses/{BUNDLED_COURSE}/print?lang=fr").get_data(as_text=True)
    assert 'lang="fr"' in french
    assert client.get("/courses/no-such-course/print").status_code == 404
