"""A quiz shown in its source language, for want of a translation, says so and is laid out as its own language."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Module, Question
from tests.helpers import BUNDLED_COURSE, forget_language, sign_in

QUIZ = f"/courses/{BUNDLED_COURSE}/modules/what-and-who/quiz"


def test_an_english_quiz_in_arabic_pages_is_left_to_right_with_the_note(client, app_ctx, create_user, library):
    forget_language(BUNDLED_COURSE, "ar")  # the course without its Arabic texts
    create_user("mia")
    sign_in(client, "mia")
    page = client.get(f"{QUIZ}?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    questions = db.session.scalar(select(func.count(Question.id)).join(Module).where(Module.slug == "what-and-who"))
    assert len(re.findall(r'<div lang="en" dir="ltr">', page)) == questions
    note = page.split('class="note">')[1].split("</p>")[0]
    assert "الإنجليزية" in note  # "shown in English", said in Arabic


def test_a_translated_quiz_carries_no_language_of_its_own(client, app_ctx, create_user, library):
    assert "fr" in library[BUNDLED_COURSE].languages
    create_user("mia")
    sign_in(client, "mia")
    page = client.get(f"{QUIZ}?lang=fr").get_data(as_text=True)
    assert '<div lang="en"' not in page and 'class="note"' not in page
