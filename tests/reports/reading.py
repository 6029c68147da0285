"""What a reader gets from the pages and downloads, read as a reader would: figures by where they stand.

Works on any version of the pages (the report tables, the knowledge gain, the outcome tables, the survey
results), so that the subtraction attacks can be played against old code too.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

from lxml import html
from openpyxl import load_workbook

#: A figure's place: (section, row, column), each a label as the reader sees it.
Place = tuple[str, ...]


def text(element) -> str:
    return " ".join(element.text_content().split())


def number(value: str) -> int | None:
    """A whole count as written on the page ("1,234"), or None (a rate, a dash, "<5")."""
    value = value.replace(",", "").replace("\u202f", "").replace("\xa0", "").strip()
    return int(value) if re.fullmatch(r"\d+", value) else None


def report_tables(page: str) -> dict[Place, str]:
    """Every cell of the dashboard's report tables: (table id, row, column) -> text."""
    tree = html.fromstring(page)
    found = {}
    for section in tree.xpath("//section[contains(@class, 'report')]"):
        name = section.xpath(".//h2/@id")[0].removesuffix("-title")
        for table in section.xpath(".//table"):
            header = [text(th) for th in table.xpath("./thead/tr/th")]
            for row in table.xpath("./tbody/tr"):
                label = text(row.xpath("./th")[0])
                for column, cell in zip(header[1:], row.xpath("./td"), strict=True):
                    found[(name, label, column)] = text(cell)
    return found


def report_counts(page: str) -> dict[Place, int]:
    """The counts of the report tables (every column but the rates), where a number is written."""
    return {place: value for place, cell in report_tables(page).items()
            if "rate" not in place[2].lower() and (value := number(cell)) is not None}


def table_rows(table) -> dict[Place, str]:
    header = [text(th) for th in table.xpath("./thead/tr/th")]
    found = {}
    for row in table.xpath("./tbody/tr"):
        cells = row.xpath("./th|./td")
        label = text(cells[0]) if row.xpath("./th") else ""
        values = cells[1:] if row.xpath("./th") else cells
        columns = header[1:] if row.xpath("./th") else header
        for column, cell in zip(columns, values, strict=False):
            found[(label, column)] = text(cell)
    return found


def gain(page: str) -> dict[str, str]:
    """The knowledge gain table (column -> text), or {"People": N} from "(now: N)" where it is not shown."""
    tree = html.fromstring(page)
    heading = tree.xpath("//h2[@id='knowledge-gain']")
    if not heading:
        return {}
    shown = heading[0].xpath("following-sibling::*")[1]  # after the line that says what it is
    if shown.tag == "div":
        return {column: value for (_row, column), value in table_rows(shown.xpath(".//table")[0]).items()}
    match = re.search(r"\(now: ([^)]+)\)", text(shown))
    return {"People": match.group(1)} if match else {}


def indicator_tables(page: str) -> dict[Place, str]:
    """Every cell of the outcome indicator tables: (indicator title, caption, wave, column) -> text."""
    tree = html.fromstring(page)
    found = {}
    for table in tree.xpath("//table[caption]"):
        heading = table.xpath("preceding::h3[1]")
        indicator = text(heading[0]) if heading else ""
        survey = table.xpath("preceding::h3[bdi and not(span)][1]")
        caption = text(table.xpath("./caption")[0])
        for (row, column), value in table_rows(table).items():
            found[(text(survey[0]) if survey else "", indicator, caption, row, column)] = value
    return found


def indicator_counts(page: str) -> dict[Place, int]:
    """The counts of people in the outcome tables: the People column and the pairs of a paired change."""
    found = {}
    for place, value in indicator_tables(page).items():
        if place[-1] == "People" and (n := number(value)) is not None:
            found[place] = n
        pairs = re.search(r"\((\d[\d,]*) pairs\)", value)
        if pairs:
            found[(*place, "pairs")] = number(pairs.group(1))
    return found


def response_counts(page: str) -> dict[Place, int]:
    """"N responses" per wave on a survey's results page (or a workplace page)."""
    tree = html.fromstring(page)
    found = {}
    for item in tree.xpath("//h2[following-sibling::ul][1]/following-sibling::ul[1]/li"):
        line = text(item)
        match = re.search(r":\s*(\S+) responses", line)
        if match:
            found[("responses", line[:line.rindex(":")])] = match.group(1)
    return {place: n for place, value in found.items() if (n := number(value)) is not None}


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def workbook_tables(data: bytes) -> dict[str, list[list]]:
    """A report's workbook: each sheet's rows of values as typed (numbers, dates), by its title (its first cell)."""
    book = load_workbook(io.BytesIO(data))
    return {sheet["A1"].value: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def zip_tables(data: bytes) -> dict[str, list[list[str]]]:
    """A report's zip of CSV files: each file's rows, by its title (its first cell)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        tables = [csv_rows(archive.read(name)) for name in sorted(archive.namelist())]
    return {rows[0][0]: rows for rows in tables}


def download_table(rows: list[list], first_column: str) -> dict[tuple[str, str], str]:
    """(row, column) -> value of a downloaded table, as text: its title, its header, then its rows. A month (a date in
    the workbook) reads "2025-03" as on the page, a share (0.47 in the workbook) "47" as in the CSV file; an empty
    cell (a figure not shown) reads "–" as on the page."""
    header = rows[1]
    assert header[0] == first_column, header

    def shown(value, column: str) -> str:
        if value is None or value == "":
            return "–"
        if isinstance(value, datetime):
            return f"{value:%Y-%m}"
        if isinstance(value, int | float) and "rate" in column.lower():
            return str(round(100 * value))
        return str(value)

    return {(shown(row[0], ""), column.removesuffix(" (%)")): shown(value, column) for row in rows[2:] if row
            for column, value in zip(header[1:], row[1:], strict=False)}
