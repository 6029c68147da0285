"""XLSForm in and out, so that field teams can collect offline with ODK Collect or KoboToolbox.

Import: pyxform checks the form first; then the survey, choices and settings sheets become a
survey with its first version published. Export: the published version (else the draft) with
every language in ``label::Language (code)`` columns, which pyxform converts and ODK Validate accepts.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

from babel import Locale
from flask_babel import force_locale, format_number
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.files.spreadsheets import append_text_row, present_rows
from lms.files.uploads import XLSX, NotAZip, UnreadableEntry, UploadRefused, check_zip
from lms.i18n import UI_LANGUAGES, current_language, language_name, pick_string, pick_text
from lms.models import Survey, User
from lms.permissions import can_edit_survey
from lms.surveys import building
from lms.surveys.building import FIXED_CHOICE_LABELS, QuestionSpec, SurveyError

#: Question types the portal asks; metadata and layout rows of a form are passed over.
SKIPPED_TYPES = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
                 "email", "audit", "begin_group", "end_group", "begin group", "end group", "note", "calculate"}
FIXED_LISTS = {"likert": "likert5", "yes_no": "yes_no"}
LANGUAGE_COLUMN = re.compile(r"^(label|hint)(?:::(.+?))?$")
LANGUAGE_CODE = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})?)\)\s*$")
BOUND = re.compile(r"\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)")


class XLSFormError(ValueError):
    """The form cannot be imported; each problem names sheet, row and column where there is one."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def where(sheet: str, row: int | None = None, column: str | None = None) -> str:
    if row is not None and column:
        return _("sheet %(sheet)s, row %(row)d, column %(column)s", sheet=sheet, row=row, column=column)
    if row is not None:
        return _("sheet %(sheet)s, row %(row)d", sheet=sheet, row=row)
    return _("sheet %(sheet)s", sheet=sheet)


def fail(filename: str, place: str, reason: str) -> XLSFormError:
    return XLSFormError(_("%(file)s, %(place)s: %(reason)s", file=filename, place=place, reason=reason))


def read_sheet(workbook, name: str, filename: str, required: bool = True) -> list[dict]:
    """Rows of a sheet as dicts keyed by the header, each with its spreadsheet row number under "_row"."""
    if name not in workbook.sheetnames:
        if required:
            raise fail(filename, where(name), _("the sheet is missing."))
        return []
    rows = present_rows(workbook[name])  # the rows present, not the 1,048,576 a file may declare
    number, values = next(rows, (0, ()))
    header = [str(h).strip() if h is not None else "" for h in values] if number == 1 else []
    found = []
    for number, values in rows:
        record = {h: ("" if v is None else str(v).strip()) for h, v in zip(header, values, strict=False) if h}
        if any(record.values()):
            found.append({**record, "_row": number})
            if len(found) > MAX_ROWS:  # enough to refuse: read no further
                break
    return found


def language_of(column_language: str | None, default: str, filename: str, sheet: str, column: str) -> str:
    """``French (fr)`` -> ``fr``; a bare name (``French``, ``Français``) is looked up in CLDR."""
    if column_language is None:
        return default
    match = LANGUAGE_CODE.search(column_language)
    if match:
        return match.group(1).replace("_", "-")
    code = language_names().get(column_language.strip().casefold())
    if code is None:
        raise fail(filename, where(sheet, 1, column),
                   _("give the language with its code, for example label::French (fr)."))
    return code


@cache
def language_names() -> dict[str, str]:
    """Language names in English and in the interface languages themselves -> language code."""
    names = {name.casefold(): code for code, name in Locale("en").languages.items() if "_" not in code}
    for code in UI_LANGUAGES:
        names[Locale.parse(code).get_display_name(code).casefold()] = code
    return names


def texts_by_language(row: dict, field: str, default: str, filename: str, sheet: str) -> dict[str, str]:
    texts = {}
    for column, value in row.items():
        match = LANGUAGE_COLUMN.match(column)
        if match and match.group(1) == field and value:
            texts[language_of(match.group(2), default, filename, sheet, column)] = value
    return texts


def import_xlsform(stream: BinaryIO, filename: str, *, creator: User | None, privacy: str = "anonymous",
                   subject: str = "participant") -> Survey:
    """A survey from an XLSForm, published; all or nothing.

    A form whose ``form_id`` is the code of a survey the importer may edit (``creator`` None: the command line)
    becomes that survey's next version, its questions in place of the published ones; every code keeps the
    type it has in the survey's other versions. Every problem is reported at once, with its sheet, row and
    column, and nothing is written if there is one.
    """
    data = stream.read()
    filename = Path(filename).name
    try:
        check_zip(data, XLSX)
    except (NotAZip, UnreadableEntry):
        raise XLSFormError(_("%(file)s is not an XLSForm spreadsheet (.xlsx).", file=filename)) from None
    except UploadRefused as refused:
        raise XLSFormError(_("%(file)s: %(reason)s", file=filename, reason=str(refused))) from None
    try:
        convert(xlsform=io.BytesIO(data), warnings=[], file_type=".xlsx")
    except PyXFormError as error:
        raise XLSFormError(_("%(file)s: pyxform refuses the form: %(reason)s", file=filename, reason=str(error))) \
            from None
    except Exception:  # anything pyxform cannot read is not an XLSForm
        raise XLSFormError(_("%(file)s is not an XLSForm spreadsheet (.xlsx).", file=filename)) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        settings = (read_sheet(workbook, "settings", filename, required=False) or [{}])[0]
        rows = read_sheet(workbook, "survey", filename)
        choices = read_sheet(workbook, "choices", filename, required=False)
    except XLSFormError:
        raise
    except Exception:  # pyxform read it, but a part of it cannot be read again
        raise XLSFormError(_("%(file)s is not an XLSForm spreadsheet (.xlsx).", file=filename)) from None
    if len(rows) > MAX_ROWS:
        raise fail(filename, where("survey"), _("the form has more than %(n)s rows.", n=format_number(MAX_ROWS)))
    default = language_of(settings.get("default_language") or None, "en", filename, "settings", "default_language") \
        if settings.get("default_language") else None
    languages = {lang for row in rows for lang in texts_by_language(row, "label", "", filename, "survey") if lang}
    source = default or ("en" if "en" in languages or not languages else sorted(languages)[0])
    lists: dict[str, list[dict]] = {}
    for row in choices:
        lists.setdefault(row.get("list_name", ""), []).append(row)
    code = settings.get("form_id") or re.sub(r"[^A-Za-z0-9_]", "_", Path(filename).stem)
    survey = target_survey(code, settings.get("form_title") or code, source, filename, creator=creator,
                           privacy=privacy, subject=subject)
    version = building.blank_version(survey)
    problems, questions, taken = [], [], set()
    for row in rows:
        try:
            found = row_question(row, lists, survey.source_language, filename)
        except XLSFormError as error:
            problems.extend(error.problems)
            continue
        if found is None:
            continue
        try:
            building.check_question(found.spec, taken)
            building.check_kind(survey, version, found.spec.code, found.spec.kind,
                                (found.spec.min_value, found.spec.max_value))
        except SurveyError as error:
            problems.append(str(fail(filename, place_of(error, row, found), str(error))))
            continue
        taken.add(found.spec.code)
        questions.append(found)
    if problems:
        raise XLSFormError(problems)
    if not questions:
        raise fail(filename, where("survey"), _("the form has no question the portal can ask."))
    for found in questions:
        add_question(survey, found)
    try:
        building.publish(survey)
    except SurveyError as error:  # the form as a whole: an indicator counts a code or choice it no longer has
        raise XLSFormError(_("%(file)s: %(reason)s", file=filename, reason=str(error))) from None
    return survey


#: More rows than any survey asked on a phone: a bigger form is refused before anything is checked.
MAX_ROWS = 1000


def target_survey(code: str, title: str, source: str, filename: str, *, creator: User | None, privacy: str,
                  subject: str) -> Survey:
    """The survey the form becomes a version of: a new one, or the one with its code that ``creator`` may edit."""
    existing = db.session.scalar(select(Survey).where(Survey.code == code))
    if existing is not None and (creator is None or can_edit_survey(creator, existing)):
        if existing.draft_version is not None:
            raise fail(filename, where("settings", 2, "form_id"),
                       _("the survey %(code)s has changes that are not published: publish or discard them first.",
                         code=code))
        if source != existing.source_language:
            raise fail(filename, where("settings", 2, "default_language"),
                       _("the survey %(code)s is written in %(language)s: its form must be too.", code=code,
                         language=language_name(existing.source_language, current_language())))
        return existing
    try:
        return building.create_survey(code=code, title=title, description="", language=source, privacy=privacy,
                                      subject=subject, creator=creator)
    except SurveyError as error:
        column = "form_title" if error.field == "title" else "form_id"
        raise fail(filename, where("settings", 2, column), str(error)) from None


@dataclass
class FormQuestion:
    """A row of the survey sheet, read: the question, its texts in every language and its choices' rows."""

    row: int
    spec: QuestionSpec
    labels: dict[str, str]
    hints: dict[str, str]
    choice_rows: list[dict]
    #: Each choice's wording per language, in the order of ``choice_rows``.
    choice_labels: list[dict[str, str]]


def row_question(row: dict, lists: dict[str, list[dict]], source: str, filename: str) -> FormQuestion | None:
    """The question a row asks; None for the rows the portal passes over (metadata, groups, notes)."""
    number = row["_row"]
    kind_text = " ".join(row.get("type", "").split())
    base, _space, list_name = kind_text.partition(" ")
    if kind_text in SKIPPED_TYPES or base in SKIPPED_TYPES:
        return None
    if base in ("integer", "decimal"):
        kind = "number"
    elif base == "text":
        kind = "text"
    elif base in ("select_one", "select_multiple"):
        codes = [c.get("name", "") for c in lists.get(list_name, [])]
        if base == "select_one" and list_name == "likert5" and codes == list(building.fixed_choice_codes("likert")):
            kind = "likert"
        elif base == "select_one" and list_name == "yes_no" and codes == ["yes", "no"]:
            kind = "yes_no"
        else:
            kind = "single" if base == "select_one" else "multiple"
    else:
        raise fail(filename, where("survey", number, "type"),
                   _("the question type “%(type)s” is not supported.", type=kind_text))
    labels = texts_by_language(row, "label", source, filename, "survey")
    hints = texts_by_language(row, "hint", source, filename, "survey")
    low = high = None
    for operator, value in BOUND.findall(row.get("constraint", "")):
        if operator == ">=":
            low = float(value)
        else:
            high = float(value)
    choice_rows = lists.get(list_name, []) if kind in ("single", "multiple") else []
    choice_labels = [texts_by_language(c, "label", source, filename, "choices") for c in choice_rows]
    spec = QuestionSpec(
        code=row.get("name", ""), kind=kind, label=labels.get(source) or row.get("name", ""),
        hint=hints.get(source, ""), required=row.get("required", "").lower() in ("yes", "true", "true()", "1"),
        min_value=low, max_value=high,
        choices=[(c.get("name", ""), texts.get(source) or c.get("name", ""))
                 for c, texts in zip(choice_rows, choice_labels, strict=True)])
    return FormQuestion(number, spec, labels, hints, choice_rows, choice_labels)


#: The column of the survey sheet that holds each part of a question.
COLUMNS = {"code": "name", "kind": "type", "label": "label", "min_value": "constraint"}


def place_of(error: SurveyError, row: dict, found: FormQuestion) -> str:
    """Where a question's problem is: its row and column, or the rows of its choices."""
    if error.field == "choices" and found.choice_rows:
        return where("choices", found.choice_rows[0]["_row"], "name")
    return where("survey", row["_row"], COLUMNS.get(error.field or "", "type"))


def add_question(survey: Survey, found: FormQuestion) -> None:
    """The question in the survey's language, and its translations (any other language of the form)."""
    source = survey.source_language
    question = building.add_question(survey, found.spec)
    source_text = next(t for t in question.texts if t.language == source)
    for language, label in found.labels.items():
        # An export fills an untranslated column with the source text: that is no translation.
        if language != source and label != source_text.label:
            building.set_question_text(question, language, label, found.hints.get(language, ""), source=source_text)
    for choice, labels in zip(question.choices, found.choice_labels, strict=True):
        for language, label in labels.items():
            if language != source and label != labels.get(source):
                building.set_choice_text(choice, language, label)


def column_language(code: str) -> str:
    """``English (en)``: the form the XLSForm spec asks for in ``label::`` columns."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name("en")
    except (ValueError, LookupError):
        name = code
    return f"{name} ({code})"


def export_xlsform(survey: Survey) -> io.BytesIO:
    """The survey as an XLSForm workbook, every language of it in its own columns."""
    version = building.current_version(survey)
    languages = sorted({t.language for q in version.questions for t in q.texts} | {survey.source_language},
                       key=lambda lang: (lang != survey.source_language, lang))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    labels = [f"label::{column_language(lang)}" for lang in languages]
    hints = [f"hint::{column_language(lang)}" for lang in languages]
    append_text_row(sheet, ["type", "name", *labels, *hints, "required", "constraint"])
    choices = workbook.create_sheet("choices")
    append_text_row(choices, ["list_name", "name", *labels])
    written_lists: set[str] = set()
    for question in version.questions:
        list_name = FIXED_LISTS.get(question.kind, f"{question.code}_choices")
        kind = {"single": f"select_one {list_name}", "likert": f"select_one {list_name}",
                "yes_no": f"select_one {list_name}", "multiple": f"select_multiple {list_name}",
                "number": "decimal", "text": "text"}[question.kind]
        texts = [pick_text(question.texts, lang, survey.source_language) for lang in languages]
        bounds = [f". >= {number_text(question.min_value)}" if question.min_value is not None else "",
                  f". <= {number_text(question.max_value)}" if question.max_value is not None else ""]
        append_text_row(sheet, [kind, question.code, *[t.row.label for t in texts], *[t.row.hint for t in texts],
                                "yes" if question.required else "", " and ".join(b for b in bounds if b)])
        if list_name in written_lists or question.kind in ("number", "text"):
            continue
        written_lists.add(list_name)
        for code in question.choice_codes:
            append_text_row(choices, [list_name, code,
                                      *[choice_text(survey, question, code, lang) for lang in languages]])
    settings = workbook.create_sheet("settings")
    append_text_row(settings, ["form_id", "form_title", "version", "default_language"])
    title = pick_string(survey.translations, survey.source_language, survey.source_language, "title")
    stamp = f"{version.number}.{(version.published_at or clock.utcnow()):%Y%m%d%H%M}"
    append_text_row(settings, [survey.code, title, stamp, column_language(survey.source_language)])
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    return data


def choice_text(survey: Survey, question, code: str, language: str) -> str:
    if (question.kind, code) in FIXED_CHOICE_LABELS:
        with force_locale(language):
            return str(FIXED_CHOICE_LABELS[(question.kind, code)])
    choice = next(c for c in question.choices if c.code == code)
    return pick_string(choice.texts, language, survey.source_language, "label")


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
