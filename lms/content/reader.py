"""Read and check course folders in the format of docs/course-format.md."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from lms.content.bundle import (
    ChoiceText,
    CourseBundle,
    LanguageTexts,
    ModuleSpec,
    ModuleText,
    Page,
    Problem,
    QuestionSpec,
    QuestionText,
)
from lms.i18n import is_known_language
from lms.models import QUESTION_KINDS, REVIEW_STATUSES, TOPICS

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE = re.compile(r"^(\d{2,3})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
LANGUAGE_DIR = re.compile(r"^[a-z]{2,3}(?:_[A-Za-z0-9]{2,8})*$")
INDEX_KEYS = ("title", "summary")
LESSON_KEYS = ("title",)
TRANSLATION_KEYS = ("source", "status")


class CourseProblems(Exception):
    """A library that cannot be imported; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_library(root: Path) -> list[CourseBundle]:
    """Every course folder under ``root``; raises CourseProblems listing all problems found."""
    problems: list[Problem] = []
    if not root.is_dir():
        raise CourseProblems([Problem(str(root), 0, _("This is not a folder."))])
    bundles = []
    folders = [p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    if not folders:
        problems.append(Problem(str(root), 0, _("No course folder found.")))
    for folder in folders:
        bundle = read_course(folder, problems)
        if bundle is not None:
            bundles.append(bundle)
    if problems:
        raise CourseProblems(problems)
    return bundles


def read_course(folder: Path, problems: list[Problem]) -> CourseBundle | None:
    """One course folder; appends what is wrong to ``problems``."""
    before = len(problems)
    if not SLUG.match(folder.name):
        problems.append(Problem(str(folder), 0, _("A course folder name may only hold a-z, 0-9 and \"-\".")))
    path = folder / "course.toml"
    data, text = _load_toml(path, problems)
    if data is None:
        return None
    bundle = _course_spec(folder.name, path, data, text, problems)
    if bundle is None:
        return None
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not LANGUAGE_DIR.match(sub.name) or not is_known_language(sub.name):
            problems.append(Problem(str(sub), 0, _("\"%(name)s\" is not a known language code.", name=sub.name)))
            continue
        texts = _read_language(sub, bundle, problems)
        if texts is not None:
            bundle.languages[sub.name] = texts
    if bundle.source_language not in bundle.languages and len(problems) == before:
        problems.append(Problem(str(path), _line_of(text, "source_language"), _(
            "There is no folder for the source language \"%(language)s\".", language=bundle.source_language)))
    source = bundle.languages.get(bundle.source_language)
    if source is not None:
        _check_source_complete(folder / bundle.source_language, bundle, source, problems)
    return bundle if len(problems) == before else None


def _course_spec(slug: str, path: Path, data: dict, text: str, problems: list[Problem]) -> CourseBundle | None:
    before = len(problems)

    def problem(needle: str, reason: str) -> None:
        problems.append(Problem(str(path), _line_of(text, needle), reason))

    unknown = set(data) - {"source_language", "topics", "published", "modules"}
    for key in sorted(unknown):
        problem(key, _("Unknown setting \"%(key)s\".", key=key))
    source_language = data.get("source_language")
    if not isinstance(source_language, str) or not is_known_language(source_language):
        problem("source_language", _("\"source_language\" must be a language code such as \"en\"."))
    topics = data.get("topics")
    if not _is_str_list(topics) or not topics:
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
    raw_modules = data.get("modules")
    if not isinstance(raw_modules, list) or not raw_modules:
        problem("modules", _("A course needs at least one [[modules]] table."))
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
        problems.append(Problem(str(path), _line_of(text, at or needle), reason))

    if not isinstance(module_id, str) or not SLUG.match(module_id):
        problem(_("Each module needs an \"id\" of a-z, 0-9 and \"-\"."))
        return None
    if module_id in seen_modules:
        problem(_("Module \"%(id)s\" appears twice.", id=module_id))
    seen_modules.add(module_id)
    unknown = set(raw) - {"id", "lessons", "pass_mark", "questions"}
    for key in sorted(unknown):
        problem(_("Unknown setting \"%(key)s\" in module \"%(id)s\".", key=key, id=module_id))
    lessons = raw.get("lessons")
    if not _is_str_list(lessons) or not lessons:
        problem(_("Module \"%(id)s\" needs a list of one or more lessons.", id=module_id))
        lessons = []
    for lesson in lessons:
        if not SLUG.match(lesson):
            problem(_("Lesson id \"%(id)s\" may only hold a-z, 0-9 and \"-\".", id=lesson))
        elif lesson in seen_lessons:
            problem(_("Lesson \"%(id)s\" appears twice in the course.", id=lesson), f'"{lesson}"')
        seen_lessons.add(lesson)
    questions: list[QuestionSpec] = []
    seen_questions: set[str] = set()
    for raw_question in raw.get("questions", []):
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
        problems.append(Problem(str(path), _line_of(text, needle), reason))

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
    if not _is_str_list(choices) or len(choices) < 2 or len(set(choices)) != len(choices):
        problem(_("Question \"%(id)s\" needs a list of two or more different choice ids.", id=question_id))
        choices = []
    correct = raw.get("correct")
    if not _is_str_list(correct) or not correct:
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


def _read_language(folder: Path, bundle: CourseBundle, problems: list[Problem]) -> LanguageTexts | None:
    is_source = folder.name == bundle.source_language
    index_path = folder / "index.md"
    if not index_path.is_file():
        problems.append(Problem(str(index_path), 0, _("The file is missing.")))
        index = None
    else:
        index = read_page(index_path, INDEX_KEYS, is_source, problems)
    position = {lesson: n for n, lesson in enumerate(bundle.lesson_ids, start=1)}
    lessons: dict[str, Page] = {}
    for path in sorted(folder.iterdir()):
        if path.name in ("index.md", "modules.toml"):
            continue
        match = LESSON_FILE.match(path.name)
        if not match:
            problems.append(Problem(str(path), 0, _(
                "Unexpected file: lessons are named like \"01-lesson-id.md\".")))
            continue
        number, lesson_id = int(match.group(1)), match.group(2)
        if lesson_id not in position:
            problems.append(Problem(str(path), 0, _(
                "Lesson \"%(id)s\" is not listed in any module of course.toml.", id=lesson_id)))
            continue
        if number != position[lesson_id]:
            problems.append(Problem(str(path), 0, _(
                "Lesson \"%(id)s\" is number %(n)d in course.toml: name the file \"%(name)s\".",
                id=lesson_id, n=position[lesson_id], name=lesson_file_name(position[lesson_id], lesson_id))))
            continue
        page = read_page(path, LESSON_KEYS, is_source, problems)
        if page is not None:
            lessons[lesson_id] = page
    modules = _read_module_texts(folder / "modules.toml", bundle, problems)
    if index is None:
        return None
    # Returned even with problems, so the source language can still be checked for gaps.
    return LanguageTexts(folder.name, index, lessons, modules)


def lesson_file_name(number: int, lesson_id: str) -> str:
    return f"{number:02d}-{lesson_id}.md"


def read_page(path: Path, keys: tuple[str, ...], is_source: bool, problems: list[Problem]) -> Page | None:
    """A Markdown file with its ``---`` front matter."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(str(path), 0, _("The file is not UTF-8 text.")))
        return None
    lines = text.split("\n")
    if not lines or lines[0] != "---":
        problems.append(Problem(str(path), 1, _("The file must start with a \"---\" line (front matter).")))
        return None
    allowed = keys if is_source else keys + TRANSLATION_KEYS
    values: dict[str, str] = {}
    end = None
    for number, line in enumerate(lines[1:], start=2):
        if line == "---":
            end = number
            break
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or key not in allowed:
            problems.append(Problem(str(path), number, _(
                "Expected \"key: value\" with a key among: %(keys)s.", keys=", ".join(allowed))))
            return None
        if key in values:
            problems.append(Problem(str(path), number, _("\"%(key)s\" is given twice.", key=key)))
            return None
        values[key] = value.strip()
    if end is None:
        problems.append(Problem(str(path), len(lines), _("The front matter has no closing \"---\" line.")))
        return None
    before = len(problems)
    for key in allowed:
        if not values.get(key):
            problems.append(Problem(str(path), 2, _("\"%(key)s\" is missing or empty.", key=key)))
    status = values.get("status")
    if status and status not in REVIEW_STATUSES:
        problems.append(Problem(str(path), _line_of(text, "status:"), _(
            "\"status\" must be \"draft\" or \"reviewed\".")))
    body = "\n".join(lines[end:])
    if not body.strip():
        problems.append(Problem(str(path), end, _("The text after the front matter is empty.")))
    if len(problems) > before:
        return None
    return Page(values["title"], body, values.get("summary", ""), values.get("source"), values.get("status"))


def _read_module_texts(path: Path, bundle: CourseBundle, problems: list[Problem]) -> dict[str, ModuleText]:
    if not path.is_file():
        problems.append(Problem(str(path), 0, _("The file is missing.")))
        return {}
    data, text = _load_toml(path, problems)
    if data is None:
        return {}
    specs = {module.id: module for module in bundle.modules}
    result: dict[str, ModuleText] = {}

    def problem(needle: str, reason: str) -> None:
        problems.append(Problem(str(path), _line_of(text, needle), reason))

    for raw in data.get("modules", []) if isinstance(data.get("modules"), list) else [None]:
        module_id = raw.get("id") if isinstance(raw, dict) else None
        spec = specs.get(module_id)  # type: ignore[arg-type]
        if spec is None:
            problem(f'"{module_id}"' if module_id else "[[modules]]", _(
                "Module \"%(id)s\" is not in course.toml.", id=module_id))
            continue
        if module_id in result:
            problem(f'"{module_id}"', _("Module \"%(id)s\" appears twice.", id=module_id))
            continue
        title = raw.get("title")
        if title is not None and not (isinstance(title, str) and title.strip()):
            problem(f'"{module_id}"', _("Module \"%(id)s\": \"title\" must be a text.", id=module_id))
        module_text = ModuleText(title)
        questions = {q.id: q for q in spec.questions}
        for raw_question in raw.get("questions", []):
            question_id = raw_question.get("id") if isinstance(raw_question, dict) else None
            question = questions.get(question_id)  # type: ignore[arg-type]
            if question is None:
                problem(f'"{question_id}"', _("Question \"%(id)s\" is not in module \"%(module)s\" of course.toml.",
                                              id=question_id, module=module_id))
                continue
            question_text = QuestionText(_optional_text(raw_question, "prompt"))
            for raw_choice in raw_question.get("choices", []):
                choice_id = raw_choice.get("id") if isinstance(raw_choice, dict) else None
                if choice_id not in question.choices:
                    problem(f'"{question_id}"', _(
                        "Question \"%(id)s\" has no choice \"%(choice)s\" in course.toml.",
                        id=question_id, choice=choice_id))
                    continue
                question_text.choices[choice_id] = ChoiceText(
                    _optional_text(raw_choice, "text"), _optional_text(raw_choice, "feedback"))
            module_text.questions[question_id] = question_text
        result[module_id] = module_text
    return result


def _check_source_complete(folder: Path, bundle: CourseBundle, source: LanguageTexts,
                           problems: list[Problem]) -> None:
    """The source language must give every text; translations may leave some out."""
    for number, lesson_id in enumerate(bundle.lesson_ids, start=1):
        if lesson_id not in source.lessons:
            problems.append(Problem(str(folder / lesson_file_name(number, lesson_id)), 0, _(
                "The lesson is missing in the source language.")))
    modules_path = str(folder / "modules.toml")
    for module in bundle.modules:
        texts = source.modules.get(module.id, ModuleText())
        if not texts.title:
            problems.append(Problem(modules_path, 0, _("Module \"%(id)s\" has no title.", id=module.id)))
        for question in module.questions:
            question_text = texts.questions.get(question.id, QuestionText())
            if not question_text.prompt:
                problems.append(Problem(modules_path, 0, _(
                    "Question \"%(id)s\" has no prompt.", id=question.id)))
            for choice in question.choices:
                choice_text = question_text.choices.get(choice, ChoiceText())
                if not choice_text.text or not choice_text.feedback:
                    problems.append(Problem(modules_path, 0, _(
                        "Choice \"%(choice)s\" of question \"%(id)s\" needs a text and feedback.",
                        choice=choice, id=question.id)))


def _load_toml(path: Path, problems: list[Problem]) -> tuple[dict | None, str]:
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
        match = re.search(r"line (\d+)", str(error))
        problems.append(Problem(str(path), int(match.group(1)) if match else 0, _(
            "This is not valid TOML: %(error)s", error=str(error))))
        return None, text


def _line_of(text: str, needle: str) -> int:
    """The first line holding ``needle``, to point at a problem; 0 when not found."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    return 0


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _optional_text(raw: dict, key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) and value.strip() else None
