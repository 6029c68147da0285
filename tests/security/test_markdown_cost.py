"""Markdown that Python-Markdown renders in quadratic time or by deep recursion (probe findings 5 and 6):
refused up front with a message, before any rendering; the worst shapes within the bounds are accepted (how
long they take against a normal lesson is measured by bench/markdown_cost.py, not here); a course zip holding
such a lesson or a deeply nested course.toml is refused whole, naming the file and line."""
from __future__ import annotations

import io
import logging
import zipfile

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from lms.content.markdown import MAX_MARKDOWN_CHARS, _render, markdown_problem, refusal, render_markdown
from lms.content.reader import read_library
from lms.extensions import db
from lms.models import Course
from tests.helpers import BUNDLED_COURSE, COURSES, row_counts
from tests.security.helpers import WITHIN_BOUNDS, filled, normal_text


def nested_list(levels: int) -> str:
    return "".join("  " * level + "- a\n" for level in range(levels))


#: What the outside tester sent, and its relatives: each refused with a message.
REFUSED = {
    "brackets": "[" * 8000,
    "brackets-16k": "[" * 16000,
    "spaced brackets": "[ " * 4000,
    "unclosed links": "[a](" * 2000,
    "images": "![" * 2000,
    "nested list": nested_list(600),
    "nested quotes": "> " * 2000 + "a",
    "definition list": "a\n: b\n" * 800,
    "too long": "a " * MAX_MARKDOWN_CHARS,
}

@pytest.mark.parametrize("name", REFUSED)
def test_costly_markdown_is_refused_with_a_message_before_any_work(app_ctx, name):
    problem = markdown_problem(REFUSED[name])
    assert problem and problem.message
    with pytest.raises(ValueError, match=problem.message[:20]):
        render_markdown(REFUSED[name])


def test_the_worst_shapes_within_the_bounds_are_accepted(app_ctx):
    for name, chunk in WITHIN_BOUNDS.items():
        assert markdown_problem(filled(chunk)) is None, name


def test_the_bundled_courses_are_within_the_bounds_and_render_as_before(app_ctx):
    bundles = read_library(COURSES)  # raises on any problem, the Markdown bounds included
    for bundle in bundles:
        for texts in bundle.languages.values():
            for page in [texts.index, *texts.lessons.values()]:
                assert render_markdown(page.body) == _render(page.body)


def test_the_preview_refuses_costly_markdown_before_rendering_it(app_ctx, browser_as, library, monkeypatch):
    trainer = browser_as("admin")
    url = f"/author/courses/{BUNDLED_COURSE}/preview"
    assert trainer.post(url, {"body": normal_text(9000)}).status_code == 200

    def render_nothing(text):
        raise AssertionError("costly Markdown reached the renderer")

    monkeypatch.setattr("lms.content.markdown._render", render_nothing)
    for body in ("[" * 16000, nested_list(600)):
        response = trainer.post(url, {"body": body})
        assert response.status_code == 400
        assert response.get_data(as_text=True) == escape(refusal(markdown_problem(body)))


def test_a_lesson_save_refuses_costly_markdown_and_changes_nothing(app_ctx, browser_as, library):
    trainer = browser_as("admin")
    url = f"/author/courses/{BUNDLED_COURSE}/lessons/what-is-social-dialogue"
    page = trainer.get(url).get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="', 1)[1].split('"', 1)[0]
    before = row_counts()
    response = trainer.post(url, {"title": "T", "body": "[" * 8000, "version": version, "save": "Save"})
    assert response.status_code == 400 and "brackets" in response.get_data(as_text=True)
    assert row_counts() == before


def course_zip(patch: dict[str, bytes]) -> bytes:
    """The bundled course under a new slug, with some files' content appended to."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((COURSES / BUNDLED_COURSE).rglob("*")):
            if path.is_file():
                name = "costly/" + path.relative_to(COURSES / BUNDLED_COURSE).as_posix()
                data = path.read_bytes() + patch.get(name, b"")
                if name == "costly/course.toml":
                    data = data.replace(BUNDLED_COURSE.encode(), b"costly")
                archive.writestr(name, data)
    return buffer.getvalue()


HOSTILE_COURSES = {
    "toml nested 3000 deep": ({"costly/course.toml": b"\nx = " + b"[" * 3000 + b"]" * 3000 + b"\n"},
                              "costly/course.toml:"),
    "lesson list nested 600 deep": ({"costly/en/01-what-is-social-dialogue.md": b"\n" + nested_list(600).encode()},
                                    "costly/en/01-what-is-social-dialogue.md:"),
    "lesson of 20,000 brackets": ({"costly/en/01-what-is-social-dialogue.md": b"\n" + b"[" * 20000 + b"\n"},
                                  "costly/en/01-what-is-social-dialogue.md:"),
}


@pytest.mark.parametrize("name", HOSTILE_COURSES)
def test_a_course_zip_with_costly_content_is_refused_whole_naming_the_file(app_ctx, browser_as, library, caplog,
                                                                          name):
    patch, where = HOSTILE_COURSES[name]
    trainer = browser_as("trainer")
    before = row_counts()
    with caplog.at_level(logging.INFO):
        response = trainer.post("/author/import", {"archive": (io.BytesIO(course_zip(patch)), "costly.zip")},
                                content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400, response.status_code
    assert f"<code>{where}" in page and "Nothing was imported" in page
    assert row_counts() == before
    assert db.session.scalar(select(func.count(Course.id)).where(Course.slug == "costly")) == 0
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text
