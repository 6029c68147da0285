"""Courses exchanged as zip files: export, import (all or nothing), round trip."""
from __future__ import annotations

import io
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
