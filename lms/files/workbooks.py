"""Downloads of several tables at once: one XLSX workbook (a cover sheet, then a sheet per table) or a zip of CSV
files (the cover, then a file per table), written from one list of sections.

A section is a table: a title, its columns (each with a kind: text, a count, a share, a date...) and its rows.
The kind decides how a value is written: in the workbook a count is a number with a thousands format, a share a
number with a percent format, a month a date shown as a month, a moment a date and time; in a CSV file the same
values as plain text (a share in whole percent, its column saying so). ``None`` is a figure not shown: an empty
cell, which the cover explains. Text typed by users is made inert (lms/files/spreadsheets.py); sheets read right
to left in a right-to-left language.
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


def write_cell(sheet, row: int, column: int, value, kind: str):
    """A value as its kind says; a text that would start a formula stays text."""
    if kind == USER_TEXT:
        value = inert(value)
    if kind == MONTH and isinstance(value, date):
        value = value.replace(day=1)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        if looks_like_formula(value):
            cell.data_type, cell.quotePrefix = "s", True
    elif value is not None and kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]
    elif value is not None and kind == CHANGE_POINTS:
        cell.number_format = points_format()
    return cell


def as_xlsx(cover: Cover, sections: list[Section]) -> io.BytesIO:
    """The workbook: the cover, then a sheet per section with its title, its header and its rows."""
    # openpyxl (and numpy with it) is imported when a workbook is made: ~30 MB a web worker need not hold.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    names = sheet_names(sections, _("About this workbook"))
    front = book.active
    front.title = names[0]
    write_cover(front, cover, list(zip(names[1:], sections, strict=True)))
    for name, section in zip(names[1:], sections, strict=True):
        sheet = book.create_sheet(name)
        sheet.sheet_view.rightToLeft = cover.right_to_left
        write_cell(sheet, 1, 1, section.title, TEXT).font = Font(bold=True)
        for index, column in enumerate(section.columns, start=1):
            write_cell(sheet, 2, index, column.title, TEXT).font = Font(bold=True)
            sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = (
                32 if index == 1 else max(12, min(len(column.title) + 2, 28)))
        for number, row in enumerate(section.rows, start=3):
            for index, (value, column) in enumerate(zip(row, section.columns, strict=True), start=1):
                write_cell(sheet, number, index, *kind_of(value, column))
        sheet.freeze_panes = "B3"
    book.properties.title = cover.title
    book.properties.created = cover.generated_at.replace(tzinfo=None)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def write_cover(sheet, cover: Cover, contents: list[tuple[str, Section]]) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.sheet_view.rightToLeft = cover.right_to_left
    write_cell(sheet, 1, 1, cover.title, USER_TEXT).font = Font(bold=True, size=14)
    row = 2
    for label, values in [*cover.lines, (_("Generated (UTC)"), [cover.generated_at.replace(tzinfo=None)])]:
        row += 1
        write_cell(sheet, row, 1, label, TEXT).font = Font(bold=True)
        for index, value in enumerate(values, start=2):
            cell = write_cell(sheet, row, index, value, cover_kind(value))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    row += 2
    write_cell(sheet, row, 1, _("Contents"), TEXT).font = Font(bold=True)
    for name, section in contents:
        row += 1
        write_cell(sheet, row, 1, name, TEXT)
        write_cell(sheet, row, 2, section.title, TEXT)
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["C"].width = 16


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
