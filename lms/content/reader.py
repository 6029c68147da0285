"""Read and check course folders in the format of docs/course-format.md."""
from __future__ import annotations

import re
from pathlib import Path

from flask_babel import gettext as _

from lms.content.bundle import (
    MEDIA_DIR,
    ChoiceText,
    CourseBundle,
    LanguageTexts,
    ModuleText,
    Page,
    Problem,
    QuestionText,
    lesson_file_name,
)
from lms.content.consistency import check_translations
from lms.content.markdown import markdown_problem
from lms.content.structure import SLUG, course_spec, line_of, load_toml, table_lines
from lms.files.media import course_image
from lms.files.uploads import UploadRefused
from lms.i18n import is_known_language
from lms.models import REVIEW_STATUSES

#: An uploaded image as the portal names it (``lms/author/services.store_image``).
MEDIA_FILE = re.compile(r"^[A-Za-z0-9_-]{1,34}\.webp$")
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
    data, text = load_toml(path, problems)
    bundle = course_spec(folder.name, path, data, text, problems) if data is not None else None
    # Files that could not be read: what depends on them is not checked (their problem is reported already).
    unreadable: set[Path] = set()
    media: dict[str, bytes] = {}
    languages: dict[str, LanguageTexts] = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if sub.name == MEDIA_DIR:
            media = _read_media(sub, problems)
        elif not LANGUAGE_DIR.match(sub.name) or not is_known_language(sub.name):
            problems.append(Problem(f"{sub}/", 0, _(
                "\"%(name)s\" is not a known language code: a language folder is named by its code, "
                "such as \"en\" or \"fr\".", name=sub.name)))
        elif bundle is None:  # course.toml is wrong: each file can still be checked on its own
            _check_language_alone(sub, problems)
        else:
            languages[sub.name] = _read_language(sub, bundle, problems, unreadable)
    if bundle is None:
        return None
    bundle.media, bundle.languages = media, languages
    if not (folder / bundle.source_language).is_dir():
        problems.append(Problem(str(path), line_of(text, "source_language"), _(
            "There is no folder for the source language \"%(language)s\".", language=bundle.source_language)))
    source = bundle.languages.get(bundle.source_language)
    if source is not None:
        _check_source_complete(folder / bundle.source_language, bundle, source, problems, unreadable)
        problems += check_translations(folder, bundle)
    return bundle if len(problems) == before else None


def _check_language_alone(folder: Path, problems: list[Problem]) -> None:
    """The front matter of each page and the syntax of modules.toml, when course.toml cannot say more."""
    for path in sorted(folder.iterdir()):
        if path.name == "modules.toml":
            load_toml(path, problems)
        elif path.name == "index.md":
            read_page(path, INDEX_KEYS, None, problems)
        elif LESSON_FILE.match(path.name):
            read_page(path, LESSON_KEYS, None, problems)
        else:
            problems.append(Problem(str(path), 0, _(
                "Unexpected file: lessons are named like \"01-lesson-id.md\".")))


def _read_language(folder: Path, bundle: CourseBundle, problems: list[Problem],
                   unreadable: set[Path]) -> LanguageTexts:
    """Everything in a language folder; files that cannot be read are added to ``unreadable``."""
    is_source = folder.name == bundle.source_language
    index_path = folder / "index.md"
    index = None
    if index_path.is_file():
        index = read_page(index_path, INDEX_KEYS, is_source, problems)
        if index is None:
            unreadable.add(index_path)
    elif is_source:  # a translation may have lessons or quiz texts before its course page
        problems.append(Problem(str(index_path), 0, _("The file is missing.")))
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
        if page is None:
            unreadable.add(path)
        else:
            lessons[lesson_id] = page
    modules = _read_module_texts(folder / "modules.toml", bundle, problems, unreadable)
    # Returned even with problems, so the source language can still be checked for gaps.
    return LanguageTexts(folder.name, index, lessons, modules)


def read_page(path: Path, keys: tuple[str, ...], is_source: bool | None, problems: list[Problem]) -> Page | None:
    """A Markdown file with its ``---`` front matter; ``is_source`` None when it is not known (the translation
    keys are then allowed, not required)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(str(path), 0, _("The file is not UTF-8 text.")))
        return None
    if "\x00" in text:  # valid UTF-8, but no database keeps it as text
        problems.append(Problem(str(path), text.count("\n", 0, text.index("\x00")) + 1,
                                _("The line holds a NUL character (a zero byte), which is not text.")))
        return None
    lines = text.split("\n")
    if not lines or lines[0] != "---":
        problems.append(Problem(str(path), 1, _("The file must start with a \"---\" line (front matter).")))
        return None
    allowed = keys if is_source else keys + TRANSLATION_KEYS
    required = keys if is_source is None else allowed
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
    for key in required:
        if not values.get(key):
            problems.append(Problem(str(path), 2, _("\"%(key)s\" is missing or empty.", key=key)))
    status = values.get("status")
    if status and status not in REVIEW_STATUSES:
        problems.append(Problem(str(path), line_of(text, "status:"), _(
            "\"status\" must be \"draft\" or \"reviewed\".")))
    body = "\n".join(lines[end:])
    if not body.strip():
        problems.append(Problem(str(path), end, _("The text after the front matter is empty.")))
    elif problem := markdown_problem(body):
        problems.append(Problem(str(path), end + problem.line, problem.message))
    if len(problems) > before:
        return None
    return Page(values["title"], body, values.get("summary", ""), values.get("source"), values.get("status"),
                body_line=end + 1)


def _read_module_texts(path: Path, bundle: CourseBundle, problems: list[Problem],
                       unreadable: set[Path]) -> dict[str, ModuleText]:
    if not path.is_file():
        problems.append(Problem(str(path), 0, _("The file is missing.")))
        unreadable.add(path)
        return {}
    data, text = load_toml(path, problems)
    if data is None:
        unreadable.add(path)
        return {}
    specs = {module.id: module for module in bundle.modules}
    result: dict[str, ModuleText] = {}

    def problem(needle: str, reason: str) -> None:
        problems.append(Problem(str(path), line_of(text, needle), reason))

    raw_modules = data.get("modules", [])  # none: a language with no quiz text
    if not isinstance(raw_modules, list) or not all(isinstance(raw, dict) for raw in raw_modules):
        problem("modules", _("\"modules\" must be [[modules]] tables."))
        raw_modules = []
    for raw in raw_modules:
        module_id = raw.get("id")
        spec = specs.get(module_id)  # type: ignore[arg-type]
        if spec is None:
            problem(f'"{module_id}"' if isinstance(module_id, str) else "[[modules]]", _(
                "Module \"%(id)s\" is not in course.toml.", id=module_id) if isinstance(module_id, str)
                else _("Each [[modules]] table needs the \"id\" of a module of course.toml."))
            continue
        if module_id in result:
            problem(f'"{module_id}"', _("Module \"%(id)s\" appears twice.", id=module_id))
            continue
        title = raw.get("title")
        if title is not None and not (isinstance(title, str) and title.strip()):
            problem(f'"{module_id}"', _("Module \"%(id)s\": \"title\" must be a text.", id=module_id))
        module_text = ModuleText(title, source=raw.get("source"), status=raw.get("status"))
        _check_module_review(module_text, module_id, path.parent.name == bundle.source_language, problem)
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


def _check_module_review(module_text: ModuleText, module_id: str, is_source: bool, problem) -> None:
    """``source`` and ``status`` belong to translations only; left out, the texts count as outdated drafts."""
    if is_source and (module_text.source is not None or module_text.status is not None):
        problem(f'"{module_id}"', _("Module \"%(id)s\": only a translation has \"source\" and \"status\".",
                                    id=module_id))
    if module_text.source is not None and not isinstance(module_text.source, str):
        problem(f'"{module_id}"', _("Module \"%(id)s\": \"source\" must be a text.", id=module_id))
    if module_text.status is not None and module_text.status not in REVIEW_STATUSES:
        problem(f'"{module_id}"', _("\"status\" must be \"draft\" or \"reviewed\"."))


def _read_media(folder: Path, problems: list[Problem]) -> dict[str, bytes]:
    """The course's images, each checked as an upload is (kind, pixels), re-encoded as on upload."""
    media = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or not MEDIA_FILE.match(path.name):
            problems.append(Problem(str(path), 0, _(
                "Unexpected file: images are named like \"%(example)s\".", example="Ab3_x-9.webp")))
            continue
        try:
            media[path.name] = course_image(path.read_bytes()).data
        except UploadRefused as refused:
            problems.append(Problem(str(path), 0, str(refused)))
    return media


def _check_source_complete(folder: Path, bundle: CourseBundle, source: LanguageTexts,
                           problems: list[Problem], unreadable: set[Path]) -> None:
    """The source language must give every text; translations may leave some out.

    A file that could not be read is not said to lack its texts: its own problem is reported already."""
    for number, lesson_id in enumerate(bundle.lesson_ids, start=1):
        path = folder / lesson_file_name(number, lesson_id)
        if lesson_id not in source.lessons and path not in unreadable:
            problems.append(Problem(str(path), 0, _("The lesson is missing in the source language.")))
    path = folder / "modules.toml"
    if path in unreadable:
        return
    tables = table_lines(path.read_text(encoding="utf-8"))

    def problem(ids: tuple[str, ...], reason: str) -> None:
        """At the table that lacks the text, else at the nearest table around it, else at the file."""
        while ids and ids not in tables:
            ids = ids[:-1]
        problems.append(Problem(str(path), tables.get(ids, 0), reason))

    for module in bundle.modules:
        texts = source.modules.get(module.id, ModuleText())
        if not texts.title:
            problem((module.id,), _("Module \"%(id)s\" has no title.", id=module.id))
        for question in module.questions:
            question_text = texts.questions.get(question.id, QuestionText())
            if not question_text.prompt:
                problem((module.id, question.id), _("Question \"%(id)s\" has no prompt.", id=question.id))
            for choice in question.choices:
                choice_text = question_text.choices.get(choice, ChoiceText())
                if not choice_text.text or not choice_text.feedback:
                    problem((module.id, question.id, choice), _(
                        "Choice \"%(choice)s\" of question \"%(id)s\" needs a text and feedback.",
                        choice=choice, id=question.id))


def _optional_text(raw: dict, key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) and value.strip() else None
