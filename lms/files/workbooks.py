"""Downloads of several tables at once: one XLSX workbook (a cover sheet, then a sheet per table) or a zip of CSV
files (the cover, then a file per table), written from one list of sections.

A section is a table: a title, its columns (each with a kind: text, a count, a share, a date...) and its rows.
The kind decides how a value is written: in the workbook a count is a number with a thousands format, a share a
number with a percent format, a month a date shown as a month, a moment a date and time; in a CSV file the same
values as plain text (a share in whole percent, its column saying so). ``None`` is a figure not shown: an empty
cell, which the cover explains. Text typed by users is made inert (lms/files/spreadsheets.py); sheets read right
to left in a right-to-left language. The workbook is written with XlsxWriter, every text as text (never a formula or
a link, whatever it starts with).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _

from lms.files.spreadsheets import inert, looks_like_formula

#: Kinds of column. TEXT is the portal's own words; USER_TEXT was typed by someone (names, titles): made inert.
TEXT, USER_TEXT = "text", "user_text"
#: A whole count; a share or rate (0-1); a mean with one decimal; whole points (quiz scores); a change.
COUNT, SHARE, DECIMAL, WHOLE, CHANGE, CHANGE_WHOLE, CHANGE_POINTS = (
    "count", "share", "decimal", "whole", "change", "change_whole", "change_points")
#: A month (a date, its first day); a day; a moment (UTC).
MONTH, DAY, MOMENT = "month", "day", "moment"

NUMBER_FORMATS = {COUNT: "#,##0", SHARE: "0%", DECIMAL: "0.0", WHOLE: "0", CHANGE: "+0.0;-0.0;0.0",
                  CHANGE_WHOLE: "+0;-0;0", MONTH: "mmm yyyy", DAY: "yyyy-mm-dd", MOMENT: "yyyy-mm-dd hh:mm"}
#: What a sheet's name may not hold (Excel's rule), and its longest length.
FORBIDDEN_IN_NAMES = re.compile(r"[\[\]:*?/\\]")
NAME_LENGTH = 31


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = TEXT


@dataclass(frozen=True)
class Typed:
    """A value whose kind is not its column's (a mean in a column of shares and means)."""

    value: object
    kind: str


@dataclass
class Section:
    """One table: ``key`` names its CSV file (stable, never translated), ``name`` its sheet (short, translated)."""

    key: str
    name: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)


@dataclass
class Cover:
    """The first sheet: a title, then lines of a label and its values (text, dates, moments), then the contents."""

    title: str
    lines: list[tuple[str, list]]
    generated_at: datetime
    right_to_left: bool = False


def kind_of(value, column: Column) -> tuple[object, str]:
    return (value.value, value.kind) if isinstance(value, Typed) else (value, column.kind)


def points_format() -> str:
    """A change of shares in percentage points, with the word "points" in the reader's language."""
    word = _("points").replace('"', "")
    return f'+0" {word}";-0" {word}";0" {word}"'


def sheet_names(sections: list[Section], cover: str) -> list[str]:
    """A name per sheet, the cover's first: no character Excel refuses, at most 31 long, all different."""
    taken: set[str] = set()
    found = []
    for wanted in [cover, *(s.name for s in sections)]:
        base = FORBIDDEN_IN_NAMES.sub(" ", wanted).strip(" '") or "-"
        name, number = base[:NAME_LENGTH], 1
        while name.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            name = base[:NAME_LENGTH - len(suffix)] + suffix
        taken.add(name.casefold())
        found.append(name)
    return found


class Formats:
    """The workbook's cell formats (XlsxWriter's: one per combination used), made as they are first needed."""

    def __init__(self, book) -> None:
        self.book, self.made, self.unstyled = book, {}, {}

    def get(self, **properties):
        key = tuple(sorted(properties.items()))
        if key not in self.made:
            self.made[key] = self.book.add_format(properties)
        return self.made[key]

    def of_value(self, value, kind: str, style: dict):
        """The format of a number or date of this kind with ``style`` (None for none); without a style, found once
        per kind and type of value (a report's workbook writes thousands of cells)."""
        if style:
            return self.get(**{**style, **value_format(value, kind)})
        key = (kind, type(value))
        if key not in self.unstyled:
            number_format = value_format(value, kind)
            self.unstyled[key] = self.get(**number_format) if number_format else None
        return self.unstyled[key]


def value_format(value, kind: str) -> dict:
    """The number format a number or date of this kind is shown with, as format properties."""
    if kind in NUMBER_FORMATS:
        return {"num_format": NUMBER_FORMATS[kind]}
    if kind == CHANGE_POINTS:
        return {"num_format": points_format()}
    if isinstance(value, datetime):
        return {"num_format": NUMBER_FORMATS[MOMENT]}
    if isinstance(value, date):
        return {"num_format": NUMBER_FORMATS[DAY]}
    return {}


def write_cell(sheet, formats: Formats, row: int, column: int, value, kind: str, **style) -> None:
    """A value as its kind says (rows and columns from 0); ``style``: format properties (bold, wrapping). A text is
    always written as text, never as a formula or a link; one that would start a formula keeps a quote prefix."""
    if value is None:
        if style:
            sheet.write_blank(row, column, None, formats.get(**style))
        return
    if kind == USER_TEXT:
        value = inert(value)
    if isinstance(value, str):
        if looks_like_formula(value):
            style["quote_prefix"] = True
        sheet.write_string(row, column, value, formats.get(**style) if style else None)
        return
    if kind == MONTH and isinstance(value, date):
        value = value.replace(day=1)
    cell_format = formats.of_value(value, kind, style)
    if isinstance(value, date):  # a datetime too
        sheet.write_datetime(row, column, value, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value, cell_format)
    else:
        sheet.write_number(row, column, value, cell_format)


def as_xlsx(cover: Cover, sections: list[Section]) -> io.BytesIO:
    """The workbook: the cover, then a sheet per section with its title, its header and its rows (XlsxWriter: a
    third of openpyxl's time for a report's fifteen sheets)."""
    import xlsxwriter

    data = io.BytesIO()
    book = xlsxwriter.Workbook(data, {"in_memory": True, "remove_timezone": True, "strings_to_numbers": False,
                                      "strings_to_formulas": False, "strings_to_urls": False})
    formats = Formats(book)
    names = sheet_names(sections, _("About this workbook"))
    write_cover(book.add_worksheet(names[0]), formats, cover, list(zip(names[1:], sections, strict=True)))
    for name, section in zip(names[1:], sections, strict=True):
        sheet = book.add_worksheet(name)
        if cover.right_to_left:
            sheet.right_to_left()
        write_cell(sheet, formats, 0, 0, section.title, TEXT, bold=True)
        for index, column in enumerate(section.columns):
            write_cell(sheet, formats, 1, index, column.title, TEXT, bold=True)
            sheet.set_column(index, index, 32 if index == 0 else max(12, min(len(column.title) + 2, 28)))
        for number, row in enumerate(section.rows, start=2):
            for index, (value, column) in enumerate(zip(row, section.columns, strict=True)):
                write_cell(sheet, formats, number, index, *kind_of(value, column))
        sheet.freeze_panes(2, 1)
    book.set_properties({"title": cover.title, "created": cover.generated_at.replace(tzinfo=None)})
    book.close()
    data.seek(0)
    return data


def write_cover(sheet, formats: Formats, cover: Cover, contents: list[tuple[str, Section]]) -> None:
    if cover.right_to_left:
        sheet.right_to_left()
    write_cell(sheet, formats, 0, 0, cover.title, USER_TEXT, bold=True, font_size=14)
    row = 1
    for label, values in [*cover.lines, (_("Generated (UTC)"), [cover.generated_at.replace(tzinfo=None)])]:
        row += 1
        write_cell(sheet, formats, row, 0, label, TEXT, bold=True)
        for index, value in enumerate(values, start=1):
            write_cell(sheet, formats, row, index, value, cover_kind(value), text_wrap=True, valign="top")
    row += 2
    write_cell(sheet, formats, row, 0, _("Contents"), TEXT, bold=True)
    for name, section in contents:
        row += 1
        write_cell(sheet, formats, row, 0, name, TEXT)
        write_cell(sheet, formats, row, 1, section.title, TEXT)
    for column, width in ((0, 32), (1, 60), (2, 16)):
        sheet.set_column(column, column, width)


def cover_kind(value) -> str:
    if isinstance(value, datetime):
        return MOMENT
    return DAY if isinstance(value, date) else USER_TEXT


def csv_value(value, kind: str) -> str:
    """A value in a CSV file: numbers as numbers (a share in whole percent), days and months in ISO 8601."""
    if value is None:
        return ""
    if kind == USER_TEXT or isinstance(value, str):
        return inert(value)
    if kind == SHARE:
        return str(round(100 * value))
    if kind == MONTH:
        return f"{value:%Y-%m}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if kind in (CHANGE, CHANGE_WHOLE, CHANGE_POINTS) and value > 0:
        return f"+{value}"
    return str(value)


def csv_cell(value, column: Column) -> str:
    """A value under its column; a share in a column of other kinds says it is in percent."""
    value, kind = kind_of(value, column)
    text = csv_value(value, kind)
    return f"{text}%" if kind == SHARE and column.kind != SHARE and text else text


def csv_header(column: Column) -> str:
    return _("%(rate)s (%%)", rate=column.title) if column.kind == SHARE else inert(column.title)


def csv_file(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the accents right; LibreOffice ignores it."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_zip(cover: Cover, sections: list[Section]) -> io.BytesIO:
    """A zip of CSV files: ``00-about.csv`` (the cover), then ``01-<key>.csv``... one per section."""
    front = [[inert(cover.title)]] + [
        [inert(label), *(csv_value(v, cover_kind(v)) for v in values)]
        for label, values in [*cover.lines, (_("Generated (UTC)"), [cover.generated_at])]]
    front += [[], [_("Contents")]] + [[f"{i:02d}-{s.key}.csv", s.title] for i, s in enumerate(sections, start=1)]
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("00-about.csv", csv_file(front))
        for index, section in enumerate(sections, start=1):
            rows = [[section.title], [csv_header(c) for c in section.columns]]
            rows += [[csv_cell(value, column) for value, column in zip(row, section.columns, strict=True)]
                     for row in section.rows]
            archive.writestr(f"{index:02d}-{section.key}.csv", csv_file(rows))
    data.seek(0)
    return data
