"""Write a course back to a folder, in the one canonical layout that ``reader`` reads."""
from __future__ import annotations

import json
from pathlib import Path

from lms.content.bundle import MEDIA_DIR, CourseBundle, LanguageTexts, Page, lesson_file_name


def write_course(bundle: CourseBundle, root: Path) -> Path:
    folder = root / bundle.slug
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "course.toml", course_toml(bundle))
    for language, texts in sorted(bundle.languages.items()):
        sub = folder / language
        sub.mkdir(exist_ok=True)
        is_source = language == bundle.source_language
        if texts.index is not None:
            _write(sub / "index.md", page_markdown(texts.index, is_source, with_summary=True))
        for number, lesson_id in enumerate(bundle.lesson_ids, start=1):
            if lesson_id in texts.lessons:
                _write(sub / lesson_file_name(number, lesson_id),
                       page_markdown(texts.lessons[lesson_id], is_source))
        _write(sub / "modules.toml", modules_toml(bundle, texts))
    if bundle.media:
        (folder / MEDIA_DIR).mkdir(exist_ok=True)
        for name, data in sorted(bundle.media.items()):
            (folder / MEDIA_DIR / name).write_bytes(data)
    return folder


def course_toml(bundle: CourseBundle) -> str:
    head = [
        f"source_language = {_string(bundle.source_language)}",
        f"topics = {_strings(bundle.topics)}",
        f"published = {'true' if bundle.published else 'false'}",
    ]
    tables = ["\n".join(head)]
    for module in bundle.modules:
        lines = ["[[modules]]", f"id = {_string(module.id)}", f"lessons = {_strings(module.lessons)}"]
        if module.pass_mark is not None:
            lines.append(f"pass_mark = {module.pass_mark}")
        tables.append("\n".join(lines))
        for question in module.questions:
            tables.append("\n".join([
                "[[modules.questions]]",
                f"id = {_string(question.id)}",
                f"kind = {_string(question.kind)}",
                f"choices = {_strings(question.choices)}",
                f"correct = {_strings(question.correct)}",
            ]))
    return "\n\n".join(tables) + "\n"


def modules_toml(bundle: CourseBundle, texts: LanguageTexts) -> str:
    tables = []
    for module in bundle.modules:
        module_text = texts.modules.get(module.id)
        if module_text is None:
            continue
        lines = ["[[modules]]", f"id = {_string(module.id)}"]
        if module_text.title:
            lines.append(f"title = {_string(module_text.title)}")
        if module_text.source:
            lines.append(f"source = {_string(module_text.source)}")
        if module_text.status:
            lines.append(f"status = {_string(module_text.status)}")
        tables.append("\n".join(lines))
        for question in module.questions:
            question_text = module_text.questions.get(question.id)
            if question_text is None:
                continue
            lines = ["[[modules.questions]]", f"id = {_string(question.id)}"]
            if question_text.prompt:
                lines.append(f"prompt = {_string(question_text.prompt)}")
            tables.append("\n".join(lines))
            for choice in question.choices:
                choice_text = question_text.choices.get(choice)
                if choice_text is None:
                    continue
                lines = ["[[modules.questions.choices]]", f"id = {_string(choice)}"]
                if choice_text.text:
                    lines.append(f"text = {_string(choice_text.text)}")
                if choice_text.feedback:
                    lines.append(f"feedback = {_string(choice_text.feedback)}")
                tables.append("\n".join(lines))
    return "\n\n".join(tables) + "\n" if tables else ""


def page_markdown(page: Page, is_source: bool, with_summary: bool = False) -> str:
    lines = ["---", f"title: {page.title}"]
    if with_summary:
        lines.append(f"summary: {page.summary}")
    if not is_source:
        lines += [f"source: {page.source}", f"status: {page.status}"]
    lines.append("---")
    return "\n".join(lines) + "\n" + page.body


def _string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except DEL, which TOML wants escaped."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _strings(values: list[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")
