"""A version's logic applied to a set of answers: what is asked, what is required, what is wrong, what is computed.

The same evaluation serves the web survey (page by page with JavaScript off, on each change with it on) and the
import of answers collected with ODK Collect or KoboToolbox, so both accept exactly the same responses.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from flask_babel import gettext as _
from lxml import etree

from lms.i18n import pick_string, pick_text
from lms.models import SurveyGroup, SurveyQuestion, SurveyVersion
from lms.surveys.answering import parse_answer
from lms.surveys.logic.expressions import compile_expression, date_number, text_of, translate

CHOICE_KINDS = ("single", "multiple", "likert", "yes_no")
#: The choice filter of nearly every cascading select, ``county = ${county}``: compared directly, not through XPath
#: for each of the thousands of villages a list may hold.
SIMPLE_FILTER = re.compile(r"^\s*(?:([^\W\d][\w.-]*)\s*=\s*\$\{\s*([^}\s]+)\s*\}"
                           r"|\$\{\s*([^}\s]+)\s*\}\s*=\s*([^\W\d][\w.-]*))\s*$")
#: Passes over the form before relevance and calculations settle: each pass settles at least one more question
#: of a chain, and a form this deep in dependencies is not one anyone answers.
MAX_PASSES = 12
#: The longest value a calculation keeps: a chain of calculations each doubling the one before (concat(${c}, ${c}))
#: grew one character to 2^30 and held a worker for minutes (outside tester). A real one is a score or a label.
MAX_CALCULATED_CHARS = 4000


@dataclass
class Evaluation:
    relevant: set[str] = field(default_factory=set)
    required: set[str] = field(default_factory=set)
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    #: Per choice question, the choice codes offered (after its choice filter): worked out when read.
    choices: Mapping[str, list[str]] = field(default_factory=dict)


class OfferedChoices(Mapping):
    """The choices each choice question offers, worked out for the questions read only: a page or a check needs
    a few questions' choices, and a form's lists of villages hold thousands each."""

    def __init__(self, logic: Logic, values: dict[str, str]):
        self.logic, self.values = logic, values
        self.codes = [q.code for q in logic.questions if q.kind in CHOICE_KINDS]
        self.found: dict[str, list[str]] = {}

    def __getitem__(self, code: str) -> list[str]:
        if code not in self.found:
            question = self.logic.by_code.get(code)
            if question is None or question.kind not in CHOICE_KINDS:
                raise KeyError(code)
            self.found[code] = offered(self.logic, question, self.values)
        return self.found[code]

    def __contains__(self, code) -> bool:
        return code in self.codes

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)


@dataclass
class Page:
    """What one page of the web survey shows: a top-level group, or the questions between two of them."""

    code: str | None
    questions: list[SurveyQuestion]

    @property
    def codes(self) -> list[str]:
        return [q.code for q in self.questions]


class LogicTooSlow(Exception):
    """The form's logic took longer than ``SURVEY_LOGIC_SECONDS`` on these answers: nothing more is evaluated.

    Each expression is bounded (its length, the answers it reads, a calculation's value, RE2 for patterns), but
    a form's author can still chain thousands of costly ones; a request is never held longer than this."""


def logic_seconds() -> float:
    return float(current_app.config.get("SURVEY_LOGIC_SECONDS", 2.0)) if has_app_context() else 2.0


class Logic:
    """A version's expressions, compiled once for one evaluation, within its time (``logic_seconds``)."""

    def __init__(self, version: SurveyVersion, language: str, deadline: float | None = None):
        self.deadline = deadline if deadline is not None else time.monotonic() + logic_seconds()
        self.version = version
        self.language = language
        self.source = version.survey.source_language
        self.questions = list(version.questions)
        self.by_code = {q.code: q for q in self.questions}
        self.groups = {g.id: g for g in version.groups}
        self.compiled: dict[tuple[str, str], tuple[etree.XPath, frozenset[str]]] = {}

    def compiled_with_names(self, text: str, wrapper: str) -> tuple[etree.XPath, frozenset[str]]:
        """The compiled expression and the names it reads (only those are bound: a form of a thousand questions
        bound them all for each of its thousand expressions)."""
        key = (text, wrapper)
        if key not in self.compiled:
            self.compiled[key] = (compile_expression(text, wrapper, labels=self.choice_label),
                                  frozenset(translate(text)[1]))
        return self.compiled[key]

    def variables(self, names: frozenset[str], values: dict[str, str]) -> dict:
        return {code: variable(self.by_code.get(code), values[code]) for code in names if code in values}

    def choice_label(self, code: str, value: str) -> str:
        question = self.by_code.get(code)
        if question is None or question.kind not in CHOICE_KINDS:
            return value
        from lms.surveys.forms import choice_label  # the fixed scales' labels live with the forms
        return " ".join(choice_label(question, choice, self.language, self.source)
                        for choice in value.split() if choice in question.choice_codes)

    def run(self, text: str, wrapper: str, values: dict[str, str], context: str = ""):
        """The expression's value; an expression that fails on these values is false (or empty)."""
        self.check_time()
        node = etree.Element("value")
        node.text = context
        compiled, names = self.compiled_with_names(text, wrapper)
        try:
            return compiled(node, **self.variables(names, values))
        except (etree.XPathEvalError, TypeError, ValueError, ArithmeticError):
            return False if wrapper == "boolean" else ""

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise LogicTooSlow(self.version.survey.code)

    def holds(self, text: str, values: dict[str, str], context: str = "") -> bool:
        return not text or bool(self.run(text, "boolean", values, context))

    def chain(self, question: SurveyQuestion) -> list[SurveyGroup]:
        """The question's groups, outermost first."""
        found, group_id = [], question.group_id
        while group_id is not None:
            group = self.groups[group_id]
            found.append(group)
            group_id = group.parent_id
        return found[::-1]


def variable(question: SurveyQuestion | None, value: str):
    """A value as an expression reads it: a date as its day number, everything else as its text."""
    if question is not None and question.kind == "date" and value:
        number = date_number(value)
        return number if number is not None else value
    return value


def evaluate(version: SurveyVersion, answers: dict[str, str], language: str, *,
             deadline: float | None = None) -> Evaluation:
    """Relevance, requirements, calculations, choice filters and checks of ``answers`` (code -> raw text)."""
    logic = Logic(version, language, deadline)
    parsed: dict[str, str] = {}
    type_errors: dict[str, str] = {}
    for question in logic.questions:
        raw = (answers.get(question.code) or "").strip() if question.answered else ""
        if not raw:
            continue
        try:
            parsed[question.code] = parse_answer(question, raw).value
        except ValueError as error:
            type_errors[question.code] = str(error)
    values = {q.code: parsed.get(q.code, "") for q in logic.questions}
    relevant: set[str] = set()
    for _pass in range(MAX_PASSES):
        relevant, changed = settle(logic, values, parsed)
        if not changed:
            break
    result = Evaluation(relevant=relevant, values=values, choices=OfferedChoices(logic, values))
    for question in logic.questions:
        code = question.code
        if code not in relevant or not question.answered:
            continue
        if question.required or (question.required_rule and logic.holds(question.required_rule, values)):
            result.required.add(code)
        if code in type_errors:
            result.errors[code] = type_errors[code]
        elif values[code] == "":
            if code in result.required:
                result.errors[code] = message(logic, question, "required_message") or _("An answer is required.")
        elif question.kind in CHOICE_KINDS and any(c not in result.choices[code] for c in chosen(question,
                                                                                                   values[code])):
            result.errors[code] = _("“%(value)s” is not one of the choices offered.", value=values[code])
        elif question.constraint_rule and not logic.holds(question.constraint_rule, values,
                                                          text_of(variable(question, values[code]))):
            result.errors[code] = message(logic, question, "constraint_message") or _("This answer is not allowed.")
    return result


def chosen(question: SurveyQuestion, value: str) -> list[str]:
    """The choice codes an answer holds: a list for a multiple choice, the whole answer for the others."""
    return value.split() if question.kind == "multiple" else [value]


def settle(logic: Logic, values: dict[str, str], parsed: dict[str, str]) -> tuple[set[str], bool]:
    """One pass in form order: groups' and questions' relevance, then calculations; whether any value changed."""
    relevant: set[str] = set()
    changed = False
    for group in logic.version.groups:
        parent_ok = group.parent_id is None or logic.groups[group.parent_id].code in relevant
        if parent_ok and logic.holds(group.relevant, values):
            relevant.add(group.code)
    for question in logic.questions:
        asked = all(g.code in relevant for g in logic.chain(question)) and logic.holds(question.relevant, values)
        if asked:
            relevant.add(question.code)
        if question.kind == "calculate":
            value = text_of(logic.run(question.calculation, "string", values)) if asked and question.calculation \
                else ""
            value = "" if value == "NaN" or len(value) > MAX_CALCULATED_CHARS else value
        else:
            value = parsed.get(question.code, "") if asked else ""
        if values[question.code] != value:
            values[question.code] = value
            changed = True
    return relevant, changed


def offered(logic: Logic, question: SurveyQuestion, values: dict[str, str]) -> list[str]:
    """The choice codes the question's ``choice_filter`` lets through (all of them without one)."""
    if not question.choice_filter:
        return list(question.choice_codes)
    simple = SIMPLE_FILTER.match(question.choice_filter)
    reference = simple and (simple.group(2) or simple.group(3))
    column = simple and (simple.group(1) or simple.group(4))
    if simple and column != "label" and reference in logic.by_code and logic.by_code[reference].kind != "date":
        wanted = values.get(reference, "")
        return [c.code for c in question.choices
                if (c.code if column == "name" else str((c.filters or {}).get(column, ""))) == wanted]
    kept = []
    compiled, names = logic.compiled_with_names(question.choice_filter, "boolean")
    variables = logic.variables(names, values)
    for choice in question.choices:
        logic.check_time()
        item = etree.Element("item")
        etree.SubElement(item, "name").text = choice.code
        for column, cell in (choice.filters or {}).items():
            if column.replace("_", "a").replace("-", "a").replace(".", "a").isalnum() and column[:1].isalpha():
                etree.SubElement(item, column).text = str(cell)
        etree.SubElement(item, "label").text = pick_string(choice.texts, logic.language, logic.source, "label")
        try:
            if compiled(item, **variables):
                kept.append(choice.code)
        except (etree.XPathEvalError, TypeError, ValueError, ArithmeticError):
            continue
    return kept


def message(logic: Logic, question: SurveyQuestion, field_name: str) -> str:
    """The question's own message in the reader's language, else in the survey's; empty if it has none."""
    picked = pick_text([t for t in question.texts if getattr(t, field_name)], logic.language, logic.source)
    return getattr(picked.row, field_name) if picked else ""


def defaults(version: SurveyVersion) -> dict[str, str]:
    return {q.code: q.default_value for q in version.questions if q.default_value and q.answered}


def pages(version: SurveyVersion) -> list[Page]:
    """Each top-level group is a page; the questions between top-level groups share one."""
    found: list[Page] = []
    groups = {g.id: g for g in version.groups}
    for question in version.questions:
        top = question.group_id
        while top is not None and groups[top].parent_id is not None:
            top = groups[top].parent_id
        code = groups[top].code if top is not None else None
        if found and found[-1].code == code:
            found[-1].questions.append(question)
        else:
            found.append(Page(code, [question]))
    return found

