"""The web survey page by page, as the form's logic (lms/surveys/logic) asks it.

Each top-level group is a page, and the questions between groups share one. Nothing is kept on the server between
pages: the answers of the other pages travel in the form's hidden fields, and only the final submission stores a
response (docs/privacy.md). "Next" checks the page shown; the final submission checks the whole response again, so
that answers changed in the hidden fields are refused like any other.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from flask_babel import gettext as _

from lms.i18n import pick_string, pick_text
from lms.models import SurveyQuestion, SurveyVersion
from lms.surveys.answering import Answer, parse_answer
from lms.surveys.logic import Evaluation, Page, defaults, evaluate, pages
from lms.surveys.logic.evaluation import CHOICE_KINDS

FIELD_PREFIX = "q_"
#: A ``${name}`` reference in a label, as XLSForm writes it.
REFERENCE = re.compile(r"\$\{\s*([^}\s]+)\s*\}")


@dataclass
class Step:
    """The page to show after a request, or ``done``: the response is complete and valid."""

    pages: list[Page]
    index: int
    evaluation: Evaluation
    answers: dict[str, str]
    #: Messages to show, for the questions of the page shown only.
    errors: dict[str, str] = field(default_factory=dict)
    #: Questions of this page asked since it was shown (an answer on the page made them relevant).
    appeared: bool = False
    #: Choices of a question on this page that changed since it was shown (its choice filter reads an answer on
    #: the page): with JavaScript off, the member sees them only now.
    rechoose: bool = False
    done: bool = False

    @property
    def page(self) -> Page:
        return self.pages[self.index]

    @property
    def shown(self) -> list[SurveyQuestion]:
        return displayed(self.page, self.evaluation)

    @property
    def visible(self) -> list[int]:
        return visible_pages(self.pages, self.evaluation)

    @property
    def number(self) -> int:
        """The page's place among the pages asked (1 for the first)."""
        return sum(1 for i in self.visible if i <= self.index)

    @property
    def first(self) -> bool:
        return not any(i < self.index for i in self.visible)

    @property
    def last(self) -> bool:
        return not any(i > self.index for i in self.visible)

    def carried(self) -> list[tuple[str, str]]:
        """(code, answer as typed) of the other pages' answers, for the form's hidden fields."""
        here = {q.code for q in self.page.questions}
        return [(q.code, self.answers[q.code]) for page in self.pages for q in page.questions
                if q.answered and q.code not in here and self.answers.get(q.code)]


def offered_from(text: str) -> dict[str, set[str]]:
    """``city:lima,cusco district:`` (the form's hidden field; codes percent-encoded, as a single choice's may hold
    a space) -> the choices each filtered question offered."""
    found = {}
    for item in text.split()[:1000]:
        code, _colon, choices = item.partition(":")
        found[unquote(code)] = {unquote(c) for c in choices.split(",") if c}
    return found


def offered_text(questions: list[SurveyQuestion], evaluation: Evaluation) -> str:
    """The hidden field that says which choices the page offered, for its questions whose choices are filtered."""
    def listed(codes) -> str:
        return ",".join(quote(code, safe="") for code in codes)

    return " ".join(f"{quote(q.code, safe='')}:{listed(evaluation.choices.get(q.code, ()))}"
                    for q in questions if q.choice_filter)


def worded(message: str) -> str:
    """A message as the web survey words it: the engine's "An answer is required." asks the member directly."""
    return _("Please answer this question.") if message == _("An answer is required.") else message


def displayed(page: Page, evaluation: Evaluation) -> list[SurveyQuestion]:
    """The page's questions asked, notes included; calculations are never shown."""
    return [q for q in page.questions if q.code in evaluation.relevant and q.kind != "calculate"]


def visible_pages(found: list[Page], evaluation: Evaluation) -> list[int]:
    """The indexes of the pages with at least one question asked."""
    return [i for i, page in enumerate(found) if displayed(page, evaluation)]


def answers_from(version: SurveyVersion, form: Mapping) -> dict[str, str]:
    """The answers a submitted form holds (code -> text as a spreadsheet cell would: choice codes separated by
    spaces), the hidden ones of other pages included."""
    found = {}
    for question in version.questions:
        if not question.answered:
            continue
        name = FIELD_PREFIX + question.code
        values = form.getlist(name) if hasattr(form, "getlist") else [form.get(name, "")]
        text = " ".join(v.strip() for v in values if v and v.strip()) if question.kind == "multiple" \
            else (values[0] if values else "")
        if text:
            found[question.code] = text
    return found


def start(version: SurveyVersion, language: str) -> Step:
    """The first page asked, with the form's defaults filled in."""
    answers = defaults(version)
    evaluation = evaluate(version, answers, language)
    found = pages(version)
    visible = visible_pages(found, evaluation)
    return Step(found, visible[0] if visible else 0, evaluation, answers)


def move(version: SurveyVersion, answers: dict[str, str], language: str, *, index: int, back: bool,
         shown: set[str] | None, offered: dict[str, set[str]] | None = None) -> Step:
    """The step after the member's "Next" (or "Back") on page ``index``, which showed the questions ``shown``
    (None: not said, as by a form of one page sent from elsewhere) and, for the questions whose choices are
    filtered, the choices ``offered``."""
    found = pages(version)
    index = min(max(index, 0), len(found) - 1)
    evaluation = evaluate(version, answers, language)
    visible = visible_pages(found, evaluation)
    if back:
        earlier = [i for i in visible if i < index]
        return Step(found, earlier[-1] if earlier else index, evaluation, answers)
    asked = displayed(found[index], evaluation)
    seen = {q.code for q in asked} if shown is None else shown
    rechosen = {q.code for q in asked if q.choice_filter and offered is not None and q.code in offered
                and set(evaluation.choices.get(q.code, ())) != offered[q.code]}
    errors = {q.code: worded(evaluation.errors[q.code]) for q in asked
              if q.code in evaluation.errors and q.code in seen and q.code not in rechosen}
    appeared = any(q.code not in seen for q in asked)
    if errors or appeared or rechosen:
        return Step(found, index, evaluation, answers, errors, appeared=appeared, rechoose=bool(rechosen))
    later = [i for i in visible if i > index]
    if later:
        return Step(found, later[0], evaluation, answers)
    if evaluation.errors:  # answers of other pages changed in the hidden fields: their first page, with its errors
        wrong = min(i for i, page in enumerate(found) for code in page.codes if code in evaluation.errors)
        return Step(found, wrong, evaluation, answers,
                    {code: worded(evaluation.errors[code]) for code in found[wrong].codes if code in evaluation.errors})
    return Step(found, index, evaluation, answers, done=True)


def answers_to_store(version: SurveyVersion, evaluation: Evaluation) -> dict[str, Answer]:
    """The response as it is stored: the answers that count (a skipped question's is empty), never a note's or a
    calculation's."""
    return {q.code: parse_answer(q, evaluation.values[q.code]) if evaluation.values.get(q.code) else Answer("")
            for q in version.questions if q.answered}


def fill(text: str, version: SurveyVersion, values: dict[str, str], language: str) -> str:
    """A label with its ``${name}`` references replaced by the answers (a choice by its label), as plain text."""
    if "${" not in text:
        return text
    from lms.surveys.forms import choice_label  # the fixed scales' labels live with the forms

    source = version.survey.source_language
    by_code = {q.code: q for q in version.questions}

    def value_of(match: re.Match) -> str:
        question = by_code.get(match.group(1))
        if question is None:
            return match.group(0)
        value = values.get(question.code, "")
        if question.kind in CHOICE_KINDS:
            return ", ".join(choice_label(question, code, language, source) for code in value.split()
                             if code in question.choice_codes)
        return value

    return REFERENCE.sub(value_of, text)


def label_and_hint(question: SurveyQuestion, version: SurveyVersion, values: dict[str, str],
                   language: str) -> tuple[str, str]:
    """The question's label and hint in ``language`` (else the survey's), references filled in."""
    picked = pick_text(question.texts, language, version.survey.source_language)
    label, hint = (picked.row.label, picked.row.hint) if picked else (question.code, "")
    return fill(label, version, values, language), fill(hint or "", version, values, language)


def page_title(step: Step, version: SurveyVersion, language: str) -> str:
    """The label of the page's group; empty for the questions outside groups."""
    if step.page.code is None:
        return ""
    group = next((g for g in version.groups if g.code == step.page.code), None)
    return pick_string(group.texts, language, version.survey.source_language, "label") if group else ""
