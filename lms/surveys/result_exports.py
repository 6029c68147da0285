"""A survey's results page as CSV and XLSX: the same published figures (lms/surveys/distributions.py), with what
they count for and the note on rounding written at the top. Text cells are made inert for spreadsheets."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _

from lms import disclosure
from lms.files.spreadsheets import append_text_row, inert
from lms.surveys.display import wave_name, wave_target
from lms.surveys.distributions import SurveyFigures

#: Written where a figure is not shown (fewer than MIN_SHOWN published, or nothing to show).
NOT_SHOWN = "–"


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list]


def percent(share: float | None):
    return NOT_SHOWN if share is None else round(100 * share)


def shown(value):
    return NOT_SHOWN if value is None else value


def sheets_of(figures: SurveyFigures) -> list[Sheet]:
    """The page's tables: responses per wave; then, for a reader of figures, answers per question and choice,
    the means of number questions, and the free text listed."""
    responses = Sheet(_("Responses"), [_("Wave"), _("Asked of"), _("Invited"), _("Answered"), _("Response rate (%)")],
                      [[wave_name(c.wave), wave_target(c.wave), shown(c.invited), c.answered, percent(c.rate)]
                       for c in figures.waves])
    if figures.questions is None:
        return [responses]
    answers = Sheet(_("Answers"), [_("Wave"), _("Asked of"), _("Question code"), _("Question"),
                                   _("People who answered"), _("Answer code"), _("Answer"), _("People"),
                                   _("Share (%)")], [])
    means = Sheet(_("Means"), [_("Wave"), _("Asked of"), _("Question code"), _("Question"), _("People"), _("Mean"),
                               _("Lower bound (95%)"), _("Upper bound (95%)")], [])
    texts = Sheet(_("Free text"), [_("Wave"), _("Asked of"), _("Question code"), _("Question"), _("Answer")], [])
    for question in figures.questions:
        for figure in question.waves:
            start = [wave_name(figure.wave), wave_target(figure.wave), question.code, str(question.label)]
            if figure.shown and figure.bars:
                answers.rows += [[*start, figure.answered, bar.code, str(bar.label), bar.count,
                                  percent(figure.share(bar))] for bar in figure.bars]
            else:
                answers.rows.append([*start, figure.answered, "", "", NOT_SHOWN, NOT_SHOWN])
            if figure.mean is not None:
                means.rows.append([*start, figure.mean.n, shown(figure.mean.value), shown(figure.mean.low),
                                   shown(figure.mean.high)])
            texts.rows += [[*start, text] for text in figure.texts or []]
    found = [responses, answers]
    if means.rows:
        found.append(means)
    if figures.texts_listed and texts.rows:
        found.append(texts)
    return found


def as_csv(title: str, filters: list[tuple[str, str]], sheets: list[Sheet]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the accents right: the title, what the figures count for,
    then each table under its name."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([inert(title)])
    writer.writerows([[inert(name), inert(value)] for name, value in filters])
    for sheet in sheets:
        writer.writerow([])
        writer.writerow([inert(sheet.title)])
        writer.writerow([inert(h) for h in sheet.header])
        writer.writerows([[inert(v) for v in row] for row in sheet.rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(title: str, filters: list[tuple[str, str]], sheets: list[Sheet]) -> io.BytesIO:
    """One worksheet per table, each with the title and what the figures count for at the top."""
    # openpyxl (and numpy with it) is imported when a workbook is made: ~30 MB a web worker need not hold.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        append_text_row(ws, [title])
        ws.cell(row=1, column=1).font = Font(bold=True)
        for name, value in filters:
            append_text_row(ws, [name, value])
        ws.append([])
        append_text_row(ws, sheet.header)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            append_text_row(ws, row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def filter_lines(country: str | None, release_note: str) -> list[tuple[str, str]]:
    return [(_("Country"), country or _("All countries")), (_("Note"), release_note),
            (_("Privacy"), disclosure.note())]
