"""Quiz texts and the course page are translated, go out of date and are reviewed as lessons are."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.author import services
from lms.author.services import ChoiceInput, state_of, text_in
from lms.extensions import db
from lms.models import Course, CourseEditor, Module
from tests.helpers import BUNDLED_COURSE, post_form, sign_in

TRANSLATE = f"/author/courses/{BUNDLED_COURSE}/translate"
QUIZ = f"/courses/{BUNDLED_COURSE}/modules/what-and-who/quiz"


@pytest.fixture
def course(library, create_user) -> Course:
    """The bundled course, edited by the trainers tina and rui, with independent review."""
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    course.require_independent_review = True
    for name in ("tina", "rui"):
        db.session.add(CourseEditor(course_id=course.id, user_id=create_user(name, role="trainer").id))
    db.session.commit()
    return course


def signed_in(app, name: str):
    client = app.test_client()
    sign_in(client, name)
    return client


def module_of(course: Course, slug: str = "what-and-who") -> Module:
    return next(m for m in course.modules if m.slug == slug)


def reword_first_question(module: Module, prompt: str) -> None:
    """Change a source prompt as the question page does."""
    question = module.questions[0]
    choices = [ChoiceInput(text_in(c.translations, "en").text, text_in(c.translations, "en").feedback, c.correct)
               for c in question.choices]
    services.save_question(module, question, language="en", prompt=prompt, kind=question.kind, choices=choices)
    db.session.commit()


def quiz_form_of(module: Module, language: str) -> dict:
    """The translation page's fields, filled from the texts the module has in ``language``."""
    row = text_in(module.translations, language)
    data = {"title": row.title if row else ""}
    for question in module.questions:
        data[f"q-{question.slug}"] = getattr(text_in(question.translations, language), "prompt", "")
        for choice in question.choices:
            texts = text_in(choice.translations, language)
            data[f"c-{question.slug}-{choice.slug}-text"] = texts.text if texts else ""
            data[f"c-{question.slug}-{choice.slug}-feedback"] = texts.feedback if texts else ""
    return data


def test_an_edited_source_quiz_outdates_its_translation_and_learners_see_the_source(app, course, create_user):
    module = module_of(course)
    french_prompt = text_in(module.questions[0].translations, "fr").prompt
    learner = create_user("mia")
    reader = signed_in(app, learner.username)
    assert french_prompt in reader.get(f"{QUIZ}?lang=fr").get_data(as_text=True)
    assert state_of(module.translations, "fr", "en") == "draft"

    reword_first_question(module, "Which one of these is social dialogue, really?")
    assert state_of(module.translations, "fr", "en") == "outdated"
    page = reader.get(f"{QUIZ}?lang=fr").get_data(as_text=True)
    assert "Which one of these is social dialogue, really?" in page and french_prompt not in page
    assert "out of date" not in page  # the note is in French
    assert 'class="note"' in page and page.count('<div lang="en" dir="ltr">') == len(module.questions)
    tina = signed_in(app, "tina")
    overview = tina.get(f"{TRANSLATE}/fr").get_data(as_text=True)
    assert overview.count("status-outdated") == 1  # this module's texts, nothing else
    assert "The source changed since this translation was saved." in tina.get(
        f"{TRANSLATE}/fr/modules/what-and-who").get_data(as_text=True)
    refused = post_form(tina, f"{TRANSLATE}/fr/modules/what-and-who/review", page=f"{TRANSLATE}/fr")
    assert refused.status_code == 302 and state_of(module.translations, "fr", "en") == "outdated"

    # The translator brings it up to date: a draft again, and learners read French.
    data = quiz_form_of(module, "fr") | {f"q-{module.questions[0].slug}": "Lequel est vraiment du dialogue social ?"}
    assert post_form(tina, f"{TRANSLATE}/fr/modules/what-and-who", data).status_code == 302
    db.session.expire_all()
    assert state_of(module_of(course).translations, "fr", "en") == "draft"
    assert "Lequel est vraiment du dialogue social ?" in reader.get(f"{QUIZ}?lang=fr").get_data(as_text=True)


def test_moving_a_question_leaves_the_translation_current(app, course):
    from lms.author import removal

    module = module_of(course)
    removal.move_question(module, module.questions[-1], -1)
    services.refresh_module_checksums(module)
    assert state_of(module.translations, "fr", "en") == "draft"


def test_quiz_texts_are_reviewed_by_someone_other_than_their_translator(app, course):
    url = f"{TRANSLATE}/pt/modules/what-and-who"
    tina, rui = signed_in(app, "tina"), signed_in(app, "rui")
    data = quiz_form_of(module_of(course), "en")
    data = {key: f"{value} (pt)" if value else value for key, value in data.items()}
    assert post_form(tina, url, data).status_code == 302
    db.session.expire_all()
    module = module_of(course)
    assert state_of(module.translations, "pt", "en") == "draft"
    post_form(tina, f"{url}/review", page=url)
    db.session.expire_all()
    assert state_of(module_of(course).translations, "pt", "en") == "draft"  # refused: she translated it
    post_form(rui, f"{url}/review", page=url)
    db.session.expire_all()
    row = text_in(module_of(course).translations, "pt")
    assert row.review_status == "reviewed" and row.reviewed_by_id != row.edited_by_id
    assert 'status-reviewed' in rui.get(f"{TRANSLATE}/pt").get_data(as_text=True)


def test_a_quiz_translated_without_its_title_shows_the_source_title(app, course, create_user):
    tina = signed_in(app, "tina")
    data = quiz_form_of(module_of(course), "en")
    data = {key: f"{value} (pt)" if value and key != "title" else "" if key == "title" else value
            for key, value in data.items()}
    assert post_form(tina, f"{TRANSLATE}/pt/modules/what-and-who", data).status_code == 302
    db.session.expire_all()
    module = module_of(course)
    assert text_in(module.translations, "pt").title is None
    reader = signed_in(app, create_user("mia").username)
    page = reader.get(f"{QUIZ}?lang=pt").get_data(as_text=True)
    assert f"{text_in(module.questions[0].translations, 'en').prompt} (pt)" in page
    assert text_in(module.translations, "en").title in page


def test_the_course_page_is_reviewed_by_someone_other_than_its_translator(app, course, create_user):
    url = f"/author/courses/{BUNDLED_COURSE}/texts/pt"
    source = text_in(course.translations, "en")
    tina, rui = signed_in(app, "tina"), signed_in(app, "rui")
    # A translation keeps its source's links (checked on saving).
    intro = "Introdução. " + " ".join(f"[x]({target})" for target in re.findall(r"\]\(\s*<?([^)\s>]+)",
                                                                                source.intro_md))
    assert post_form(tina, url, {"title": "Diálogo social", "summary": "Resumo.", "intro": intro}).status_code == 302
    db.session.expire_all()
    assert state_of(course.translations, "pt", "en") == "draft"
    assert "Mark as reviewed" in tina.get(url).get_data(as_text=True)
    post_form(tina, f"{TRANSLATE}/pt/page/review", page=url)
    db.session.expire_all()
    assert state_of(course.translations, "pt", "en") == "draft"
    post_form(rui, f"{TRANSLATE}/pt/page/review", page=url)
    db.session.expire_all()
    assert state_of(course.translations, "pt", "en") == "reviewed"
    reader = signed_in(app, create_user("mia").username)
    assert "Diálogo social" in reader.get(f"/courses/{BUNDLED_COURSE}?lang=pt").get_data(as_text=True)

    services.update_course_text(course, "en", title=source.title, summary=source.summary,
                                intro=source.intro_md + "\nOne more sentence.\n")
    db.session.commit()
    assert state_of(course.translations, "pt", "en") == "outdated"
    page = reader.get(f"/courses/{BUNDLED_COURSE}?lang=pt").get_data(as_text=True)
    assert "One more sentence." in page and 'class="note"' in page
    assert "status-outdated" in rui.get(f"{TRANSLATE}/pt").get_data(as_text=True)


def test_only_an_owner_lifts_independent_review_and_the_log_keeps_who_did(app, course, create_user):
    from lms.models import AuditEntry

    page = f"/author/courses/{BUNDLED_COURSE}"
    tina = signed_in(app, "tina")  # an editor of the course, not its owner
    assert "require_independent_review" not in tina.get(page).get_data(as_text=True)
    assert post_form(tina, f"{page}/review-rule", {}, page=page).status_code == 403
    db.session.expire_all()
    assert course.require_independent_review
    create_user("ada", role="admin")
    assert post_form(signed_in(app, "ada"), f"{page}/review-rule", {}, page=page).status_code == 302
    db.session.expire_all()
    assert not course.require_independent_review
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "course review rule"))
    assert entry.details == {"course": BUNDLED_COURSE, "independent": False} and entry.actor == "ada"


def test_a_zip_brings_in_drafts_whatever_state_it_claims(course):
    import io
    import zipfile

    from lms.content.archive import course_zip
    from lms.models import User

    tina = db.session.scalar(select(User).where(User.username == "tina"))
    spanish = text_in(course.lessons[0].translations, "es")
    spanish.review_status = "reviewed"
    db.session.commit()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(course_zip(course))) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name).decode("utf-8") if name.endswith((".toml", ".md")) else source.read(name)
            if name.endswith("/fr/modules.toml"):
                data = data.replace('status = "draft"', 'status = "reviewed"')
                data = data.replace('prompt = "', 'prompt = "(v2) ', 1)
            target.writestr(name, data)
    services.import_archive(out.getvalue(), tina)
    db.session.commit()
    db.session.expire_all()
    changed = text_in(module_of(course).translations, "fr")
    assert (changed.review_status, changed.edited_by_id, changed.reviewed_by_id) == ("draft", tina.id, None)
    assert text_in(course.lessons[0].translations, "es").review_status == "reviewed"  # untouched by the zip
