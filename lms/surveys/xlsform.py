"""XLSForm in and out, so that field teams can collect offline with ODK Collect or KoboToolbox.

Import: pyxform checks the form first; then the survey, choices and settings sheets become a
survey with its first version published. Export: the published version (else the draft) with
every language in ``label::Language (code)`` columns, which pyxform converts and ODK Validate accepts.
"""
from __future__ import annotations

import io
import re
import zipfile
from functools import cache
from pathlib import Path
from typing import BinaryIO

from babel import Locale
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from lms.i18n import UI_LANGUAGES, pick_string, pick_text
from lms.models import Survey, User, utcnow
from lms.surveys import building
from lms.surveys.building import FIXED_CHOICE_LABELS, QuestionSpec, SurveyError

#: Question types the portal asks; metadata and layout rows of a form are passed over.
SKIPPED_TYPES = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
                 "email", "audit", "begin_group", "end_group", "begin group", "end group", "note", "calculate"}
FIXED_LISTS = {"likert": "likert5", "yes_no": "yes_no"}
LANGUAGE_COLUMN = re.compile(r"^(label|hint)(?:::(.+?))?$")
LANGUAGE_CODE = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)\)\s*$")
BOUND = re.compile(r"\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)")


class XLSFormError(ValueError):
    """The form cannot be imported; the message names sheet, row and column where there is one."""


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
    rows = workbook[name].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    found = []
    for number, values in enumerate(rows, start=2):
        record = {h: ("" if v is None else str(v).strip()) for h, v in zip(header, values, strict=False) if h}
        if any(record.values()):
            found.append({**record, "_row": number})
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
    """A survey from an XLSForm, its first version published; all or nothing."""
    data = stream.read()
    filename = Path(filename).name
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise XLSFormError(_("%(file)s is not an XLSForm spreadsheet (.xlsx).", file=filename))
    try:
        convert(xlsform=io.BytesIO(data), warnings=[], file_type=".xlsx")
    except PyXFormError as error:
        raise XLSFormError(_("%(file)s: pyxform refuses the form: %(reason)s", file=filename, reason=str(error))) \
            from None
    except Exception:  # noqa: BLE001 - anything pyxform cannot read is not an XLSForm
        raise XLSFormError(_("%(file)s is not an XLSForm spreadsheet (.xlsx).", file=filename)) from None
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    settings = (read_sheet(workbook, "settings", filename, required=False) or [{}])[0]
    default = language_of(settings.get("default_language") or None, "en", filename, "settings", "default_language") \
        if settings.get("default_language") else None
    rows = read_sheet(workbook, "survey", filename)
    choices = read_sheet(workbook, "choices", filename, required=False)
    languages = {lang for row in rows for lang in texts_by_language(row, "label", "", filename, "survey") if lang}
    source = default or ("en" if "en" in languages or not languages else sorted(languages)[0])
    lists: dict[str, list[dict]] = {}
    for row in choices:
        lists.setdefault(row.get("list_name", ""), []).append(row)
    code = settings.get("form_id") or re.sub(r"[^A-Za-z0-9_]", "_", Path(filename).stem)
    title = settings.get("form_title") or code
    try:
        survey = building.create_survey(code=code, title=title, description="", language=source, privacy=privacy,
                                        subject=subject, creator=creator)
    except SurveyError as error:
        raise fail(filename, where("settings", 2, "form_id"), str(error)) from None
    for row in rows:
        add_row(survey, row, lists, source, filename)
    if not survey.draft_version.questions:
        raise fail(filename, where("survey"), _("the form has no question the portal can ask."))
    building.publish(survey)
    return survey


def add_row(survey: Survey, row: dict, lists: dict[str, list[dict]], source: str, filename: str) -> None:
    number = row["_row"]
    kind_text = " ".join(row.get("type", "").split())
    base, _space, list_name = kind_text.partition(" ")
    if kind_text in SKIPPED_TYPES or base in SKIPPED_TYPES:
        return
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
    spec = QuestionSpec(
        code=row.get("name", ""), kind=kind, label=labels.get(source) or row.get("name", ""),
        hint=hints.get(source, ""), required=row.get("required", "").lower() in ("yes", "true", "true()", "1"),
        min_value=low, max_value=high,
        choices=[(c.get("name", ""), texts_by_language(c, "label", source, filename, "choices").get(source)
                  or c.get("name", "")) for c in choice_rows])
    try:
        question = building.add_question(survey, spec)
    except SurveyError as error:
        raise fail(filename, where("survey", number), str(error)) from None
    source_text = next(t for t in question.texts if t.language == source)
    for language, label in labels.items():
        # An export fills an untranslated column with the source text: that is no translation.
        if language != source and label != source_text.label:
            building.set_question_text(question, language, label, hints.get(language, ""), source=source_text)
    for choice, row_of_choice in zip(question.choices, choice_rows, strict=True):
        choice_labels = texts_by_language(row_of_choice, "label", source, filename, "choices")
        for language, label in choice_labels.items():
            if language != source and label != choice_labels.get(source):
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
    sheet.append(["type", "name", *labels, *hints, "required", "constraint"])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", *labels])
    written_lists: set[str] = set()
    for question in version.questions:
        list_name = FIXED_LISTS.get(question.kind, f"{question.code}_choices")
        kind = {"single": f"select_one {list_name}", "likert": f"select_one {list_name}",
                "yes_no": f"select_one {list_name}", "multiple": f"select_multiple {list_name}",
                "number": "decimal", "text": "text"}[question.kind]
        texts = [pick_text(question.texts, lang, survey.source_language) for lang in languages]
        bounds = [f". >= {number_text(question.min_value)}" if question.min_value is not None else "",
                  f". <= {number_text(question.max_value)}" if question.max_value is not None else ""]
        sheet.append([kind, question.code, *[t.row.label for t in texts], *[t.row.hint for t in texts],
                      "yes" if question.required else "", " and ".join(b for b in bounds if b)])
        if list_name in written_lists or question.kind in ("number", "text"):
            continue
        written_lists.add(list_name)
        for code in question.choice_codes:
            choices.append([list_name, code, *[choice_text(survey, question, code, lang) for lang in languages]])
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "form_title", "version", "default_language"])
    title = pick_string(survey.translations, survey.source_language, survey.source_language, "title")
    settings.append([survey.code, title, f"{version.number}.{(version.published_at or utcnow()):%Y%m%d%H%M}",
                     column_language(survey.source_language)])
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
