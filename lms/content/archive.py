"""Courses as zip files in the courses/ format: export one, import one (all or nothing)."""
from __future__ import annotations

import io
import os
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from flask_babel import gettext as _

from lms.content.bundle import CourseBundle, Problem
from lms.content.reader import CourseProblems, read_library
from lms.content.store import export_bundle
from lms.content.writer import write_course
from lms.models import Course

#: Limits that keep a hostile or mistaken archive from filling the disk.
MAX_FILES = 2000
MAX_UNPACKED_BYTES = 20 * 1024 * 1024


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
    """The courses in a zip; raises CourseProblems with paths as they are inside the zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise CourseProblems([Problem("", 0, _("This file is not a zip archive."))]) from None
    with archive, tempfile.TemporaryDirectory() as tmp:
        problems = _unpack(archive, Path(tmp))
        if problems:
            raise CourseProblems(problems)
        try:
            return read_library(Path(tmp))
        except CourseProblems as error:
            for problem in error.problems:
                problem.path = os.path.relpath(problem.path, tmp) if problem.path.startswith(tmp) else problem.path
            raise


def _unpack(archive: zipfile.ZipFile, target: Path) -> list[Problem]:
    members = archive.infolist()
    if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        return [Problem("", 0, _("The archive is too large."))]
    problems = []
    for member in members:
        name = PurePosixPath(member.filename)
        if member.filename.startswith("/") or "\\" in member.filename or ".." in name.parts:
            problems.append(Problem(member.filename, 0, _("This path is not allowed in a course archive.")))
            continue
        if member.is_dir() or name.name.startswith(".") or "__MACOSX" in name.parts:
            continue
        destination = target.joinpath(*name.parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            content = archive.read(member)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
            # A broken or encrypted entry, or one whose real size is not the size it declares (a zip bomb).
            problems.append(Problem(member.filename, 0, _("This file of the archive could not be read.")))
            continue
        destination.write_bytes(content)
    return problems
