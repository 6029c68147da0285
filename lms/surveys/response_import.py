"""Responses collected offline (ODK Collect, KoboToolbox) imported from XLSX or CSV, all or nothing."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from openpyxl import load_workbook

from lms import clock
from lms.files.spreadsheets import present_rows
from lms.files.uploads import XLSX, NotAZip, UnreadableEntry, UploadRefused, check_zip
from lms.models import SurveyWave
from lms.surveys import answering
from lms.surveys.xlsform import XLSFormError

#: Columns that ODK and KoboToolbox add to every export; they hold no answer.
META_COLUMNS = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
                "audit", "instanceid", "instancename", "key", "submissiondate", "submitterid", "submittername",
                "attachmentspresent", "attachmentsexpected", "status", "reviewstate", "edits",
                "formversion"}
MAX_REPORTED = 20
#: A header cell longer than this is refused before it is matched: a question code has at most 60 characters
#: (lms/surveys/building.py), a group path (``about/health/age``) a few of them.
MAX_COLUMN_CHARS = 300


class ResponseImportError(XLSFormError):
    """The file does not match the survey; ``problems`` lists file, row, column and reason."""

    def __init__(self, problems: list[str]):
        shown = problems[:MAX_REPORTED]
        more = len(problems) - len(shown)
        text = "\n".join(shown) + (("\n" + _("… and %(n)d more problems.", n=more)) if more > 0 else "")
        super().__init__(text)
        self.problems = problems


def too_many_rows(filename: str, max_rows: int) -> ResponseImportError:
    return ResponseImportError([_("%(file)s holds more than %(max)d responses: split it into files of at most "
                                  "%(max)d responses and import them one by one.", file=filename, max=max_rows)])


def read_rows(data: bytes, filename: str, max_rows: int) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (row number, values) of the first sheet of an XLSX file, or of a CSV file.

    Reading stops at the first response past ``max_rows``, and the file is refused: a request never reads,
    checks and seals more than that many (the gunicorn timeout).
    """
    if filename.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ResponseImportError([_("%(file)s is not a CSV file in UTF-8: save it again as \"CSV UTF-8\".",
                                         file=filename)]) from None
        if "\0" in text:
            raise ResponseImportError([_("%(file)s is neither an XLSX nor a CSV file.", file=filename)])
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:  # one column, or no delimiter the sniffer can tell: plain commas
            dialect = csv.excel
        try:
            reader = csv.reader(io.StringIO(text), dialect)
            header = [h.strip() for h in next(reader, [])]
            rows = []
            for n, values in enumerate(reader, start=2):
                if any(v.strip() for v in values):
                    if len(rows) == max_rows:
                        raise too_many_rows(filename, max_rows)
                    rows.append((n, dict(zip(header, (v.strip() for v in values), strict=False))))
        except csv.Error:
            raise ResponseImportError([_("%(file)s, row %(row)d: this row cannot be read as CSV.", file=filename,
                                         row=reader.line_num)]) from None
        return header, rows
    try:
        check_zip(data, XLSX)
    except (NotAZip, UnreadableEntry):
        raise ResponseImportError([_("%(file)s is neither an XLSX nor a CSV file.", file=filename)]) from None
    except UploadRefused as refused:
        raise ResponseImportError([_("%(file)s: %(reason)s", file=filename, reason=str(refused))]) from None
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        # Read-only sheets are parsed as they are read: a broken sheet fails here, not at loading.
        values = present_rows(sheet)  # the rows present, not the 1,048,576 a file may declare
        number, first = next(values, (0, ()))
        header = ["" if h is None else str(h).strip() for h in first] if number == 1 else []
        rows = []
        for number, row in values:
            cells = {h: cell_text(v) for h, v in zip(header, row, strict=False) if h}
            if any(cells.values()):
                if len(rows) == max_rows:
                    raise too_many_rows(filename, max_rows)
                rows.append((number, cells))
    except ResponseImportError:
        raise
    except Exception:  # whatever openpyxl cannot read is not a spreadsheet we read
        raise ResponseImportError([_("%(file)s is neither an XLSX nor a CSV file.", file=filename)]) from None
    return header, rows


def is_metadata(column: str) -> bool:
    """Columns ODK Central, ODK Collect and KoboToolbox add: ``_id``, ``meta/instanceID``, ``SubmissionDate``..."""
    first = re.split(r"[/-]", column, maxsplit=1)[0].lower()
    return column.startswith("_") or column.lower() in META_COLUMNS or first in ("meta", "formhub", "__version__")


def question_of(column: str, questions: dict) -> str | None:
    """The question a column holds: its name, or the end of a group path (``about/age``; ODK Central: ``about-age``).

    The longest end that is a code wins. Only the ends no longer than the longest code are looked up, so the
    work grows with the column's length, not with its square.
    """
    if column in questions:
        return column
    longest = max(map(len, questions), default=0)
    for separator in "/-":
        at = column.find(separator, max(0, len(column) - longest - 1))
        while at != -1:
            if column[at + 1:] in questions:
                return column[at + 1:]
            at = column.find(separator, at + 1)
    return None


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def import_responses(wave: SurveyWave, stream: BinaryIO, filename: str) -> int:
    """Every row of the file as one response to ``wave``; nothing is written if any row is wrong.

    The responses wait in the pool like answers given on the web, and are published in batches
    (lms/surveys/pool.py) dated the day of release: the day each was collected is not kept.
    """
    filename = Path(filename).name
    survey = wave.survey
    version = survey.version_in_effect(clock.today())
    if version is None:
        raise ResponseImportError([_("%(file)s: the survey %(code)s has no published version.", file=filename,
                                     code=survey.code)])
    header, rows = read_rows(stream.read(), filename, current_app.config["IMPORT_MAX_RESPONSES"])
    questions = {q.code: q for q in version.questions}
    columns: dict[str, str] = {}
    problems = []
    for number, column in enumerate(header, start=1):
        if len(column) > MAX_COLUMN_CHARS:
            problems.append(_("%(file)s, row 1, column %(number)d (%(start)s…): a column name of more than %(max)d "
                              "characters is not the name of a question.", file=filename, number=number,
                              start=column[:40], max=MAX_COLUMN_CHARS))
            continue
        if not column or is_metadata(column):
            continue
        *path, last = column.split("/")
        if path and path[-1] in questions and questions[path[-1]].kind == "multiple":
            continue  # KoboToolbox's one-column-per-choice copy of a multiple choice answer
        name = question_of(column, questions)
        if name is None:
            problems.append(_("%(file)s, row 1, column %(column)s: no question of the survey has this name.",
                              file=filename, column=column))
            continue
        columns[name] = column
    for code, question in questions.items():
        if code not in columns and question.required:
            problems.append(_("%(file)s, row 1: the column %(column)s is missing.", file=filename, column=code))
    if problems:
        raise ResponseImportError(problems)
    if not rows:
        raise ResponseImportError([_("%(file)s holds no responses.", file=filename)])
    parsed = []
    for number, cells in rows:
        answers = {}
        for code, column in columns.items():
            try:
                answers[code] = answering.check_answer(questions[code], cells.get(column, ""))
            except ValueError as error:
                problems.append(_("%(file)s, row %(row)d, column %(column)s: %(reason)s", file=filename, row=number,
                                  column=column, reason=str(error)))
        parsed.append(answers)
    if problems:
        raise ResponseImportError(problems)
    for answers in parsed:
        answering.submit_response(wave=wave, version=version, answers=answers,
                                  source="import")
    return len(parsed)
