"""pyxform's tree of a form -> the portal's groups and questions, with every problem at its sheet, row and column.

Nothing is written here: the plan is checked whole (codes, kinds across versions, expressions) and written by
``importing.write_plan`` only when no problem was found.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pyxform.aliases import yes_no
from pyxform.utils import default_is_dynamic

from lms.models import Survey, SurveyVersion
from lms.surveys import building, logic
from lms.surveys.building import (
    CHOICE_LABEL_MAX,
    MAX_HINT_CHARS,
    MAX_LABEL_CHARS,
    QuestionSpec,
    SurveyError,
)
from lms.surveys.xlsform.languages import language_code
from lms.surveys.xlsform.problems import problem, where
from lms.surveys.xlsform.reading import Form, canonical
from lms.surveys.xlsform.types import CHOICE_FILES, GROUPS, KINDS, METADATA, REPEATS, refusal

#: The fixed lists the portal asks with its own wording (and results read by their codes).
FIXED_LISTS = {"likert": "likert5", "yes_no": "yes_no"}
NUMBER = r"-?\d+(?:\.\d+)?"
#: A constraint that only bounds a number: ``. >= 0``, ``. <= 90``, ``. >= 15 and . <= 90`` (either order).
SIMPLE_RANGE = re.compile(rf"^\s*\.\s*(>=|<=)\s*({NUMBER})\s*(?:and\s+\.\s*(>=|<=)\s*({NUMBER})\s*)?$")
#: The relevant rule pyxform writes on the text question it adds for ``or_other``.
OR_OTHER = re.compile(r"^selected\(\.\./([^,\s)]+), 'other'\)$")
#: The portal's wording of what pyxform adds for ``or_other``: the text question and the choice.
SPECIFY_OTHER, OTHER = _l("Specify other."), _l("Other")
#: Texts of a question per language, as pyxform's tree names them.
TEXTS = {"label": ("label",), "hint": ("hint",), "constraint_message": ("bind", "jr:constraintMsg"),
         "required_message": ("bind", "jr:requiredMsg")}
TEXT_LIMITS = {"label": MAX_LABEL_CHARS, "hint": MAX_HINT_CHARS, "constraint_message": MAX_HINT_CHARS,
               "required_message": MAX_HINT_CHARS}
#: The column of the survey sheet that holds each part of a question a SurveyError names.
ERROR_COLUMNS = {"code": "name", "kind": "type", "label": "label", "hint": "hint", "min_value": "constraint"}
#: The names pyxform gives the elements it adds to show a table-list group's label and its choices' header.
TABLE_LIST_LABELS = ("generated_table_list_label_", "reserved_name_for_field_list_labels_")
#: A choice's keys in pyxform's tree that are not columns a choice_filter reads.
CHOICE_KEYS = {"name", "label", "media", "sms_option"}


@dataclass
class FormGroup:
    code: str
    row: int
    parent: FormGroup | None
    relevant: str
    labels: dict[str, str]
    #: Whether a question is in it (or in a group inside it): an empty group is layout only, and not kept.
    used: bool = False


@dataclass
class FormChoice:
    code: str
    labels: dict[str, str]
    filters: dict[str, str]


@dataclass
class FormQuestion:
    """A question of the form, read: the spec in the source language, its texts in every language, its choices."""

    row: int
    spec: QuestionSpec
    group: FormGroup | None
    #: language -> {"label", "hint", "constraint_message", "required_message"}
    texts: dict[str, dict[str, str]]
    choices: list[FormChoice]
    list_name: str = ""


@dataclass
class Plan:
    groups: list[FormGroup] = field(default_factory=list)
    questions: list[FormQuestion] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: Names of the device metadata the form records (its exports' columns that hold no answer).
    metadata: list[str] = field(default_factory=list)


def simple_range(constraint: str) -> tuple[float | None, float | None] | None:
    """(smallest, largest) when the constraint only bounds a number, else None."""
    match = SIMPLE_RANGE.match(constraint)
    if match is None or (match.group(3) and match.group(3) == match.group(1)):
        return None
    bounds: dict[str, float] = {}
    for operator, value in ((match.group(1), match.group(2)), (match.group(3), match.group(4))):
        if operator:
            bounds[operator] = float(value)
    return bounds.get(">="), bounds.get("<=")


def source_language(form: Form) -> tuple[str, list[str]]:
    """The form's own language (its ``default_language``, else English when a label column has no language or
    one is English, else the first label column's) and the problems found in naming it."""
    default = form.settings.get("default_language", "")
    if default and default != "default":
        code = language_code(default)
        if code is None:
            return "en", [problem(form.filename, where("settings", 2, "default_language"),
                                  _("give the language with its code, for example label::French (fr)."))]
        return code, []
    named = [canonical(h)[1] for h in form.survey.headers if canonical(h)[0] == "label"]
    codes = [language_code(name) for name in named if name]
    if None in named or not codes or "en" in codes:
        return "en", []
    return next((c for c in codes if c), "en"), []


class Mapper:
    """Reads pyxform's tree of one form into a Plan, for a new version of ``survey``."""

    def __init__(self, form: Form, survey: Survey, version: SurveyVersion, source: str):
        self.form, self.survey, self.version, self.source = form, survey, version, source
        self.plan = Plan()
        self.codes: dict[str, str | None] = {}
        self.taken: set[str] = set()
        #: Names of the form's questions, kept or refused: an expression reading a refused one is not reported too.
        self.names: set[str] = set()
        #: The languages of the form's labels, the source first.
        self.languages = [source]

    def map(self, tree: dict) -> Plan:
        for header in self.form.survey.headers:
            name, language = canonical(header)
            if name == "label" and language and (code := self.code_of(language)) and code not in self.languages:
                self.languages.append(code)
        self.walk(tree.get("children", []), None)
        self.plan.groups = [g for g in self.plan.groups if g.used]
        self.check_expressions()
        return self.plan

    # -- places and languages --

    def report(self, row: int | None, column: str | None, reason: str, sheet: str | None = None) -> None:
        found = problem(self.form.filename, where(sheet or self.form.survey.name, row, column), reason)
        if found not in self.plan.problems:  # a list used by several questions is wrong once
            self.plan.problems.append(found)

    def column(self, name: str, language: str | None = None) -> str:
        """The survey sheet's header for a field, in the language given by its code, as the file writes it."""
        key = self.key_of(language) if language else None
        return self.form.survey.column(name, key)

    def key_of(self, code: str) -> str | None:
        """The name pyxform gives the language of ``code`` in the form's columns (None: the unnamed columns)."""
        return next((key for key, value in self.codes.items() if value == code and key != "default"), None)

    def code_of(self, key: str) -> str | None:
        """A language as pyxform names it (``Français (fr)``, ``default``) -> its code; unknown ones are reported
        once, at their column."""
        if key not in self.codes:
            code = self.source if key == "default" else language_code(key)
            if code is None:
                header = next((h for h in self.form.survey.headers + self.form.choices.headers
                               if canonical(h)[1] == key), key)
                sheet = self.form.survey if header in self.form.survey.headers else self.form.choices
                self.report(1, sheet.written.get(header, header),
                            _("give the language with its code, for example label::French (fr)."), sheet.name)
            self.codes[key] = code
        return self.codes[key]

    def texts(self, value) -> dict[str, str]:
        """A text of pyxform's tree (a string, or one per language) -> language code -> text."""
        if value is None or value == "":
            return {}
        if not isinstance(value, dict):
            return {self.source: str(value).strip()}
        texts = {}
        for key, text in value.items():
            code = self.code_of(key)
            if code is not None and str(text).strip():
                texts[code] = str(text).strip()
        return texts

    def translated(self, message) -> dict[str, str]:
        """The portal's own wording of a text (lazy), in each language of the form."""
        texts = {}
        for language in self.languages:
            try:
                with force_locale(language.replace("-", "_")):
                    texts[language] = str(message)
            except (ValueError, LookupError):  # a language Babel does not know: the English wording
                texts[language] = str(message)
        return texts

    # -- the tree --

    def walk(self, children: list[dict], group: FormGroup | None, refusals_only: bool = False) -> None:
        for element in children:
            kind = element.get("type", "")
            name = element.get("name", "")
            # pyxform's own elements (table-list labels, or_other) have no row: their group's or select's
            row = self.form.row_of(name) or (group.row if group else None)
            if name.startswith(TABLE_LIST_LABELS) and kind in ("note", "select one", "select all that apply"):
                if group is not None and kind == "note" and not group.labels:
                    group.labels = self.texts(element.get("label"))
                continue
            if kind in GROUPS:
                if (element.get("control") or {}).get("bodyless"):
                    continue  # pyxform's own meta group (instanceID): no question of the form
                if refusals_only:
                    self.walk(element.get("children", []), group, True)
                else:
                    self.walk(element.get("children", []), self.add_group(element, group, row))
            elif kind in REPEATS:
                self.report(row, self.column("type"), refusal(kind))
                self.names.add(name)
                self.walk(element.get("children", []), group, True)
            elif kind in METADATA:
                if name:
                    self.plan.metadata.append(name)
            elif kind not in KINDS:
                self.report(row, self.column("type"), refusal(kind))
                self.names.add(name)
            elif not refusals_only:
                self.add_question(element, kind, group, row)

    def add_group(self, element: dict, parent: FormGroup | None, row: int | None) -> FormGroup:
        code = element.get("name", "")
        labels = self.texts(element.get("label"))
        group = FormGroup(code, row or 0, parent, (element.get("bind") or {}).get("relevant", ""), labels)
        try:
            building.check_code(code, building.NAME_PATTERN)
            if code in self.taken:
                raise SurveyError(_("Another question already has the code %(code)s.", code=code), "code")
        except SurveyError as error:
            self.report(row, self.column("name"), str(error))
        self.taken.add(code)
        for language, label in labels.items():
            if len(label) > MAX_LABEL_CHARS:
                self.report(row, self.column("label", language),
                            _("A question holds at most %(n)d characters.", n=MAX_LABEL_CHARS))
        self.plan.groups.append(group)
        return group

    def add_question(self, element: dict, kind_name: str, group: FormGroup | None, row: int | None) -> None:
        name = element.get("name", "")
        kind, whole = KINDS[kind_name]
        self.names.add(name)
        bind = element.get("bind") or {}
        texts: dict[str, dict[str, str]] = {}
        for part, path in TEXTS.items():
            value = element.get(path[0]) if len(path) == 1 else bind.get(path[1])
            for language, text in self.texts(value).items():
                texts.setdefault(language, {})[part] = text
        relevant = bind.get("relevant", "")
        other = OR_OTHER.match(relevant) if kind == "text" else None
        if other and name == f"{other.group(1)}_other":
            # pyxform's question for or_other: on the select's row, with the portal's wording of its label
            row = self.form.row_of(other.group(1))
            relevant = f"selected(${{{other.group(1)}}}, 'other')"
            texts = {language: {"label": label} for language, label in self.translated(SPECIFY_OTHER).items()}
        row = row or 0
        before = len(self.plan.problems)
        if not self.refuse_parts(element, kind_name, kind, bind, row):
            return
        required_text = str(bind.get("required", "")).strip()
        required = yes_no.get(required_text, False) if required_text in yes_no else False
        required_rule = "" if required_text in yes_no else required_text
        constraint = str(bind.get("constraint", "")).strip()
        low = high = None
        if kind == "number" and constraint and (bounds := simple_range(constraint)) is not None:
            (low, high), constraint = bounds, ""
        if kind_name == "range":
            low, high, whole = self.range_bounds(element, row)
        list_name = element.get("list_name") or element.get("itemset") or ""
        choices = [self.choice(c, list_name) for c in element.get("choices") or []]
        choice_filter = str(element.get("choice_filter") or "").strip()
        if kind == "single" and not choice_filter:
            codes = [c.code for c in choices]
            if list_name == FIXED_LISTS["likert"] and codes == list(building.fixed_choice_codes("likert")):
                kind = "likert"
            elif list_name == FIXED_LISTS["yes_no"] and codes == ["yes", "no"]:
                kind = "yes_no"
        if kind not in ("single", "multiple"):
            choices = []
        source = texts.get(self.source, {})
        spec = QuestionSpec(
            code=name, kind=kind, label=source.get("label", ""), hint=source.get("hint", ""), required=required,
            min_value=low, max_value=high,
            choices=[(c.code, c.labels.get(self.source, "")) for c in choices] if choices else None,
            whole=whole, relevant=relevant, constraint_rule=constraint, required_rule=required_rule,
            calculation=str(bind.get("calculate", "")).strip() if kind == "calculate" else "",
            choice_filter=choice_filter, default_value=str(element.get("default") or "").strip())
        self.check_texts(texts, row)
        self.check_spec(spec, row, list_name)
        if len(self.plan.problems) == before:
            self.plan.questions.append(FormQuestion(row, spec, group, texts, choices, list_name))
            ancestor = group
            while ancestor is not None:
                ancestor.used, ancestor = True, ancestor.parent
        self.taken.add(name)

    def refuse_parts(self, element: dict, kind_name: str, kind: str, bind: dict, row: int) -> bool:
        """Report what a supported question carries that the portal cannot keep; False if the question itself
        is not one the portal can ask (a select from a file)."""
        itemset = str(element.get("itemset") or "")
        if kind in ("single", "multiple") and itemset.lower().endswith(CHOICE_FILES):
            name = "select one from file" if kind == "single" else "select all that apply from file"
            self.report(row, self.column("type"), refusal(name))
            return False
        control = element.get("control") or {}
        if element.get("media"):
            self.report(row, self.column("media"), _("images, audio and video in a form are not supported."))
        if kind not in ("note", "calculate") and yes_no.get(str(bind.get("readonly", "")).strip(), False) \
                and not bind.get("calculate"):
            self.report(row, self.column("read_only"), _("read-only questions are not supported."))
        if kind != "calculate" and bind.get("calculate"):
            self.report(row, self.column("calculation"),
                        _("a calculation is supported on questions of type calculate only."))
        if "search(" in str(control.get("appearance", "")):
            self.report(row, self.column("appearance"), _("choices from search() are not supported."))
        if element.get("trigger"):
            self.report(row, self.column("trigger"), _("triggers are not supported."))
        default = element.get("default")
        if default and default_is_dynamic(default, kind_name):
            self.report(row, self.column("default"), _("a default computed from an expression is not supported."))
        if len(str(default or "")) > 300:
            self.report(row, self.column("default"), _("A default answer holds at most %(n)d characters.", n=300))
        return True

    def range_bounds(self, element: dict, row: int) -> tuple[float | None, float | None, bool]:
        """A range question is a number between its start and end; only a step of 1 is kept."""
        parameters = element.get("parameters") or {}
        try:
            start, end, step = (float(parameters.get(p, d)) for p, d in (("start", 1), ("end", 10), ("step", 1)))
        except ValueError:
            self.report(row, self.column("parameters"), _("the start, end and step of a range must be numbers."))
            return None, None, True
        if step != 1:
            self.report(row, self.column("parameters"), _("a range with a step other than 1 is not supported."))
        return min(start, end), max(start, end), start.is_integer() and end.is_integer()

    def choice(self, element: dict, list_name: str) -> FormChoice:
        code = str(element.get("name", ""))
        labels = self.texts(element.get("label"))
        if code == "other" and set(labels.values()) <= {"Other"}:
            labels = self.translated(OTHER)  # pyxform's choice for or_other
        row = self.form.choice_row(list_name, code)
        if element.get("media"):
            self.report(row, self.form.choices.column("media"), _("images, audio and video in a form are not "
                                                                  "supported."), self.form.choices.name)
        for language, label in labels.items():
            if len(label) > CHOICE_LABEL_MAX:
                key = self.key_of(language)
                self.report(row, self.form.choices.column("label", key) if key else self.form.choices.column("label"),
                            _("A choice's wording has at most %(n)d characters.", n=CHOICE_LABEL_MAX),
                            self.form.choices.name)
        filters = {key: str(value) for key, value in element.items()
                   if key not in CHOICE_KEYS and not key.startswith("label") and isinstance(value, str | int | float)}
        return FormChoice(code, labels, filters)

    def check_texts(self, texts: dict[str, dict[str, str]], row: int) -> None:
        for language, parts in texts.items():
            for part, text in parts.items():
                if len(text) > TEXT_LIMITS[part]:
                    self.report(row, self.column(part, language),
                                _("A question holds at most %(n)d characters.", n=MAX_LABEL_CHARS)
                                if part == "label" else
                                _("A hint holds at most %(n)d characters.", n=MAX_HINT_CHARS))

    def check_spec(self, spec: QuestionSpec, row: int, list_name: str) -> None:
        """The portal's own checks of a question: its code, wording, choices, and its kind across versions."""
        try:
            building.check_question(spec, self.taken)
            building.check_kind(self.survey, self.version, spec.code, spec.kind, (spec.min_value, spec.max_value))
        except SurveyError as error:
            if error.field == "choices" and list_name:
                self.report(self.form.first_choice_row(list_name), self.form.choices.column("name"), str(error),
                            self.form.choices.name)
            else:
                column = ERROR_COLUMNS.get(error.field or "", "type")
                self.report(row, self.column(column, self.source if column == "label" else None), str(error))

    def check_expressions(self) -> None:
        """Every expression must be one the portal evaluates, on the form's questions."""
        names = self.names
        for question in self.plan.questions:
            spec = question.spec
            for column, expression in (("relevant", spec.relevant), ("constraint", spec.constraint_rule),
                                       ("required", spec.required_rule), ("calculation", spec.calculation),
                                       ("choice_filter", spec.choice_filter)):
                self.check_expression(expression, names, question.row, column)
        for group in self.plan.groups:
            self.check_expression(group.relevant, names, group.row, "relevant")

    def check_expression(self, expression: str | None, names: set[str], row: int, column: str) -> None:
        if not expression:
            return
        try:
            logic.check_expression(expression, names)
        except logic.ExpressionError as error:
            self.report(row, self.column(column), str(error))

