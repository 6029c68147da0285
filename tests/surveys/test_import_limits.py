"""A response import holds a web worker for a bounded time: header cells and rows are counted, not trusted."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy import select

from lms.extensions import db
from lms.learn import services as learning
from lms.models import PooledResponse
from lms.surveys.response_columns import MAX_COLUMN_CHARS, question_of
from lms.surveys.response_import import ResponseImportError, import_responses
from tests.helpers import BUNDLED_COURSE


class CountingCodes(dict):
    """Question codes that count the characters of every name looked up in them."""

    looked_up = 0

    def __contains__(self, key):
        self.looked_up += len(key)
        return super().__contains__(key)


def test_matching_a_long_column_name_costs_its_length_not_its_square():
    codes = CountingCodes({"safe": 1, "about-age": 2})
    column = "-".join(["x"] * (MAX_COLUMN_CHARS // 2))  # the attack: x-x-x-... (130 KB took 18-30 s)
    assert question_of(column, codes) is None
    assert codes.looked_up <= 2 * len(column)
    assert question_of("group-about-age", codes) == "about-age" and question_of("a/b/safe", codes) == "safe"


def test_a_header_cell_longer_than_any_question_name_is_refused_naming_file_and_column(app_ctx, library,
                                                                                       make_survey):
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    long = "-".join(["x"] * MAX_COLUMN_CHARS)
    data = f"safe,union,voice,hours,{long}\n4,yes,often,3,1\n".encode()
    with pytest.raises(ResponseImportError) as error:
        import_responses(survey.waves[0], io.BytesIO(data), "kobo.csv", keyless=True)
    assert error.value.problems == [f"kobo.csv, row 1, column 5 ({long[:40]}…): a column name of more than "
                                    f"{MAX_COLUMN_CHARS} characters is not the name of a question."]
    assert db.session.scalar(select(sa.func.count()).select_from(PooledResponse)) == 0


@pytest.mark.parametrize("tail", ["4,yes,often,999\n", '"never closed\n'])
def test_a_file_of_more_responses_than_allowed_is_refused_unread_past_the_limit(app_ctx, library, make_survey,
                                                                                monkeypatch, tail):
    monkeypatch.setitem(app_ctx.config, "IMPORT_MAX_RESPONSES", 3)
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    rows = "4,yes,often,3\n\n" * 3  # empty lines are no responses
    data = f"safe,union,voice,hours\n{rows}{tail}".encode()
    with pytest.raises(ResponseImportError) as error:
        import_responses(survey.waves[0], io.BytesIO(data), "kobo.csv", keyless=True)
    # The row past the limit is neither checked nor read as CSV: reading stopped there.
    assert error.value.problems == ["kobo.csv holds more than 3 responses: split it into files of at most 3 "
                                    "responses and import them one by one."]
    assert db.session.scalar(select(sa.func.count()).select_from(PooledResponse)) == 0
    data = f"safe,union,voice,hours\n{rows}".encode()
    assert import_responses(survey.waves[0], io.BytesIO(data), "kobo.csv", keyless=True).new == 3


def test_an_xlsx_file_of_more_responses_than_allowed_is_refused(app_ctx, library, make_survey, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "IMPORT_MAX_RESPONSES", 2)
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])
    book = Workbook()
    for row in [("safe", "union", "voice", "hours")] + [(4, "yes", "often", 3)] * 3:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    with pytest.raises(ResponseImportError, match="export.xlsx holds more than 2 responses: split it"):
        import_responses(survey.waves[0], io.BytesIO(data.getvalue()), "export.xlsx", keyless=True)
    assert db.session.scalar(select(sa.func.count()).select_from(PooledResponse)) == 0
