"""Trainers write courses in the browser: structure, versions, preview, quizzes, images, translation."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Course, CourseEditor, Image, Lesson, LessonTranslation, LessonVersion, Question
from tests.helpers import BUNDLED_COURSE, csrf_token, forget_language, post_form, sign_in


@pytest.fixture
def trainer(client, create_user):
    user = create_user("tina", role="trainer")
    sign_in(client, "tina")
    return user


def new_course(client, title="Safe work in mines"):
    return post_form(client, "/author/courses/new", {
        "title": title, "summary": "What every miner should know.", "intro": "Start here.",
        "language": "en", "topics": ["health-and-safety"]})


def test_trainer_creates_a_draft_course_and_owns_it(client, app_ctx, trainer):
    response = new_course(client)
    assert response.status_code == 302 and response.headers["Location"] == "/author/courses/safe-work-in-mines"
    course = db.session.scalar(select(Course))
    assert not course.published
    assert db.session.get(CourseEditor, (course.id, trainer.id)).role == "owner"
    assert "Safe work in mines" not in client.get("/courses").get_data(as_text=True)


def test_new_course_without_topic_is_refused_and_nothing_written(client, app_ctx, trainer):
    response = post_form(client, "/author/courses/new", {"title": "X", "summary": "Y", "intro": "Z", "language": "en"})
    assert response.status_code == 400
    assert "Please choose at least one topic." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_write_preview_save_and_publish_a_lesson(client, app_ctx, trainer):
    new_course(client)
    base = "/author/courses/safe-work-in-mines"
    post_form(client, f"{base}/modules", {"module-title": "Dangers"}, page=base)
    response = post_form(client, f"{base}/modules/dangers/lessons", {"lesson-title": "Gas and dust"}, page=base)
    assert response.headers["Location"] == f"{base}/lessons/gas-and-dust"
    edit_url = f"{base}/lessons/gas-and-dust"
    preview = post_form(client, edit_url, {"title": "Gas and dust",
                                           "body": "## Gas\n\n<script>x</script>Air **first**.",
                                           "version": "1", "preview": "Preview"})
    page = preview.get_data(as_text=True)
    assert "<strong>first</strong>" in page and "<script>x" not in page
    assert db.session.scalar(select(LessonTranslation.version)) == 1  # a preview saves nothing
    saved = post_form(client, edit_url, {"title": "Gas and dust", "body": "## Gas\n\nAir **first**.", "version": "1",
                                    "save": "Save"})
    assert saved.status_code == 302
    post_form(client, f"{base}/publish", {"published": "1"}, page=base)
    lesson = client.get("/courses/safe-work-in-mines/lessons/gas-and-dust").get_data(as_text=True)
    assert "<strong>first</strong>" in lesson


def test_every_save_keeps_a_version_and_an_old_one_can_be_restored(client, app_ctx, trainer):
    new_course(client)
    base = "/author/courses/safe-work-in-mines"
    post_form(client, f"{base}/modules", {"module-title": "Dangers"}, page=base)
    post_form(client, f"{base}/modules/dangers/lessons", {"lesson-title": "Noise"}, page=base)
    url = f"{base}/lessons/noise"
    for version, body in ((1, "First text.\nSame line."), (2, "Second text.\nSame line.")):
        post_form(client, url, {"title": "Noise", "body": body, "version": str(version), "save": "Save"})
    assert db.session.scalar(select(func.count(LessonVersion.id))) == 3
    diff = client.get(f"{url}/history?a=2&b=3").get_data(as_text=True)
    assert '<div class="diff-removed">' in diff and "First text." in diff and "Second text." in diff
    post_form(client, f"{url}/history/2/restore", page=f"{url}/history")
    row = db.session.scalar(select(LessonTranslation))
    db.session.refresh(row)
    assert (row.version, row.body_md) == (4, "First text.\nSame line.\n")


def test_second_of_two_simultaneous_saves_is_told_and_loses_nothing(client, app, app_ctx, trainer, create_user):
    new_course(client)
    base = "/author/courses/safe-work-in-mines"
    post_form(client, f"{base}/modules", {"module-title": "Dangers"}, page=base)
    post_form(client, f"{base}/modules/dangers/lessons", {"lesson-title": "Heat"}, page=base)
    other = create_user("omar", role="trainer")
    db.session.add(CourseEditor(course_id=db.session.scalar(select(Course.id)), user_id=other.id))
    db.session.commit()
    second = app.test_client()
    sign_in(second, "omar")
    url = f"{base}/lessons/heat"
    token_1, token_2 = csrf_token(client, url), csrf_token(second, url)
    first = client.post(url, data={"title": "Heat", "body": "Tina's text.", "version": "1", "save": "Save",
                                   "csrf_token": token_1})
    assert first.status_code == 302
    late = second.post(url, data={"title": "Heat", "body": "Omar's text.", "version": "1", "save": "Save",
                                  "csrf_token": token_2})
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Someone else saved this lesson" in page and "Omar&#39;s text." in page  # kept in the form
    assert db.session.scalar(select(LessonTranslation.body_md)) == "Tina's text.\n"


def test_quiz_questions_need_a_right_answer(client, app_ctx, trainer):
    new_course(client)
    base = "/author/courses/safe-work-in-mines"
    post_form(client, f"{base}/modules", {"module-title": "Dangers"}, page=base)
    url = f"{base}/modules/dangers/questions/new"
    choices = {"choices-0-text": "Yes", "choices-0-feedback": "Because.", "choices-1-text": "No",
               "choices-1-feedback": "Why not."}
    response = post_form(client, url, {"prompt": "Is dust dangerous?", "kind": "single", **choices})
    assert response.status_code == 400
    assert "Mark at least one answer as right." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Question.id))) == 0
    response = post_form(client, url, {"prompt": "Is dust dangerous?", "kind": "single", **choices,
                                  "choices-0-correct": "y"})
    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert [(c.slug, c.correct) for c in question.choices] == [("a", True), ("b", False)]
    assert question.module.pass_mark == 70


def test_images_are_resized_and_non_images_refused(client, app_ctx, trainer):
    new_course(client)
    base = "/author/courses/safe-work-in-mines"
    picture = io.BytesIO()
    PILImage.new("RGB", (3000, 1500), "green").save(picture, format="PNG")
    response = post_form(client, f"{base}/images", {"image": (io.BytesIO(picture.getvalue()), "big.png"),
                                               "back": base}, page=base, content_type="multipart/form-data")
    assert response.status_code == 302
    image = db.session.scalar(select(Image))
    assert (image.width, image.height, image.content_type) == (1280, 640, "image/webp")
    served = client.get(f"/media/{image.name}")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    bad = post_form(client, f"{base}/images", {"image": (io.BytesIO(b"not an image"), "x.png"), "back": base},
               page=base, content_type="multipart/form-data", follow_redirects=True)
    assert "This file is not an image we can use" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Image.id))) == 1


def test_translate_side_by_side_and_review_by_someone_else(client, app, app_ctx, trainer, create_user, library):
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    db.session.add(CourseEditor(course_id=course.id, user_id=trainer.id, role="owner"))
    db.session.commit()
    course_page = f"/author/courses/{BUNDLED_COURSE}"
    post_form(client, f"{course_page}/review-rule", {"require_independent_review": "1"}, page=course_page)
    db.session.refresh(course)
    assert course.require_independent_review
    for slug in (BUNDLED_COURSE, "womens-leadership"):
        forget_language(slug, "pt")
    base = f"/author/courses/{BUNDLED_COURSE}/translate/pt"
    status = client.get(base).get_data(as_text=True)
    assert status.count('status-missing') == 1 + 12 + 4  # the course page, the lessons, the modules' texts
    assert re.search(r"<title>Translation into [^<]*</title>", status)  # the page's title is text, no markup
    assert status.count('<h2>Quiz</h2>') == 1
    url = f"{base}/lessons/what-is-social-dialogue"
    page = client.get(url).get_data(as_text=True)
    assert "What is social dialogue?" in page  # the source, next to the form
    lacking = post_form(client, url, {"title": "O que é o diálogo social?", "body": "Texto.", "version": "0",
                                      "save": "Salvar"})
    assert lacking.status_code == 400 and "of the source text is missing" in lacking.get_data(as_text=True)
    source = db.session.scalar(select(LessonTranslation.body_md).where(LessonTranslation.language == "en").join(
        Lesson).where(Lesson.slug == "what-is-social-dialogue"))
    links = " ".join(f"[ligação]({target})" for target in re.findall(r"\]\(\s*<?([^)\s>]+)", source))
    post_form(client, url, {"title": "O que é o diálogo social?", "body": f"Texto. {links}", "version": "0",
                            "save": "Salvar"})
    assert "status-draft" in client.get(base).get_data(as_text=True)
    post_form(client, f"{url}/review", page=url)
    row = db.session.scalar(select(LessonTranslation).where(LessonTranslation.language == "pt"))
    assert row.review_status == "draft"  # the translator may not review their own work here
    reviewer = create_user("rui", role="trainer")
    db.session.add(CourseEditor(course_id=course.id, user_id=reviewer.id))
    db.session.commit()
    other = app.test_client()
    sign_in(other, "rui")
    post_form(other, f"{url}/review", page=url)
    db.session.refresh(row)
    assert row.review_status == "reviewed"
    learner = app.test_client().get(f"/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue?lang=pt")
    assert "O que é o diálogo social?" in learner.get_data(as_text=True)


def test_trainers_edit_only_their_courses(client, app, trainer, library, create_user):
    assert client.get(f"/author/courses/{BUNDLED_COURSE}").status_code == 403
    publish = post_form(client, f"/author/courses/{BUNDLED_COURSE}/publish", {"published": "0"}, page="/author/")
    assert publish.status_code == 403
    assert BUNDLED_COURSE not in client.get("/author/").get_data(as_text=True)
    create_user("ada", role="admin")
    admin = app.test_client()
    sign_in(admin, "ada")
    assert admin.get(f"/author/courses/{BUNDLED_COURSE}").status_code == 200


def test_participants_and_coordinators_cannot_author(app, create_user):
    for role in ("participant", "coordinator"):
        create_user(f"u-{role}", role=role)
        other = app.test_client()
        sign_in(other, f"u-{role}")
        assert other.get("/author/").status_code == 403
        assert other.get("/author/courses/new").status_code == 403


def test_a_module_can_be_renamed_and_lessons_reordered(client, app_ctx, trainer):
    from lms.models import Module, ModuleTranslation

    new_course(client)
    base = "/author/courses/safe-work-in-mines"
    post_form(client, f"{base}/modules", {"module-title": "Dangers"}, page=base)
    for title in ("First", "Second"):
        post_form(client, f"{base}/modules/dangers/lessons", {"lesson-title": title}, page=base)
    post_form(client, f"{base}/modules/dangers/title", {"rename-dangers-title": "Dangers underground"}, page=base)
    assert db.session.scalar(select(ModuleTranslation.title)) == "Dangers underground"
    post_form(client, f"{base}/lessons/second/move", {"direction": "up"}, page=base)
    module = db.session.scalar(select(Module))
    db.session.refresh(module)
    assert [lesson.slug for lesson in sorted(module.lessons, key=lambda x: x.position)] == ["second", "first"]


def test_module_title_and_quiz_are_translated_next_to_the_source(client, app, app_ctx, trainer, library):
    from lms.models import ChoiceTranslation, ModuleTranslation, QuestionTranslation

    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    db.session.add(CourseEditor(course_id=course.id, user_id=trainer.id, role="owner"))
    db.session.commit()
    for slug in (BUNDLED_COURSE, "womens-leadership"):
        forget_language(slug, "pt")
    url = f"/author/courses/{BUNDLED_COURSE}/translate/pt/modules/what-and-who"
    page = client.get(url).get_data(as_text=True)
    assert "Which of these is social dialogue?" in page or "social dialogue" in page
    partial = post_form(client, url, {"title": "O que é", "q-definition": "Qual?", "c-definition-a-text": "Só uma"})
    assert partial.status_code == 400 and "are translated" in partial.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ModuleTranslation).where(
        ModuleTranslation.language == "pt")) == 0
    question = db.session.scalar(select(Question).where(Question.slug == "definition"))
    data = {"title": "O que é o diálogo social", "q-definition": "Qual destes é diálogo social?"}
    for choice in question.choices:
        data[f"c-definition-{choice.slug}-text"] = f"Resposta {choice.slug}"
        data[f"c-definition-{choice.slug}-feedback"] = f"Porque {choice.slug}"
    assert post_form(client, url, data).status_code == 302
    assert db.session.scalar(select(QuestionTranslation.prompt).where(QuestionTranslation.language == "pt")) == \
        "Qual destes é diálogo social?"
    assert db.session.scalar(select(func.count()).select_from(ChoiceTranslation).where(
        ChoiceTranslation.language == "pt")) == len(question.choices)
    quiz = client.get(f"/courses/{BUNDLED_COURSE}/modules/what-and-who/quiz?lang=pt").get_data(as_text=True)
    assert "Qual destes é diálogo social?" in quiz


def test_live_preview_endpoint_renders_sanitised_markdown(client, app_ctx, trainer):
    new_course(client)
    base = "/author/courses/safe-work-in-mines"
    response = post_form(client, f"{base}/preview", {"body": "**bold** <script>x</script>"}, page=base)
    assert response.status_code == 200
    assert "<strong>bold</strong>" in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)


def test_lesson_images_come_at_the_width_the_screen_needs(client, app_ctx, trainer):
    from lms.content.markdown import render_markdown

    new_course(client)
    base = "/author/courses/safe-work-in-mines"
    picture = io.BytesIO()
    PILImage.new("RGB", (3000, 1500), "green").save(picture, format="PNG")
    post_form(client, f"{base}/images", {"image": (io.BytesIO(picture.getvalue()), "big.png"), "back": base},
         page=base, content_type="multipart/form-data")
    image = db.session.scalar(select(Image))
    html = render_markdown(f"![A mine shaft](/media/{image.name})")
    assert f'srcset="/media/{image.name}?w=480 480w, /media/{image.name}?w=960 960w' in html
    assert 'loading="lazy"' in html and 'sizes="' in html
    for width in (480, 960):
        served = client.get(f"/media/{image.name}?w={width}")
        assert served.status_code == 200 and served.mimetype == "image/webp"
        with PILImage.open(io.BytesIO(served.data)) as copy:
            assert copy.width == width and copy.height == width // 2
        assert len(served.data) < len(image.data)
    assert client.get(f"/media/{image.name}?w=123").status_code == 404  # no arbitrary sizes to compute
