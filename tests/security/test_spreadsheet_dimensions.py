"""A real 16 KB XLSForm declaring 1,048,576 rows x 1,024 columns (pyxform's UCL_Biomass_Plot_Form.xlsx, outside
tester's finding 8): openpyxl filled every row up to the last one it found, 27 s of work before the form was
even checked. Sheets are now read by the rows they hold."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lms.files.spreadsheets import present_rows
from lms.surveys.response_import import read_rows
from lms.surveys.xlsform import XLSFormError, import_xlsform

FILES = Path(__file__).parent / "files"
DECLARING_A_MILLION_ROWS = FILES / "UCL_Biomass_Plot_Form.xlsx"


def test_only_the_rows_a_sheet_holds_are_read():
    workbook = load_workbook(DECLARING_A_MILLION_ROWS, read_only=True, data_only=True)
    survey = workbook["survey"]
    assert survey.max_row == 1_048_576 and survey.max_column == 1024  # what the file declares
    rows = list(present_rows(survey))
    numbers = [number for number, _values in rows]
    # The form's rows, then three empty ones the file holds at the very end: 101 rows, not a million.
    assert len(rows) == 101 and numbers[0] == 1 and numbers[-3:] == [1_048_574, 1_048_575, 1_048_576]
    assert numbers == sorted(set(numbers))


def test_the_form_is_checked_and_refused_for_what_it_asks_not_for_its_size(app_ctx):
    with pytest.raises(XLSFormError) as refused:
        import_xlsform(io.BytesIO(DECLARING_A_MILLION_ROWS.read_bytes()), "UCL_Biomass_Plot_Form.xlsx", creator=None)
    assert "row 16, column type" in str(refused.value) and "select_one_from_file" in str(refused.value)


def test_responses_in_such_a_sheet_are_read_by_their_rows(app_ctx):
    header, rows = read_rows(DECLARING_A_MILLION_ROWS.read_bytes(), "answers.xlsx", 5000)
    assert header[:2] == ["type", "name"]
    assert 1 < len(rows) < 1000 and rows[0][0] == 2
