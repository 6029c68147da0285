"""The `flask content` commands: check, import and export the course library (courses/)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.extensions import db
from lms.models import Course

content = AppGroup("content", help="Check, import and export the course library (courses/).")


def _read_library_or_exit(folder: Path, closing: str) -> list:
    """The courses in FOLDER, or every problem as file:line: reason and exit status 1."""
    from lms.content.reader import CourseProblems, read_library

    try:
        return read_library(folder)
    except CourseProblems as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(closing.format(n=len(error.problems)), err=True)
        sys.exit(1)


@content.command("check")
@click.argument("folder", default="courses", type=click.Path(path_type=Path))
def content_check(folder: Path) -> None:
    """Report every problem in FOLDER as file:line: reason."""
    from lms.content.coverage import coverage

    bundles = _read_library_or_exit(folder, "{n} problem(s) found.")
    click.echo(f"{len(bundles)} course(s), no problems in the files.")
    lines = [line for bundle in bundles for line in coverage(bundle)]
    for line in lines:
        click.echo(("" if line.complete else "INCOMPLETE ") + str(line))
    incomplete = [line for line in lines if not line.complete]
    if incomplete:
        click.echo(f"{len(incomplete)} translation(s) below 100%.", err=True)
        sys.exit(1)


@content.command("import")
@click.argument("folder", default="courses", type=click.Path(path_type=Path))
def content_import(folder: Path) -> None:
    """Load every course in FOLDER, all or nothing; running it twice changes nothing."""
    from lms.content.store import import_bundles

    bundles = _read_library_or_exit(folder, "{n} problem(s) found. Nothing was imported.")
    try:
        report = import_bundles(bundles)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Imported {len(bundles)} course(s): {len(report.created)} new, {len(report.updated)} updated, "
               f"{len(report.unchanged)} unchanged.")


@content.command("export")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--course", "slugs", multiple=True, help="Only this course (repeatable).")
def content_export(folder: Path, slugs: tuple[str, ...]) -> None:
    """Write courses to FOLDER in the courses/ format."""
    from lms.content.store import export_bundle
    from lms.content.writer import write_course

    query = select(Course).order_by(Course.slug)
    if slugs:
        query = query.where(Course.slug.in_(slugs))
    courses = list(db.session.scalars(query))
    missing = set(slugs) - {c.slug for c in courses}
    if missing:
        click.echo(f"No such course: {', '.join(sorted(missing))}", err=True)
        sys.exit(1)
    folder.mkdir(parents=True, exist_ok=True)
    for course in courses:
        click.echo(str(write_course(export_bundle(course), folder)))


@content.command("checksums")
@click.argument("course_folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--stamp", "languages", multiple=True, metavar="LANG",
              help="Write the current source checksums into LANG's files (repeatable).")
def content_checksums(course_folder: Path, languages: tuple[str, ...]) -> None:
    """Print the source checksum of each text of a course: the course page, each lesson, and each module's title
    and quiz texts (for a translation's "source" in index.md, a lesson, or a table of modules.toml).

    With --stamp LANG, every text of LANG counts from now on as a translation of the current source (a draft when
    it has no status yet): for a translation just written from the current source."""
    from lms.content.reader import read_course
    from lms.content.writer import write_course

    problems: list = []
    bundle = read_course(course_folder, problems)
    if bundle is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    source = bundle.languages[bundle.source_language]
    click.echo(f"index.md\t{source.index.checksum}")
    for lesson_id in bundle.lesson_ids:
        click.echo(f"{lesson_id}\t{source.lessons[lesson_id].checksum}")
    for module in bundle.modules:
        click.echo(f"modules.toml {module.id}\t{source.modules[module.id].checksum(module)}")
    unknown = [lang for lang in languages if lang not in bundle.languages or lang == bundle.source_language]
    if unknown:
        click.echo(f"No translation folder {', '.join(unknown)}.", err=True)
        sys.exit(1)
    for language in languages:
        texts = bundle.languages[language]
        pages = ([(texts.index, source.index)] if texts.index is not None else []) + [
            (page, source.lessons[lesson_id]) for lesson_id, page in texts.lessons.items()]
        for page, original in pages:
            page.source, page.status = original.checksum, page.status or "draft"
        for module in bundle.modules:
            if module.id in texts.modules:
                unit = texts.modules[module.id]
                unit.source, unit.status = source.modules[module.id].checksum(module), unit.status or "draft"
        click.echo(f"Stamped {language}: its texts now count as translations of the current source.")
    if languages:
        write_course(bundle, course_folder.parent)
