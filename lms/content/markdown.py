"""Markdown from trainers, rendered once and sanitised, and the checksum of a text.

Python-Markdown takes time quadratic in some shapes of text (a paragraph of unclosed ``[``, long definition
lists) and recurses once per level of nesting (lists, quotes, definitions). ``markdown_problem`` bounds
those shapes, far beyond what a lesson needs, and ``render_markdown`` refuses a text outside them before any
work: every save, import and preview asks it first, so no text holds a worker for long.
"""
import hashlib
import re
from functools import lru_cache
from typing import NamedTuple

import markdown
import nh3
from flask_babel import gettext as _

from lms.files.media import with_srcset

ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

#: The longest Markdown text rendered (the longest bundled lesson has 9,000 bytes).
MAX_MARKDOWN_CHARS = 50_000
#: Per paragraph (text between blank lines): opening brackets, and lines.
MAX_BRACKETS_PER_PARAGRAPH = 50
MAX_LINES_PER_PARAGRAPH = 150
#: How far a line may be indented (a list nested 8 deep), and how many quote markers may open it.
MAX_INDENT_COLUMNS = 32
MAX_QUOTE_DEPTH = 8

PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
QUOTE_MARKERS = re.compile(r"[ \t]*(?:>[ \t]*)+")


class MarkdownRefused(ValueError):
    """A text outside the shapes the renderer takes; its message is translated and says what to change."""


class MarkdownProblem(NamedTuple):
    #: The line of the text where the problem starts (1 for the whole text).
    line: int
    message: str


def markdown_problem(text: str) -> MarkdownProblem | None:
    """Why this Markdown would not be rendered (a translated message) and where, or None."""
    if len(text) > MAX_MARKDOWN_CHARS:
        return MarkdownProblem(1, _("This text is too long: at most %(n)d characters.", n=MAX_MARKDOWN_CHARS))
    for number, line in enumerate(text.split("\n"), start=1):
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        quotes = QUOTE_MARKERS.match(line)
        if indent > MAX_INDENT_COLUMNS or (quotes and quotes.group().count(">") > MAX_QUOTE_DEPTH):
            return MarkdownProblem(number, _(
                "This line is nested too deeply: lists and quotes may nest at most %(n)d levels.", n=MAX_QUOTE_DEPTH))
    start = 0
    for paragraph in PARAGRAPH_BREAK.finditer(text + "\n\n"):
        block = text[start:paragraph.start()]
        if block.count("[") > MAX_BRACKETS_PER_PARAGRAPH or block.count("\n") >= MAX_LINES_PER_PARAGRAPH:
            return MarkdownProblem(text.count("\n", 0, start) + 1, _(
                "This paragraph is too long or has too many \"[\" brackets: split it with blank lines "
                "(at most %(lines)d lines and %(brackets)d brackets each).",
                lines=MAX_LINES_PER_PARAGRAPH, brackets=MAX_BRACKETS_PER_PARAGRAPH))
        start = paragraph.end()
    return None


def refusal(problem: MarkdownProblem) -> str:
    """The problem as one message for a form: with its line when it is not the whole text."""
    if problem.line == 1:
        return problem.message
    return _("Line %(line)d: %(problem)s", line=problem.line, problem=problem.message)


def render_markdown(text: str) -> str:
    """Markdown to safe HTML; raises MarkdownRefused for a text outside the bounds of ``markdown_problem``."""
    problem = markdown_problem(text)
    if problem:
        raise MarkdownRefused(refusal(problem))
    return _render(text)


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    """Markdown to safe HTML: raw HTML is escaped, then nh3 keeps only harmless tags and links."""
    md = markdown.Markdown(extensions=["sane_lists", "tables", "fenced_code", "def_list", "abbr"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    # Images wait until they are scrolled near, come at the width the screen needs, and never overflow a
    # phone's screen (site.css).
    return with_srcset(nh3.clean(md.convert(text), url_schemes=ALLOWED_URL_SCHEMES,
                                 set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}}))


def checksum(*parts: str) -> str:
    """A short, stable fingerprint of a text, used to tell when a translation is outdated."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:16]
