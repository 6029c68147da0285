"""Reading a form file the way pyxform does: its own reader for .xlsx and .xls, its own parser, after checks
that bound what reading the upload may cost. The sheets' rows are kept to say where each problem is."""
from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field

import xlrd
from flask_babel import format_number
from flask_babel import gettext as _
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import DefinitionData, get_xlsform
from pyxform.xls2xform import convert

from lms.files.uploads import MB, XLSX, NotAZip, UnreadableEntry, UploadRefused, check_zip
from lms.surveys.xlsform.problems import XLSFormError, fail, problem, where

#: More rows than any survey asked on a phone: a bigger form is refused before anything is checked.
MAX_ROWS = 1000
#: More choices than the longest list of villages a form needs; each is checked and stored.
MAX_CHOICE_ROWS = 10_000
#: Choices times the languages they are worded in: 10,000 choices in 12 languages took longer than gunicorn's
#: timeout to import and to export (outside tester).
MAX_CHOICE_WORDINGS = 30_000
#: An .xls file (OLE2) is read whole by xlrd, every row of a sheet as wide as its widest: its size and the cells
#: its sheets declare are checked first.
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XLS_MAX_BYTES = 16 * MB
XLS_MAX_CELLS = 1_000_000
#: Columns that KoboToolbox also reads with one colon before the language (``label:English``); pyxform needs two.
ONE_COLON = re.compile(r"^\s*(label|hint|guidance_hint|constraint_message|required_message|image|audio|video|"
                       r"big-image)\s*:(?!:)\s*(\S.*)$", re.IGNORECASE)
#: Other spellings of the columns that problems name (pyxform's aliases), after lower case and "_" for spaces.
HEADER_ALIASES = {"relevance": "relevant", "constraining_message": "constraint_message",
                  "jr:constraintmsg": "constraint_message", "requiredmsg": "required_message",
                  "jr:requiredmsg": "required_message", "calculate": "calculation", "caption": "label",
                  "command": "type", "tag": "name", "value": "name", "set_form_id": "form_id",
                  "set_form_title": "form_title"}
#: pyxform's errors say where they are so.
PYXFORM_ROW = re.compile(r"^\s*\[row\s*:\s*(\d+)\]\s*")
PYXFORM_SHEET = re.compile(r"On the '(\w+)' sheet")


def canonical(header: str) -> tuple[str, str | None]:
    """(field, language as written or None) of a column header: ``Label::Français (fr)`` -> label, Français (fr)."""
    base, _sep, language = header.partition("::")
    base = "_".join(base.strip().lower().split())
    return HEADER_ALIASES.get(base, base), language.strip() or None


@dataclass
class Sheet:
    """One sheet of the form, as pyxform reads it: row ``i`` of ``rows`` is the spreadsheet's row ``i + 2``."""

    name: str
    rows: list[dict]
    headers: list[str]
    #: A header as pyxform reads it -> as the file writes it (``label::English`` <- ``label:English``).
    written: dict[str, str] = field(default_factory=dict)

    def key(self, wanted: str) -> str | None:
        return next((h for h in self.headers if canonical(h)[0] == wanted), None)

    def column(self, wanted: str, language: str | None = None) -> str:
        """The header of a field (in one language, as pyxform names it), as the file writes it."""
        for header in self.headers:
            if canonical(header) == (wanted, language):
                return self.written.get(header, header)
        return self.column(wanted) if language is not None else wanted

    def value(self, row: dict, wanted: str) -> str:
        key = self.key(wanted)
        return str(row.get(key) or "").strip() if key else ""


@dataclass
class Form:
    """A form file read: its sheets, and pyxform's reading of it (``definition``)."""

    filename: str
    file_type: str
    definition: DefinitionData
    survey: Sheet
    choices: Sheet
    settings: dict[str, str]
    _names: dict[str, int] | None = None
    _choices: dict[tuple[str, str], int] | None = None

    def row_of(self, name: str) -> int | None:
        """The spreadsheet row of the survey sheet's element with this name (the first, if several)."""
        if self._names is None:
            self._names = {}
            for index, row in enumerate(self.survey.rows):
                self._names.setdefault(self.survey.value(row, "name"), index + 2)
        return self._names.get(name)

    def choice_row(self, list_name: str, name: str) -> int | None:
        """The choices sheet's row of a choice (the first, if several): looked up, not searched, since a list of
        villages has thousands (a search per choice took minutes)."""
        if self._choices is None:
            self._choices = {}
            for index, row in enumerate(self.choices.rows):
                list_of = self.choices.value(row, "list_name")
                self._choices.setdefault((list_of, self.choices.value(row, "name")), index + 2)
                self._choices.setdefault((list_of, ""), index + 2)  # the list's first row
        return self._choices.get((list_name, name))

    def first_choice_row(self, list_name: str) -> int | None:
        return self.choice_row(list_name, "")


def not_a_form(filename: str) -> XLSFormError:
    return XLSFormError(_("%(file)s is not an XLSForm spreadsheet (.xlsx or .xls).", file=filename))


def read_form(data: bytes, filename: str) -> Form:
    """The form in ``data``, read by pyxform after the checks on what reading it may cost; refused if it is not a
    spreadsheet, or holds more than MAX_ROWS rows."""
    if data.startswith(OLE2):
        file_type = ".xls"
        check_xls(data, filename)
    else:
        file_type = ".xlsx"
        try:
            check_zip(data, XLSX)
        except (NotAZip, UnreadableEntry):
            raise not_a_form(filename) from None
        except UploadRefused as refused:
            raise XLSFormError(_("%(file)s: %(reason)s", file=filename, reason=str(refused))) from None
    try:
        definition = get_xlsform(data, file_type=file_type)
    except PyXFormError as error:
        if "Duplicate column header" in str(error):
            raise XLSFormError(_("%(file)s: pyxform refuses the form: %(reason)s", file=filename,
                                 reason=str(error))) from None
        raise not_a_form(filename) from None
    except Exception:  # anything pyxform cannot read is not an XLSForm
        raise not_a_form(filename) from None
    sheets = {name.lower(): name for name in definition.sheet_names or ()}
    survey = prepare(definition, "survey", sheets)
    if len(survey.rows) > MAX_ROWS:
        raise fail(filename, where(survey.name), _("the form has more than %(n)s rows.", n=format_number(MAX_ROWS)))
    choices = prepare(definition, "choices", sheets)
    if len(choices.rows) > MAX_CHOICE_ROWS:
        raise fail(filename, where(choices.name), _("the form has more than %(n)s choices.",
                                                    n=format_number(MAX_CHOICE_ROWS)))
    languages = max(1, sum(1 for header in choices.headers if canonical(header)[0] == "label"))
    if len(choices.rows) * languages > MAX_CHOICE_WORDINGS:  # before any of it is mapped (that took seconds)
        raise fail(filename, where(choices.name), _(
            "the form's choices have %(n)s wordings in all (a choice in each language), more than %(max)s: offer "
            "fewer choices, or fewer languages.", n=format_number(len(choices.rows) * languages),
            max=format_number(MAX_CHOICE_WORDINGS)))
    settings_sheet = prepare(definition, "settings", sheets)
    settings = {canonical(key)[0]: str(value).strip() for key, value in (settings_sheet.rows or [{}])[0].items()
                if value is not None}
    return Form(filename, file_type, definition, survey, choices, settings)


def prepare(definition: DefinitionData, sheet: str, names: dict[str, str]) -> Sheet:
    """A sheet's rows and headers, with one-colon language columns renamed as pyxform reads them (``label::``)."""
    rows = getattr(definition, sheet) or []
    header_rows = getattr(definition, f"{sheet}_header") or []
    headers = list(header_rows[0]) if header_rows else []
    renamed = {}
    for header in headers:
        match = ONE_COLON.match(header)
        if match:
            renamed[header] = f"{match.group(1)}::{match.group(2).strip()}"
    if renamed:
        rows = [{renamed.get(key, key): value for key, value in row.items()} for row in rows]
        headers = [renamed.get(h, h) for h in headers]
        setattr(definition, sheet, rows)
        setattr(definition, f"{sheet}_header", [{h: None for h in headers}])
    return Sheet(names.get(sheet, sheet), rows, headers, {new: old for old, new in renamed.items()})


def check_xls(data: bytes, filename: str) -> None:
    """An .xls file costs what its sheets declare to read: refused above XLS_MAX_BYTES or XLS_MAX_CELLS a sheet."""
    if len(data) > XLS_MAX_BYTES:
        raise XLSFormError(_("%(file)s is too large: an .xls form holds at most %(n)s MB.", file=filename,
                             n=format_number(XLS_MAX_BYTES // MB)))
    try:
        # Rows of their own length (ragged) and one sheet at a time: this reading costs what the file holds.
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True)
        try:
            for index in range(book.nsheets):
                sheet = book.sheet_by_index(index)
                if sheet.nrows * sheet.ncols > XLS_MAX_CELLS:
                    raise XLSFormError(_("%(file)s is too large: its sheet %(sheet)s spans more than %(n)s cells.",
                                         file=filename, sheet=sheet.name, n=format_number(XLS_MAX_CELLS)))
                book.unload_sheet(index)
        finally:
            book.release_resources()
    except XLSFormError:
        raise
    except Exception:  # xlrd's many ways of finding a file broken
        raise not_a_form(filename) from None


def parse(form: Form) -> dict:
    """pyxform's reading of the form (the tree of its elements), after all of pyxform's own checks.

    Raises XLSFormError with pyxform's reason and its row, when pyxform gives one.
    """
    data = {f.name: copy.deepcopy(getattr(form.definition, f.name)) for f in dataclasses.fields(DefinitionData)}
    try:
        return convert(xlsform=data, warnings=[], file_type=form.file_type)._pyxform
    except PyXFormError as error:
        raise XLSFormError(pyxform_problem(form, str(error))) from None
    except Exception:  # pyxform failing in its own code: the form is not one it can read
        raise not_a_form(form.filename) from None


def pyxform_problem(form: Form, message: str) -> str:
    """pyxform's reason, with its place (``[row : 3] On the 'choices' sheet ...``) as ours."""
    row = PYXFORM_ROW.match(message)
    reason = _("pyxform refuses the form: %(reason)s", reason=PYXFORM_ROW.sub("", message).strip())
    if row is None:
        return _("%(file)s: %(reason)s", file=form.filename, reason=reason)
    sheet = PYXFORM_SHEET.search(message)
    name = {"choices": form.choices.name}.get(sheet.group(1).lower(), sheet.group(1)) if sheet else form.survey.name
    return problem(form.filename, where(name, int(row.group(1))), reason)
