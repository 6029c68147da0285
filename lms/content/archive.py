"""Courses as zip files in the courses/ format: export one, import one (all or nothing)."""
from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from flask_babel import gettext as _

from lms.content.bundle import CourseBundle, Problem
from lms.content.reader import CourseProblems, read_library
from lms.content.store import export_bundle
from lms.content.writer import write_course
from lms.files.uploads import COURSE_ZIP, Unpacking, UnreadableEntry, UploadRefused, open_zip
from lms.models import Course


def course_zip(course: Course) -> bytes:
    """The course folder, zipped: ``<slug>/course.toml``, ``<slug>/en/...``."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_course(export_bundle(course), Path(tmp))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(tmp).as_posix())
    return buffer.getvalue()


def read_zip(data: bytes) -> list[CourseBundle]:
    """The courses in a zip; raises CourseProblems with paths as they are inside the zip.

    The archive is read within ``lms.uploads.COURSE_ZIP``: at most 2,000 files, 5 MB a file and 20 MB in
    all, counted as they are decompressed (never from the sizes the zip declares).
    """
    try:
        archive = open_zip(data, COURSE_ZIP)
    except UploadRefused as refused:
        raise CourseProblems([Problem("", 0, str(refused))]) from None
    with archive, tempfile.TemporaryDirectory() as tmp:
        problems = _unpack(archive, Path(tmp))
        if problems:
            raise CourseProblems(problems)
        try:
            return read_library(Path(tmp))
        except CourseProblems as error:
            for problem in error.problems:
                if problem.path.startswith(tmp):  # a folder keeps its trailing "/"
                    problem.path = os.path.relpath(problem.path, tmp) + ("/" if problem.path.endswith("/") else "")
            raise


def _unpack(archive: zipfile.ZipFile, target: Path) -> list[Problem]:
    problems = []
    unpacking = Unpacking(archive, COURSE_ZIP)
    for member in archive.infolist():
        name = PurePosixPath(member.filename)
        if member.filename.startswith("/") or "\\" in member.filename or ".." in name.parts:
            problems.append(Problem(member.filename, 0, _("This path is not allowed in a course archive.")))
            continue
        if member.is_dir() or name.name.startswith(".") or "__MACOSX" in name.parts:
            continue
        try:
            content = unpacking.read(member)
        except UnreadableEntry as broken:
            problems.append(Problem(member.filename, 0, str(broken)))
            continue
        except UploadRefused as refused:
            return [Problem("", 0, str(refused))]
        destination = target.joinpath(*name.parts)
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(content)
        except (OSError, ValueError):  # a file and a folder of the same name, a name no file system takes
            problems.append(Problem(member.filename, 0, _("This path is not allowed in a course archive.")))
    return problems
