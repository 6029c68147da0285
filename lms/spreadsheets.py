"""Cells that spreadsheets must show as text: user-typed names and labels may start like a formula.

One rule decides what looks like a formula (``FORMULA_STARTS``, OWASP's CSV injection list). A CSV cell is
made inert by an apostrophe before it (the report downloads); an XLSX cell is written as a string with
Excel's quote prefix, so that its text stays exactly as typed (an XLSForm label must reach ODK unchanged)
and editing it in a spreadsheet does not turn it into a formula either.
"""
from __future__ import annotations

#: A cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def inert(value):
    """Text that a spreadsheet shows as text, for CSV and for the report downloads: "'" before a formula."""
    return "'" + value if looks_like_formula(value) else value


def append_text_row(worksheet, values: list) -> None:
    """Append a row to an openpyxl worksheet; text that looks like a formula stays text, unchanged."""
    worksheet.append(values)
    for cell in worksheet[worksheet.max_row]:
        if looks_like_formula(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
