"""Courses exchanged as zip files: export, import (all or nothing), round trip."""
from __future__ import annotations

import html
import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Course, CourseEditor
from tests.helpers import BUNDLED_COURSE, COURSES, csrf_token, sign_in


@pytest.fixture
def trainer(client, create_user):
    user = create_user("tina", role="trainer")
    sign_in(client, "tina")
    return user


def zip_of(folder, root) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


def upload(client, data: bytes, name="course.zip"):
    return client.post("/author/import", data={"archive": (io.BytesIO(data), name),
                                               "csrf_token": csrf_token(client, "/author/import")},
                       content_type="multipart/form-data")


def test_import_a_zip_then_export_it_round_trips(client, app_ctx, trainer):
    original = zip_of(COURSES / BUNDLED_COURSE, COURSES)
    response = upload(client, original)
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    assert db.session.get(CourseEditor, (course.id, trainer.id)).role == "owner"
    exported = client.get(f"/author/courses/{BUNDLED_COURSE}/export.zip")
    assert exported.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(original)) as a, zipfile.ZipFile(io.BytesIO(exported.data)) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        assert all(a.read(name) == b.read(name) for name in a.namelist())


def test_a_broken_zip_imports_nothing_and_names_file_and_line(client, app_ctx, trainer, course_copy):
    toml = course_copy / BUNDLED_COURSE / "course.toml"
    toml.write_text(toml.read_text().replace('kind = "single"', 'kind = "essay"', 1))
    response = upload(client, zip_of(course_copy / BUNDLED_COURSE, course_copy))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"<code>{BUNDLED_COURSE}/course.toml:" in page and "Nothing was imported" in page
    assert db.session.scalar(select(func.count(Course.id))) == 0


@pytest.mark.parametrize("content, message", [
    (b"not a zip", "This file is not a zip archive."),
    ("../evil.txt", "This path is not allowed in a course archive."),
])
def test_bad_archives_are_refused(client, app_ctx, trainer, content, message):
    if isinstance(content, str):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(content, "x")
        content = buffer.getvalue()
    response = upload(client, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_someone_elses_course_cannot_be_overwritten_by_import(client, app_ctx, trainer, library):
    response = upload(client, zip_of(COURSES / BUNDLED_COURSE, COURSES))
    assert response.status_code == 400
    assert f"This course&#39;s address &#34;{BUNDLED_COURSE}&#34; is already used" in response.get_data(as_text=True)


def test_an_import_over_a_hidden_draft_does_not_tell_that_the_draft_exists(client, app_ctx, trainer, library):
    """Someone else's draft and a published course answer alike, neither saying that a course is there."""
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    course.published = False
    db.session.commit()
    page = upload(client, zip_of(COURSES / BUNDLED_COURSE, COURSES)).get_data(as_text=True)
    assert "already used: choose another slug" in page
    assert "may not change" not in page and "draft" not in page.lower().split("<main", 1)[-1]


def broken_export(client) -> bytes:
    """The bundled course exported by a trainer, then broken as an outside tester did: one bad line in
    ``en/modules.toml``, a broken front matter in the first lesson, an unknown language folder ``xx/``."""
    upload(client, zip_of(COURSES / BUNDLED_COURSE, COURSES))
    exported = client.get(f"/author/courses/{BUNDLED_COURSE}/export.zip").data
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            lines = source.read(name).decode().split("\n")
            if name == f"{BUNDLED_COURSE}/en/modules.toml":
                lines.insert(1, "oops")
            if name == f"{BUNDLED_COURSE}/en/01-what-is-social-dialogue.md":
                lines[1] = 'title = "What is social dialogue?"'
            target.writestr(name, "\n".join(lines))
            if name.startswith(f"{BUNDLED_COURSE}/en/") and name.endswith(".md"):
                target.writestr(name.replace("/en/", "/xx/"), source.read(name))
    return out.getvalue()


def test_a_broken_export_is_refused_with_each_problem_once_by_file_and_line(client, app_ctx, trainer):
    response = upload(client, broken_export(client))
    problems = re.findall(r"<li><code>(.*?)</code> (.*?)</li>", html.unescape(response.get_data(as_text=True)))
    assert response.status_code == 400
    assert problems == [
        (f"{BUNDLED_COURSE}/en/01-what-is-social-dialogue.md:2",
         'Expected "key: value" with a key among: title.'),
        (f"{BUNDLED_COURSE}/en/modules.toml:2",
         "This is not valid TOML: Expected '=' after a key in a key/value pair (column 5)."),
        (f"{BUNDLED_COURSE}/xx/", '"xx" is not a known language code: a language folder is named by its code, '
                                  'such as "en" or "fr".'),
    ]
    assert db.session.scalar(select(func.count(Course.id))) == 1  # the first import, untouched


def test_a_lesson_holding_a_nul_byte_is_refused_by_line_not_with_an_error_page(client, app_ctx, trainer):
    """Outside tester: valid UTF-8, but PostgreSQL keeps no NUL in text: the import was a 500."""
    upload(client, zip_of(COURSES / BUNDLED_COURSE, COURSES))
    exported = client.get(f"/author/courses/{BUNDLED_COURSE}/export.zip").data
    out = io.BytesIO()
    lesson = f"{BUNDLED_COURSE}/en/01-what-is-social-dialogue.md"
    with zipfile.ZipFile(io.BytesIO(exported)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            lines = source.read(name).decode().split("\n")
            if name == lesson:
                lines.insert(4, "Body\x00x")
            target.writestr(name, "\n".join(lines))
    response = upload(client, out.getvalue())
    problems = re.findall(r"<li><code>(.*?)</code> (.*?)</li>", html.unescape(response.get_data(as_text=True)))
    assert response.status_code == 400
    assert [(where, reason) for where, reason in problems if where.startswith(lesson)] == [
        (f"{lesson}:5", "The line holds a NUL character (a zero byte), which is not text.")]
