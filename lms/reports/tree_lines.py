"""The family tree's lines as a page shows them, in the reader's language.

A tree of a programme of 500,000 members lists some 2,000 trainers: translated and formatted in the template, line
by line, it took 250 ms to draw. Here each wording is translated once per page, and each number formatted once
(``format_number``; the groups are few): the same words, the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from flask_babel import ngettext

from lms.core.templating import format_number
from lms.reports.cascade import Line


@dataclass(frozen=True)
class ShownLine:
    """A line of the tree with its wording: "generation 2" (and "promotion reversed"), "(3 groups, people
    reached: 15)"."""

    line: Line
    generation: str
    details: str


def shown_lines(tree: list[Line]) -> list[ShownLine]:
    generation = _("generation %(n)d")
    reversed_ = _("promotion reversed")
    reached = _("people reached: %(n)s")

    @cache
    def groups(n: int) -> str:
        return ngettext("%(num)d group", "%(num)d groups", n)

    shown = []
    for line in tree:
        trainer = line.trainer
        label = generation % {"n": trainer.generation}
        if trainer.revoked:
            label = f"{label} · {reversed_}"
        details = f"({groups(trainer.groups)}, {reached % {'n': format_number(trainer.reached.published)}})"
        shown.append(ShownLine(line, label, details))
    return shown
