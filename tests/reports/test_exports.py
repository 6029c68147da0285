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
