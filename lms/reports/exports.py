"""Tables as CSV and XLSX, with the filters and the note on rounding written at the top; published counts only."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from lms import disclosure
from lms.files.spreadsheets import inert
from lms.i18n import country_name, current_language
from lms.reports.figures import UNKNOWN_AGE
from lms.reports.tables import RATES, TOTAL, Table, rate
from lms.vocabulary import gender_label

#: Written where a rate is not shown (its published denominator is under 10).
NOT_SHOWN = "–"

TITLES = {
    "by_country": _l("Participants by country and gender"),
    "by_age": _l("Participants by age and gender"),
    "progress": _l("Enrolments and completions by country"),
    "trend": _l("Enrolments and completions by month"),
    "quarters": _l("Enrolments and completions by quarter"),
    "attendance": _l("Attendance at sessions by country"),
    "trainers": _l("Trainers and their reach by country"),
    "cascade": _l("Trainers and their reach by generation"),
}
MEASURES = {
    "enrolments": _l("Enrolments begun"), "completed_since": _l("Of these, completed"),
    "completions": _l("Completions in the period"), "present": _l("Presences"), "places": _l("Places"),
    "active": _l("Active trainers"), "reach": _l("People reached"), "trained": _l("New trainers"),
    "completion_rate": _l("Completion rate"), "attendance_rate": _l("Attendance rate"),
}
#: What one unit of a charted column is, for the chart's caption.
UNITS = {
    TOTAL: _l("people, each counted once"), "enrolments": _l("enrolments"),
    "completions": _l("completed enrolments"), "present": _l("presences at sessions"), "reach": _l("people"),
}
FIRST_COLUMN = {"by_country": _l("Country"), "by_age": _l("Age"), "progress": _l("Country"), "trend": _l("Month"),
                "quarters": _l("Quarter"), "attendance": _l("Country"), "trainers": _l("Country"),
                "cascade": _l("Generation")}


@dataclass
class Sheet:
    title: str
    filters: list[tuple[str, str]]
    header: list[str]
    rows: list[list[str | int]]


def label(key: str | int, kind: str) -> str:
    if kind == "cascade" and key != TOTAL:
        return generation_label(int(key))
    if key == TOTAL:
        return _("Total")
    if key == UNKNOWN_AGE:
        return _("Unknown")
    if key in MEASURES:
        return str(MEASURES[key])
    if kind in ("by_country", "progress", "attendance", "trainers"):
        return country_name(key, current_language())
    return gender_label(key) if kind == "gender" else key


def generation_label(generation: int) -> str:
    """A row of the cascade: the organisation's own trainers, then the trainers they trained, and so on."""
    if generation == 0:
        return _("Our own trainers (generation 0)")
    return _("Generation %(n)d", n=generation)


def sheet_of(name: str, table: Table, filters: list[tuple[str, str]]) -> Sheet:
    header = [str(FIRST_COLUMN[name])] + [label(c, "gender") for c in table.columns]
    with_totals = name in ("by_country", "by_age")
    if with_totals:
        header.append(_("Total"))
    columns = [*table.columns, TOTAL] if with_totals else table.columns
    if name in RATES:
        header.append(_("%(rate)s (%%)", rate=label(RATES[name][0], "gender")))
    rows = []
    for row in [*table.rows, TOTAL]:
        values = [table.value(row, column) for column in columns]
        line = [label(row, name), *values]
        if name in RATES:
            share = rate(name, table, row)
            line.append(NOT_SHOWN if share is None else round(100 * share))
        rows.append(line)
    return Sheet(str(TITLES[name]), filters, header, rows)


def filter_lines(form, note: str | None = None) -> list[tuple[str, str]]:
    """(filter, chosen value) for the period and every filter set, in the reader's language; then the ``note``
    on the period, if any, and the one on privacy."""
    start, end = form.period()
    lines = [(_("Period"), f"{format_date(start, 'medium')} – {format_date(end, 'medium')}")]
    for field in (form.country, form.organisation, form.course, form.topic, form.group, form.gender, form.age_band):
        if field.data:
            chosen = next((c.label for c in field.choices if c.value == field.data), field.data)
            lines.append((str(field.label.text), str(chosen)))
    if note:
        lines.append((_("Note"), note))
    lines.append((_("Privacy"), disclosure.note()))
    return lines


def chart_caption(name: str, column: str, filters: list[tuple[str, str]]) -> list[str]:
    """The lines under a chart's heading: what each bar counts and in which unit, then the period and filters
    (the notes on rounding and privacy stay under the tables)."""
    measure = _("Total") if column == TOTAL else label(column, "gender")
    shown = [f"{name_}: {value}" for name_, value in filters if name_ not in (_("Note"), _("Privacy"))]
    return [_("Chart of %(table)s: %(measure)s, by %(row)s. Unit: %(unit)s.", table=TITLES[name], measure=measure,
              row=FIRST_COLUMN[name], unit=UNITS[column]), *shown]


def inert_sheet(sheet: Sheet) -> Sheet:
    return Sheet(inert(sheet.title), [(inert(n), inert(v)) for n, v in sheet.filters],
                 [inert(h) for h in sheet.header], [[inert(v) for v in row] for row in sheet.rows])


def as_csv(sheet: Sheet) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the accents right; LibreOffice ignores it."""
    sheet = inert_sheet(sheet)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([sheet.title])
    for name, value in sheet.filters:
        writer.writerow([name, value])
    writer.writerow([])
    writer.writerow(sheet.header)
    writer.writerows(sheet.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(sheet: Sheet) -> io.BytesIO:
    sheet = inert_sheet(sheet)
    book = Workbook()
    ws = book.active
    ws.title = sheet.title[:31]
    ws.append([sheet.title])
    ws["A1"].font = Font(bold=True)
    for name, value in sheet.filters:
        ws.append([name, value])
    ws.append([])
    ws.append(sheet.header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        ws.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data
