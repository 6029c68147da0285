"""A course as read from (or written to) a folder, before it touches the database."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lms.content.markdown import checksum

#: The folder of a course holding its uploaded images, next to the language folders.
MEDIA_DIR = "media"


def lesson_file_name(number: int, lesson_id: str) -> str:
    """Lessons are numbered in course order: ``01-what-is-social-dialogue.md``."""
    return f"{number:02d}-{lesson_id}.md"


#: A question's texts for ``module_checksum``: its id, prompt and choices as (id, text, feedback).
QuestionParts = tuple[str, str | None, Iterable[tuple[str, str | None, str | None]]]


def module_checksum(title: str | None, questions: Iterable[QuestionParts]) -> str:
    """Fingerprint of a module's texts in one language, its title and quiz, for telling when their translation is
    outdated. Questions and choices go by id, so moving one changes nothing; a text left out counts as empty."""
    parts = [title or ""]
    for question_id, prompt, choices in sorted(questions, key=lambda question: question[0]):
        parts += [question_id, prompt or ""]
        for choice_id, text, feedback in sorted(choices, key=lambda choice: choice[0]):
            parts += [choice_id, text or "", feedback or ""]
    return checksum(*parts)


@dataclass
class Problem:
    """Something wrong in a course folder, reported as ``file:line: reason`` (``file: reason`` when it has no line)."""

    path: str
    #: 0 when the problem is the file (or folder) as a whole.
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}" if self.line else f"{self.path}: {self.reason}"


@dataclass
class QuestionSpec:
    id: str
    kind: str
    choices: list[str]
    correct: list[str]


@dataclass
class ModuleSpec:
    id: str
    lessons: list[str]
    pass_mark: int | None = None
    questions: list[QuestionSpec] = field(default_factory=list)


@dataclass
class Page:
    """A Markdown file: ``index.md`` (title, summary, introduction) or a lesson (title, body)."""

    title: str
    body: str
    summary: str = ""
    #: On a translation: checksum of the source text it was made from, and "draft"/"reviewed".
    source: str | None = None
    status: str | None = None
    #: Line of the file where the body starts, to point at problems in it (not part of the text).
    body_line: int = field(default=1, compare=False)

    @property
    def checksum(self) -> str:
        """Fingerprint of the text; a translation names its source's in ``source``."""
        return checksum(self.title, self.summary, self.body) if self.summary else checksum(self.title, self.body)


@dataclass
class ChoiceText:
    text: str | None = None
    feedback: str | None = None


@dataclass
class QuestionText:
    prompt: str | None = None
    choices: dict[str, ChoiceText] = field(default_factory=dict)


@dataclass
class ModuleText:
    """A module's title and quiz texts in one language (a table of ``modules.toml``)."""

    title: str | None = None
    questions: dict[str, QuestionText] = field(default_factory=dict)
    #: On a translation, as on a page: the source's ``checksum`` it was made from, and "draft"/"reviewed".
    source: str | None = None
    status: str | None = None

    def checksum(self, spec: ModuleSpec) -> str:
        """The fingerprint of these texts for the module ``spec`` (``module_checksum``)."""
        return module_checksum(self.title, [
            (question.id, texts.prompt, [(choice, texts.choices.get(choice, ChoiceText()).text,
                                          texts.choices.get(choice, ChoiceText()).feedback)
                                         for choice in question.choices])
            for question in spec.questions
            for texts in [self.questions.get(question.id, QuestionText())]])


@dataclass
class LanguageTexts:
    """Everything in one language folder."""

    language: str
    #: The course page (``index.md``); None in a translation that has lessons or quiz texts but no course page yet.
    index: Page | None
    lessons: dict[str, Page] = field(default_factory=dict)
    modules: dict[str, ModuleText] = field(default_factory=dict)


@dataclass
class CourseBundle:
    slug: str
    source_language: str
    topics: list[str]
    published: bool
    modules: list[ModuleSpec]
    languages: dict[str, LanguageTexts] = field(default_factory=dict)
    #: Uploaded images, ``media/<name>`` in the folder: name -> the file's bytes (checked when imported).
    media: dict[str, bytes] = field(default_factory=dict)

    @property
    def lesson_ids(self) -> list[str]:
        return [lesson for module in self.modules for lesson in module.lessons]
