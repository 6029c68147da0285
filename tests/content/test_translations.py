"""Translations of course content: consistent with their source, and how complete they are."""
from __future__ import annotations

import re
from pathlib import Path

from lms.content.coverage import coverage
from lms.content.reader import read_library, read_page
from lms.i18n import UI_LANGUAGES
from tests.helpers import BUNDLED_COURSE, COURSES, problems_of


def first_lesson_with_link(course: Path, language: str) -> Path:
    return next(p for p in sorted((course / language).glob("[0-9]*.md")) if "](" in p.read_text())


def test_shipped_courses_are_complete_in_every_language_of_the_interface(app_ctx):
    bundles = read_library(COURSES)
    assert len(bundles) >= 2
    for bundle in bundles:
        assert set(bundle.languages) == set(UI_LANGUAGES), bundle.slug
        assert len(bundle.modules) >= 4 and len(bundle.lesson_ids) >= 12, bundle.slug
        assert all(module.questions for module in bundle.modules), bundle.slug
        incomplete = [str(line) for line in coverage(bundle) if not line.complete]
        assert incomplete == []


def test_content_check_prints_coverage_per_course_and_language(app):
    result = app.test_cli_runner().invoke(args=["content", "check", str(COURSES)])
    assert result.exit_code == 0, result.output
    assert f"{BUNDLED_COURSE}\tkm\tlessons: " in result.output
    assert "0 outdated, 0 missing" in result.output


def test_missing_and_outdated_lessons_make_the_check_fail(app, course_copy):
    course = course_copy / BUNDLED_COURSE
    next((course / "vi").glob("02-*.md")).unlink()
    source = next((course / "en").glob("03-*.md"))
    source.write_text(source.read_text() + "\nA sentence added to the source.\n")
    result = app.test_cli_runner().invoke(args=["content", "check", str(course_copy)])
    assert result.exit_code == 1
    assert "INCOMPLETE" in result.output
    vi_line = next(line for line in result.output.splitlines() if f"{BUNDLED_COURSE}\tvi\t" in line)
    assert "1 outdated, 1 missing" in vi_line


def test_a_link_lost_in_translation_is_reported(app_ctx, course_copy):
    course = course_copy / BUNDLED_COURSE
    english = first_lesson_with_link(course, "en")
    french = course / "fr" / english.name
    text = french.read_text()
    start = text.index("](")
    end = text.index(")", start)
    french.write_text(text[:start] + "]" + text[end + 1:])  # [label](url) -> [label]
    problems = problems_of(course_copy)
    assert any(p.startswith(f"{french}:") and "of the source text is missing" in p for p in problems), problems


def test_a_link_added_in_translation_names_its_line(app_ctx, course_copy):
    french = course_copy / BUNDLED_COURSE / "fr" / "02-who-takes-part.md"
    lines = french.read_text().split("\n")
    lines.insert(6, "[piège](javascript-free-but-unknown.html)")
    french.write_text("\n".join(lines))
    problems = problems_of(course_copy)
    assert f'{french}:7: The link "javascript-free-but-unknown.html" is not in the source text.' in problems


def test_a_placeholder_must_survive_translation(app_ctx, course_copy):
    course = course_copy / BUNDLED_COURSE
    english, spanish = course / "en" / "01-what-is-social-dialogue.md", course / "es" / "01-what-is-social-dialogue.md"
    english.write_text(english.read_text() + "\nHello %(name)s.\n")
    made_from = read_page(english, ("title",), True, []).checksum  # a current translation, made from it
    spanish.write_text(re.sub(r"(?m)^source: .*$", f"source: {made_from}", spanish.read_text()) + "\nHola.\n")
    problems = problems_of(course_copy)
    assert any(p.startswith(f"{spanish}:") and '"%(name)s"' in p for p in problems), problems


def test_a_question_with_some_choices_translated_is_reported(app_ctx, course_copy):
    modules = course_copy / BUNDLED_COURSE / "id" / "modules.toml"
    text = modules.read_text()
    start = text.index("[[modules.questions.choices]]")
    end = text.index("\n\n", start) + 2
    modules.write_text(text[:start] + text[end:])
    problems = problems_of(course_copy)
    assert any(p.startswith(f"{modules}:") and "choices but" in p for p in problems), problems


def test_a_lesson_with_no_source_counterpart_is_reported(app_ctx, course_copy):
    stray = course_copy / BUNDLED_COURSE / "km" / "13-not-in-the-course.md"
    stray.write_text("---\ntitle: x\nsource: 0\nstatus: draft\n---\nx\n")
    problems = problems_of(course_copy)
    assert any(p.startswith(f"{stray}:") and "not listed in any module" in p for p in problems), problems


def test_a_changed_source_quiz_text_outdates_its_modules_translations(app, course_copy):
    english = course_copy / BUNDLED_COURSE / "en" / "modules.toml"
    english.write_text(english.read_text().replace("Which of these is social dialogue?",
                                                   "Which one of these is social dialogue?", 1))
    result = app.test_cli_runner().invoke(args=["content", "check", str(course_copy)])
    assert result.exit_code == 1
    vi_line = next(line for line in result.output.splitlines() if f"{BUNDLED_COURSE}\tvi\t" in line)
    assert vi_line.startswith("INCOMPLETE") and "quiz texts: 3 translated, 1 outdated, 0 missing" in vi_line
    stamped = app.test_cli_runner().invoke(args=["content", "checksums", str(course_copy / BUNDLED_COURSE),
                                                 "--stamp", "vi"])
    assert stamped.exit_code == 0, stamped.output
    assert "modules.toml what-and-who\t" in stamped.output
    result = app.test_cli_runner().invoke(args=["content", "check", str(course_copy)])
    vi_line = next(line for line in result.output.splitlines() if f"{BUNDLED_COURSE}\tvi\t" in line)
    assert "quiz texts: 4 translated, 0 outdated, 0 missing, 4 draft" in vi_line


def test_a_language_written_without_module_states_is_outdated_until_stamped(app, course_copy):
    """The format before modules had a source and status: read, counted as outdated drafts, then stamped."""
    course = course_copy / BUNDLED_COURSE
    modules = course / "fr" / "modules.toml"
    modules.write_text(re.sub(r'(?m)^(source|status) = .*\n', "", modules.read_text()))
    [line] = [c for c in coverage(next(b for b in read_library(course_copy) if b.slug == BUNDLED_COURSE))
              if c.language == "fr"]
    assert (line.quiz.outdated, line.complete) == (4, False)
    stamped = app.test_cli_runner().invoke(args=["content", "checksums", str(course), "--stamp", "fr"])
    assert stamped.exit_code == 0, stamped.output
    assert modules.read_text().count('status = "draft"') == 4
    [line] = [c for c in coverage(next(b for b in read_library(course_copy) if b.slug == BUNDLED_COURSE))
              if c.language == "fr"]
    assert line.complete and line.quiz.draft == 4


def test_module_states_are_checked(app_ctx, course_copy):
    course = course_copy / BUNDLED_COURSE
    french, english = course / "fr" / "modules.toml", course / "en" / "modules.toml"
    french.write_text(french.read_text().replace('status = "draft"', 'status = "done"', 1))
    english.write_text(english.read_text().replace('id = "what-and-who"\n', 'id = "what-and-who"\nstatus = "draft"\n'))
    problems = problems_of(course_copy)
    assert any(p.startswith(f"{french}:") and '"status" must be "draft" or "reviewed"' in p for p in problems)
    assert any(p.startswith(f"{english}:") and 'only a translation has "source"' in p for p in problems)
