"""Read ``course.toml``: the language-neutral structure of a course (modules, lessons, answers)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from lms.content.bundle import CourseBundle, ModuleSpec, Problem, QuestionSpec
from lms.i18n import is_known_language
from lms.models import QUESTION_KINDS
from lms.vocabulary import TOPICS

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def course_spec(slug: str, path: Path, data: dict, text: str, problems: list[Problem]) -> CourseBundle | None:
    before = len(problems)

    def problem(needle: str, reason: str) -> None:
        problems.append(Problem(str(path), line_of(text, needle), reason))

    unknown = set(data) - {"source_language", "topics", "published", "modules"}
    for key in sorted(unknown):
        problem(key, _("Unknown setting \"%(key)s\".", key=key))
    source_language = data.get("source_language")
    if not isinstance(source_language, str) or not is_known_language(source_language):
        problem("source_language", _("\"source_language\" must be a language code such as \"en\"."))
    topics = data.get("topics")
    if not is_str_list(topics) or not topics:
        problem("topics", _("\"topics\" must be a list of one or more topics."))
        topics = []
    for topic in topics:
        if topic not in TOPICS:
            problem(f'"{topic}"', _("Unknown topic \"%(topic)s\"; known topics: %(known)s.",
                                    topic=topic, known=", ".join(TOPICS)))
    published = data.get("published", False)
    if not isinstance(published, bool):
        problem("published", _("\"published\" must be true or false."))
    modules: list[ModuleSpec] = []
    raw_modules = data.get("modules", [])  # none yet: a course being written
    if not isinstance(raw_modules, list) or not all(isinstance(raw, dict) for raw in raw_modules):
        problem("modules", _("\"modules\" must be [[modules]] tables."))
        raw_modules = []
    seen_lessons: set[str] = set()
    seen_modules: set[str] = set()
    for raw in raw_modules:
        module = _module_spec(raw, path, text, problems, seen_modules, seen_lessons)
        if module is not None:
            modules.append(module)
    if len(problems) > before:
        return None
    return CourseBundle(slug, source_language, list(topics), published, modules)


def _module_spec(raw: Any, path: Path, text: str, problems: list[Problem],
                 seen_modules: set[str], seen_lessons: set[str]) -> ModuleSpec | None:
    before = len(problems)
    module_id = raw.get("id") if isinstance(raw, dict) else None
    needle = f'"{module_id}"' if isinstance(module_id, str) else "[[modules]]"

    def problem(reason: str, at: str | None = None) -> None:
        problems.append(Problem(str(path), line_of(text, at or needle), reason))

    if not isinstance(module_id, str) or not SLUG.match(module_id):
        problem(_("Each module needs an \"id\" of a-z, 0-9 and \"-\"."))
        return None
    if module_id in seen_modules:
        problem(_("Module \"%(id)s\" appears twice.", id=module_id))
    seen_modules.add(module_id)
    unknown = set(raw) - {"id", "lessons", "pass_mark", "questions"}
    for key in sorted(unknown):
        problem(_("Unknown setting \"%(key)s\" in module \"%(id)s\".", key=key, id=module_id))
    lessons = raw.get("lessons", [])  # none yet: a module being written
    if not is_str_list(lessons):
        problem(_("Module \"%(id)s\": \"lessons\" must be a list of lesson ids.", id=module_id))
        lessons = []
    for lesson in lessons:
        if not SLUG.match(lesson):
            problem(_("Lesson id \"%(id)s\" may only hold a-z, 0-9 and \"-\".", id=lesson))
        elif lesson in seen_lessons:
            problem(_("Lesson \"%(id)s\" appears twice in the course.", id=lesson), f'"{lesson}"')
        seen_lessons.add(lesson)
    questions: list[QuestionSpec] = []
    seen_questions: set[str] = set()
    raw_questions = raw.get("questions", [])
    if not isinstance(raw_questions, list):
        problem(_("Module \"%(id)s\": \"questions\" must be [[modules.questions]] tables.", id=module_id))
        raw_questions = []
    for raw_question in raw_questions:
        question = _question_spec(raw_question, module_id, path, text, problems, seen_questions)
        if question is not None:
            questions.append(question)
    pass_mark = raw.get("pass_mark")
    if raw.get("questions") and (isinstance(pass_mark, bool) or not isinstance(pass_mark, int)
                                 or not 1 <= pass_mark <= 100):
        problem(_("Module \"%(id)s\" has a quiz: \"pass_mark\" must be a percentage from 1 to 100.",
                  id=module_id))
    if not raw.get("questions") and pass_mark is not None:
        problem(_("Module \"%(id)s\" has a pass mark but no questions.", id=module_id))
    if len(problems) > before:
        return None
    return ModuleSpec(module_id, list(lessons), pass_mark if questions else None, questions)


def _question_spec(raw: Any, module_id: str, path: Path, text: str, problems: list[Problem],
                   seen: set[str]) -> QuestionSpec | None:
    before = len(problems)
    question_id = raw.get("id") if isinstance(raw, dict) else None
    needle = f'"{question_id}"' if isinstance(question_id, str) else "[[modules.questions]]"

    def problem(reason: str) -> None:
        problems.append(Problem(str(path), line_of(text, needle), reason))

    if not isinstance(question_id, str) or not SLUG.match(question_id):
        problem(_("Each question in module \"%(id)s\" needs an \"id\" of a-z, 0-9 and \"-\".", id=module_id))
        return None
    if question_id in seen:
        problem(_("Question \"%(id)s\" appears twice.", id=question_id))
    seen.add(question_id)
    kind = raw.get("kind")
    if kind not in QUESTION_KINDS:
        problem(_("Question \"%(id)s\": \"kind\" must be \"single\" or \"multiple\".", id=question_id))
    choices = raw.get("choices")
    if not is_str_list(choices) or len(choices) < 2 or len(set(choices)) != len(choices):
        problem(_("Question \"%(id)s\" needs a list of two or more different choice ids.", id=question_id))
        choices = []
    correct = raw.get("correct")
    if not is_str_list(correct) or not correct:
        problem(_("Question \"%(id)s\" needs \"correct\": the ids of its correct choices.", id=question_id))
        correct = []
    for choice in correct:
        if choices and choice not in choices:
            problem(_("Question \"%(id)s\": correct choice \"%(choice)s\" is not one of its choices.",
                      id=question_id, choice=choice))
    if kind == "single" and len(correct) != 1:
        problem(_("Question \"%(id)s\" is \"single\": it needs exactly one correct choice.", id=question_id))
    unknown = set(raw) - {"id", "kind", "choices", "correct"}
    for key in sorted(unknown):
        problem(_("Unknown setting \"%(key)s\" in question \"%(id)s\".", key=key, id=question_id))
    if len(problems) > before:
        return None
    return QuestionSpec(question_id, kind, list(choices), list(correct))


def load_toml(path: Path, problems: list[Problem]) -> tuple[dict | None, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(str(path), 0, _("The file is missing.")))
        return None, ""
    except UnicodeDecodeError:
        problems.append(Problem(str(path), 0, _("The file is not UTF-8 text.")))
        return None, ""
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as error:
        line, detail = toml_error(error)
        problems.append(Problem(str(path), line, _("This is not valid TOML: %(error)s", error=detail)))
        return None, text
    except RecursionError:  # tomllib parses nested arrays and tables by recursion
        lines = text.split("\n")
        deepest = max(range(len(lines)), key=lambda n: lines[n].count("[") + lines[n].count("{"))
        problems.append(Problem(str(path), deepest + 1, _("Arrays or tables are nested too deeply here.")))
        return None, text


def toml_error(error: tomllib.TOMLDecodeError) -> tuple[int, str]:
    """The line tomllib points at, and its reason with the column (the line goes before it, as file:line)."""
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", str(error), re.DOTALL)
    if match is None:
        return 0, str(error)
    column = _("column %(n)d", n=int(match.group(3)))
    return int(match.group(2)), f"{match.group(1)} ({column})."


#: The header of a table of modules.toml or course.toml, and the id line that names it.
TABLE_HEADER = re.compile(r"^\s*\[\[\s*(modules(?:\s*\.\s*questions(?:\s*\.\s*choices)?)?)\s*\]\]")
TABLE_ID = re.compile(r"^\s*id\s*=\s*[\"']([^\"']*)[\"']")


def table_lines(text: str) -> dict[tuple[str, ...], int]:
    """Where each [[modules]], [[modules.questions]] and [[modules.questions.choices]] table starts, by its ids:
    ``("what-and-who",)``, ``("what-and-who", "definition")``, ``("what-and-who", "definition", "a")``."""
    found: dict[tuple[str, ...], int] = {}
    parents: list[str] = []
    depth, header = 0, 0
    for number, line in enumerate(text.split("\n"), start=1):
        if match := TABLE_HEADER.match(line):
            depth, header = match.group(1).count(".") + 1, number
            parents = parents[:depth - 1]
        elif header and (match := TABLE_ID.match(line)) and len(parents) == depth - 1:
            parents.append(match.group(1))
            found.setdefault(tuple(parents), header)
    return found


def line_of(text: str, needle: str) -> int:
    """The first line holding ``needle``, to point at a problem; 0 when not found."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    return 0


def is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
