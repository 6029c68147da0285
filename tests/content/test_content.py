"""The course format: check, import (all or nothing, idempotent) and export (round trip)."""
from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.content.markdown import render_markdown
from lms.content.reader import read_library
from lms.content.store import export_bundle, import_bundles
from lms.content.writer import write_course
from lms.extensions import db
from lms.models import Course, Lesson, LessonTranslation, Question
from tests.helpers import BUNDLED_COURSE, COURSES, problems_of


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bundled_library_has_no_problems(app_ctx):
    bundles = read_library(COURSES)
    course = next(b for b in bundles if b.slug == BUNDLED_COURSE)
    assert set(course.languages) >= {"en", "fr"}
    assert len(course.modules) >= 2
    assert all(module.questions for module in course.modules)


def test_toml_syntax_error_names_file_and_line(app_ctx, course_copy):
    course_toml = course_copy / BUNDLED_COURSE / "course.toml"
    edit(course_toml, 'published = true', 'published = = true')
    [problem] = problems_of(course_copy)
    assert problem.startswith(f"{course_toml}:3: ")
    assert "TOML" in problem


@pytest.mark.parametrize("old, new, reason", [
    ('topics = ["social-dialogue"', 'topics = ["gardening"', 'Unknown topic "gardening"'),
    ('correct = ["b"]', 'correct = ["z"]', 'is not one of its choices'),
    ('kind = "single"', 'kind = "essay"', '"kind" must be'),
    ('pass_mark = 70', 'pass_mark = 170', 'percentage from 1 to 100'),
])
def test_course_toml_mistakes_are_reported_at_their_line(app_ctx, course_copy, old, new, reason):
    course_toml = course_copy / BUNDLED_COURSE / "course.toml"
    edit(course_toml, old, new)
    problems = problems_of(course_copy)
    [problem] = [p for p in problems if reason in p]
    path, line, _ = problem.split(":", 2)
    assert path == str(course_toml)
    # The line named is the mistake's own, or the "id" line of the module or question holding it.
    named = course_toml.read_text().split("\n")[int(line) - 1]
    assert new in named or named.startswith("id = "), (problem, named)


def test_missing_source_lesson_and_misnumbered_file_are_reported(app_ctx, course_copy):
    en = course_copy / BUNDLED_COURSE / "en"
    (en / "02-who-takes-part.md").rename(en / "07-who-takes-part.md")
    problems = problems_of(course_copy)
    assert any("07-who-takes-part.md: " in p and '"02-who-takes-part.md"' in p for p in problems), problems
    assert any("02-who-takes-part.md: The lesson is missing in the source language." in p for p in problems)


def test_front_matter_mistakes_name_the_line(app_ctx, course_copy):
    lesson = course_copy / BUNDLED_COURSE / "fr" / "01-what-is-social-dialogue.md"
    edit(lesson, "status: draft", "statut: brouillon")
    [problem] = problems_of(course_copy)
    assert problem.startswith(f"{lesson}:4: ")


def test_translation_quiz_text_for_unknown_choice_is_reported(app_ctx, course_copy):
    modules = course_copy / BUNDLED_COURSE / "fr" / "modules.toml"
    edit(modules, 'id = "a"', 'id = "q"')
    problems = problems_of(course_copy)
    assert any(p.startswith(f"{modules}:") and 'no choice "q"' in p for p in problems), problems


def test_broken_library_imports_nothing(app, course_copy):
    edit(course_copy / BUNDLED_COURSE / "en" / "03-freedom-of-association.md", "---\ntitle:", "title:")
    result = app.test_cli_runner().invoke(args=["content", "import", str(course_copy)])
    assert result.exit_code == 1
    assert "03-freedom-of-association.md:1:" in result.output
    assert "Nothing was imported." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Course.id))) == 0


def test_failed_reimport_leaves_existing_course_as_it_was(app, course_copy):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "import", str(course_copy)]).exit_code == 0
    with app.app_context():
        before = db.session.scalar(select(LessonTranslation.body_md).limit(1))
    edit(course_copy / BUNDLED_COURSE / "en" / "01-what-is-social-dialogue.md", "\n\n", "\n\nCHANGED\n\n")
    edit(course_copy / BUNDLED_COURSE / "course.toml", 'kind = "single"', 'kind = "essay"')
    assert runner.invoke(args=["content", "import", str(course_copy)]).exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(LessonTranslation.body_md).limit(1)) == before
        assert "CHANGED" not in before


def test_import_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["content", "import", str(COURSES)])
    assert "0 updated, 0 unchanged" in first.output, first.output
    with app.app_context():
        ids = sorted(db.session.scalars(select(LessonTranslation.id)))
    second = runner.invoke(args=["content", "import", str(COURSES)])
    assert second.exit_code == 0
    assert "0 new, 0 updated," in second.output
    with app.app_context():
        assert sorted(db.session.scalars(select(LessonTranslation.id))) == ids


def test_import_then_export_reproduces_the_files(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "import", str(COURSES)]).exit_code == 0
    result = runner.invoke(args=["content", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    comparison = filecmp.dircmp(COURSES, tmp_path)
    assert_same_tree(comparison)


def assert_same_tree(comparison: filecmp.dircmp) -> None:
    assert not comparison.left_only and not comparison.right_only, (comparison.left_only, comparison.right_only)
    _, mismatch, errors = filecmp.cmpfiles(comparison.left, comparison.right, comparison.common_files,
                                           shallow=False)
    assert not mismatch and not errors, (comparison.left, mismatch, errors)
    for sub in comparison.subdirs.values():
        assert_same_tree(sub)


def test_changes_in_files_update_the_database(app_ctx, course_copy, tmp_path):
    import_bundles(read_library(course_copy))
    db.session.commit()
    before = len(db.session.scalars(select(Lesson.slug)).all())
    toml = course_copy / BUNDLED_COURSE / "course.toml"
    edit(toml, '"who-takes-part", ', "")  # drop a lesson from module 1
    for folder in (course_copy / BUNDLED_COURSE).iterdir():
        if not folder.is_dir():
            continue
        next(folder.glob("02-who-takes-part.md")).unlink()
        for old in sorted(folder.glob("[0-9][0-9]-*.md")):
            number = int(old.name[:2])
            if number > 2:
                old.rename(folder / f"{number - 1:02d}{old.name[2:]}")
    report = import_bundles(read_library(course_copy))
    db.session.commit()
    assert report.updated == [BUNDLED_COURSE]
    slugs = db.session.scalars(select(Lesson.slug).where(Lesson.retired_at.is_(None)).order_by(Lesson.id)).all()
    assert "who-takes-part" not in slugs and len(slugs) == before - 1
    # Retired, not deleted: the lessons members did keep their rows.
    assert db.session.scalar(select(Lesson.retired_at).where(Lesson.slug == "who-takes-part")) is not None
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    write_course(export_bundle(course), tmp_path)
    assert_same_tree(filecmp.dircmp(course_copy / BUNDLED_COURSE, tmp_path / BUNDLED_COURSE))


def test_questions_keep_their_answers(app_ctx, library):
    question = db.session.scalar(select(Question).where(Question.slug == "definition"))
    spec = next(q for m in library[BUNDLED_COURSE].modules for q in m.questions if q.id == "definition")
    assert [c.slug for c in question.choices if c.correct] == spec.correct


@pytest.mark.parametrize("markdown, forbidden", [
    ("<script>alert(1)</script>", "<script"),
    ("[click](javascript:alert(1))", "javascript:"),
    ("<img src=x onerror=alert(1)>", "onerror=\"alert"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:text"),
    ('<a href="javascript:alert(1)">x</a>', '<a href="javascript'),
    ("![x](vbscript:msgbox)", "vbscript:"),
])
def test_markdown_cannot_inject_script(markdown, forbidden):
    assert forbidden not in render_markdown(markdown)


def test_markdown_keeps_safe_links_and_structure():
    html = render_markdown("## Rights\n\n- [ILO](https://www.ilo.org)\n- [next](../lesson)\n- [mail](mailto:a@b.org)")
    assert "<h2>Rights</h2>" in html
    assert 'href="https://www.ilo.org"' in html and 'href="../lesson"' in html and 'href="mailto:a@b.org"' in html


def test_content_check_command_reports_and_fails(app, course_copy):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "check", str(COURSES)]).exit_code == 0
    edit(course_copy / BUNDLED_COURSE / "course.toml", 'source_language = "en"', 'source_language = "xx-nowhere"')
    result = runner.invoke(args=["content", "check", str(course_copy)])
    assert result.exit_code == 1
    assert f"{course_copy / BUNDLED_COURSE / 'course.toml'}:1:" in result.output


def test_content_check_lists_each_problem_once_without_knock_on_errors(app, course_copy):
    course = course_copy / BUNDLED_COURSE
    edit(course / "en" / "modules.toml", "[[modules]]\n", "[[modules]]\noops\n")
    edit(course / "en" / "01-what-is-social-dialogue.md", "title: ", "title = ")
    (course / "xx").mkdir()
    (course / "xx" / "index.md").write_text("---\ntitle: ?\nsummary: ?\n---\n?\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "check", str(course_copy)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{course}/en/01-what-is-social-dialogue.md:2: Expected \"key: value\" with a key among: title.",
        f"{course}/en/modules.toml:2: This is not valid TOML: Expected '=' after a key in a key/value pair (column 5).",
        f"{course}/xx/: \"xx\" is not a known language code: a language folder is named by its code, "
        "such as \"en\" or \"fr\".",
        "3 problem(s) found.",
    ]


def test_a_broken_course_toml_does_not_hide_the_problems_of_the_other_files(app_ctx, course_copy):
    course = course_copy / BUNDLED_COURSE
    edit(course / "course.toml", "published = true", "published = = true")
    edit(course / "en" / "03-freedom-of-association.md", "---\ntitle:", "title:")
    edit(course / "fr" / "modules.toml", 'id = "a"', 'id = "a')
    problems = problems_of(course_copy)
    assert [p.split(" ", 1)[0] for p in problems] == [
        f"{course}/course.toml:3:", f"{course}/en/03-freedom-of-association.md:1:", f"{course}/fr/modules.toml:12:"]


def test_a_missing_quiz_text_is_reported_at_the_table_that_lacks_it(app_ctx, course_copy):
    modules = course_copy / BUNDLED_COURSE / "en" / "modules.toml"
    lines = modules.read_text(encoding="utf-8").split("\n")
    assert lines[13:16] == ["[[modules.questions.choices]]", 'id = "b"', lines[15]] and lines[16].startswith("feedback")
    modules.write_text("\n".join(lines[:16] + lines[17:]), encoding="utf-8")
    edit(modules, 'title = "What social dialogue is and who takes part"\n', "")
    assert problems_of(course_copy) == [
        f"{modules}:1: Module \"what-and-who\" has no title.",
        f"{modules}:13: Choice \"b\" of question \"definition\" needs a text and feedback.",
    ]
