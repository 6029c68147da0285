"""Cells that spreadsheets must show as text: user-typed names and labels may start like a formula.

One rule decides what looks like a formula (``FORMULA_STARTS``, OWASP's CSV injection list). A CSV cell is
made inert by an apostrophe before it (the report downloads), and before any formula start that follows a
``;``, ``,``, tab or line break inside it: a spreadsheet opening the file with another separator than ours
(Excel in a ``;`` locale) splits the cell there, and each piece would start a formula. An XLSX cell is
written as a string with Excel's quote prefix, so that its text stays exactly as typed (an XLSForm label
must reach ODK unchanged) and editing it in a spreadsheet does not turn it into a formula either.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

#: A cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Where a spreadsheet may split a CSV cell, followed by the start of a formula.
SPLIT_FORMULA = re.compile(r"([;,\t\r\n] *)(?=[=+\-@])")
#: A text without any of these has nothing to make inert (most names and titles): one scan instead of two.
FORMULA_CHARACTERS = re.compile("[" + re.escape("".join(FORMULA_STARTS)) + "]")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def inert(value):
    """Text that a spreadsheet shows as text, for CSV and for the report downloads: "'" before a formula,
    at the start of the cell and wherever the cell may be split."""
    if not isinstance(value, str) or FORMULA_CHARACTERS.search(value) is None:
        return value
    value = SPLIT_FORMULA.sub(r"\1'", value)
    return "'" + value if looks_like_formula(value) else value


def append_text_row(worksheet, values: list) -> None:
    """Append a row to an openpyxl worksheet; text that looks like a formula stays text, unchanged."""
    # Each cell written by its place: ``worksheet[row]`` and ``max_row`` scan every cell of the sheet, so a sheet of
    # 10,000 rows took the square of that to write (outside tester: an XLSForm export past gunicorn's timeout).
    row = worksheet._current_row + 1
    for column, value in enumerate(values, start=1):
        cell = worksheet.cell(row=row, column=column, value=value)
        if looks_like_formula(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def present_rows(sheet) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of the rows an openpyxl read-only sheet actually holds, in order.

    openpyxl fills the gaps between the rows it finds, up to the last one: one cell written in row 1,048,576 of a
    16 KB file made it yield a million empty rows (and their cells up to the widest), seconds of work for nothing.
    This reads the sheet's XML as openpyxl's own reader does (``ReadOnlyWorksheet._cells_by_row``), without the
    filling, so the work follows what the file holds, which the upload checks bound (lms/files/uploads.py).
    """
    from openpyxl.worksheet._reader import WorkSheetParser  # openpyxl is imported when a sheet is read

    workbook = sheet.parent
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=workbook.data_only, epoch=workbook.epoch,
                                 date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
        for number, cells in parser.parse():
            yield number, tuple(sheet._get_row(cells, values_only=True))
