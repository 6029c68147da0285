"""Responses collected offline (ODK Collect, KoboToolbox) imported from XLSX or CSV, all or nothing.

Exports from KoboToolbox ("XML values and headers", CSV or XLSX) and ODK Central hold every submission to date,
each with its key: a submission imported before is counted as "already here", one changed since is reported
and not imported again (lms/surveys/submission_keys.py). Each row is checked through the form's logic
(lms/surveys/logic): an empty answer to a question that was not asked is fine, calculations are worked out
again, and an answer to a question that was not asked is a problem, as is a number written with separators.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from time import monotonic
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from openpyxl import load_workbook

from lms import clock
from lms.files.spreadsheets import present_rows
from lms.files.uploads import XLSX, NotAZip, UnreadableEntry, UploadRefused, check_zip
from lms.models import SurveyQuestion, SurveyVersion, SurveyWave
from lms.surveys import answering, logic, submission_keys
from lms.surveys.response_columns import (
    Columns,
    LabelsExport,
    choice_labels,
    labels_refusal,
    match_columns,
    plain,
)
from lms.surveys.xlsform import XLSFormError

MAX_REPORTED = 20
#: What separates a CSV file's cells: KoboToolbox writes ``;`` by default, ODK Central ``,``.
DELIMITERS = (",", ";", "\t")


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
            reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(text))
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


def delimiter_of(text: str) -> str:
    """The delimiter that splits the header line into the most cells (a header holds no ``,``, ``;`` nor tab);
    a comma when none splits it."""
    start = text[:65536]
    counts = {}
    for delimiter in DELIMITERS:
        try:
            counts[delimiter] = len(next(csv.reader(io.StringIO(start), delimiter=delimiter), []))
        except csv.Error:
            counts[delimiter] = 0
    return max(DELIMITERS, key=counts.__getitem__)  # the first of equals: a comma


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()  # a date question's cell, as a spreadsheet stores it
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


@dataclass
class ImportResult:
    """What an import did: responses added, submissions already here, changed ones not imported, and notes."""

    new: int = 0
    known: int = 0
    #: One line per submission imported before with other answers (file, row, key): not imported again.
    changed: list[str] = field(default_factory=list)
    #: Whether the file names its submissions (``_uuid``, ``meta/instanceID``, ``KEY``...).
    keyed: bool = True
    #: Columns of calculations and notes, passed over.
    passed_over: list[str] = field(default_factory=list)
    #: Answers to a course's wave imported without a country: they count for no country's coordinators.
    countryless: bool = False

    def summary(self) -> str:
        text = ngettext("%(num)d new response is imported.", "%(num)d new responses are imported.", self.new)
        if self.known:
            text += " " + ngettext("%(num)d was already here.", "%(num)d were already here.", self.known)
        return text

    def notes(self) -> list[str]:
        """What the importer should know: changed submissions, a file without keys, columns passed over."""
        notes = list(self.changed[:MAX_REPORTED])
        if len(self.changed) > MAX_REPORTED:
            notes.append(_("… and %(n)d more changed submissions.", n=len(self.changed) - MAX_REPORTED))
        if self.changed:
            notes.append(_("A response cannot be changed once imported: nothing ties it to the submission it came "
                           "from, so the answers imported first stay and count. The rest of the file is imported."))
        if not self.keyed:
            notes.append(_("This file has no column naming its submissions (_uuid, meta/instanceID or KEY): each "
                           "of its rows was imported as a new response, and importing it again would add them "
                           "again."))
        if self.countryless:
            notes.append(_("These answers were imported without a country: they count in the figures of all "
                           "countries only, never in one country's. Choose the country where they were collected "
                           "when you import the next ones."))
        if self.passed_over:
            notes.append(_("Columns of calculations and notes are passed over (%(columns)s): a calculation is "
                           "worked out from the answers.", columns=", ".join(self.passed_over)))
        return notes


@dataclass
class Submission:
    """One row as checked: its key's hash, the answers to store, and what is wrong with it (column -> reason)."""

    number: int
    key: str
    key_hash: str | None
    previous: str
    previous_hash: str | None
    answers: dict[str, answering.Answer]
    content: dict[str, str]
    problems: dict[str, str]


#: A number as ODK writes it: digits, at most one decimal point, maybe an exponent.
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
#: A decimal comma: read when it cannot be a thousands separator (not followed by exactly three digits).
DECIMAL_COMMA = re.compile(r"[+-]?\d+,(\d+)")
#: Digits with separators among them: ``1,000``, ``1 000``, ``1.000,5``, ``1'000``.
SEPARATED_NUMBER = re.compile(r"[+-]?\d[\d,.\s'\u00a0\u202f]*\d")
#: How KoboToolbox and ODK mark a choice in a multiple choice's separate columns.
CHOSEN, NOT_CHOSEN = {"1", "true", "yes"}, {"0", "false", "no", "", "n/a"}
#: What Ona writes in the cells of a question that was not asked.
NOT_ASKED = "n/a"


def read_number(question: SurveyQuestion, text: str) -> str:
    """A number's cell as the form's logic reads it; ValueError for a number written with separators."""
    if text == "" or PLAIN_NUMBER.fullmatch(text):
        return text
    comma = DECIMAL_COMMA.fullmatch(text)
    if comma and not question.whole and len(comma.group(1)) != 3:
        return text.replace(",", ".")
    if SEPARATED_NUMBER.fullmatch(text):
        raise ValueError(_("“%(value)s” may hold a thousands separator or a decimal comma and is not read: write "
                           "numbers with digits and at most one decimal point (1000, 2.5).", value=text))
    return text  # the form's logic says what is wrong with it


def is_choice_label(question: SurveyQuestion, text: str, labels: dict[int, set[str]]) -> bool:
    """Whether a choice question's cell holds its choices' labels rather than their codes."""
    if question.kind not in ("single", "multiple") or not text:
        return False
    if question.id not in labels:
        labels[question.id] = choice_labels(question)
    offered = labels[question.id]
    parts = [text] if question.kind == "single" else [text, *re.split(r"\s*[,;]\s*", text)]
    return any(plain(part) in offered for part in parts)


def cells_of(cells: dict[str, str], columns: Columns, questions: dict[str, SurveyQuestion],
             labels: dict[int, set[str]]) -> tuple[dict[str, str], dict[str, str]]:
    """The row's answers as the form's logic reads them (code -> text), and its cells' problems (column -> reason).

    LabelsExport when a choice's cell holds labels."""
    raw, problems = {}, {}
    for code, column in columns.answers.items():
        question, text = questions[code], cells.get(column, "").strip()
        if text.casefold() == NOT_ASKED and question.kind != "text":  # a text may say "n/a": check_submission
            text = ""
        if question.kind == "number":
            try:
                text = read_number(question, text)
            except ValueError as error:
                problems[column] = str(error)
        elif text and text not in question.choice_codes and any(
                c not in question.choice_codes for c in text.split()) and is_choice_label(
                question, text, labels):
            raise LabelsExport()
        raw[code] = text
    for code, split in columns.split.items():
        if code in columns.answers:
            continue  # the one column holds the same answer
        chosen = []
        for choice, column in split.items():
            mark = cells.get(column, "").strip().casefold()
            if mark in CHOSEN:
                chosen.append(choice)
            elif mark not in NOT_CHOSEN:
                problems[column] = _("“%(value)s” is neither 1 nor 0.", value=cells.get(column, ""))
        raw[code] = " ".join(c for c in questions[code].choice_codes if c in chosen)
    return raw, problems


def check_submission(number: int, cells: dict[str, str], columns: Columns, version: SurveyVersion,
                     labels: dict[int, set[str]], deadline: float | None = None) -> Submission:
    """One row checked through the form's logic; nothing is written."""
    survey = version.survey
    questions = {q.code: q for q in version.questions}
    raw, problems = cells_of(cells, columns, questions, labels)

    def column_of(code: str) -> str:
        return columns.answers.get(code) or next(iter(columns.split.get(code, {}).values()), code)

    try:
        evaluation = logic.evaluate(version, raw, language=survey.source_language, deadline=deadline)
    except logic.ExpressionError as error:
        evaluation = None
        problems.setdefault("", str(error))
    answers: dict[str, answering.Answer] = {}
    content: dict[str, str] = {}
    for code, question in questions.items():
        if not question.answered or evaluation is None:
            continue
        given = raw.get(code, "")
        if code in evaluation.errors:
            problems.setdefault(column_of(code), evaluation.errors[code])
        elif given and code not in evaluation.relevant and given.casefold() != NOT_ASKED:
            problems.setdefault(column_of(code), _(
                "an answer to a question that was not asked (its “relevant” rule does not hold): the answers "
                "were collected with another form than this version of the survey."))
        elif evaluation.values.get(code, ""):
            try:
                answers[code] = answering.parse_answer(question, evaluation.values[code])
            except ValueError as error:
                problems.setdefault(column_of(code), str(error))
        content[code] = answers[code].value if code in answers else given if code in evaluation.relevant else ""
    for code, reason in (evaluation.errors.items() if evaluation is not None else ()):
        if code not in questions or not questions[code].answered:
            problems.setdefault(code, reason)
    key = cells.get(columns.key, "").strip() if columns.key else ""
    previous = cells.get(columns.previous_key, "").strip() if columns.previous_key else ""
    return Submission(number, key, submission_keys.key_hash(survey, key) if key else None, previous,
                      submission_keys.key_hash(survey, previous) if previous else None, answers, content, problems)


def import_responses(wave: SurveyWave, stream: BinaryIO, filename: str, *, country: str | None = None,
                     keyless: bool = False) -> ImportResult:
    """Every new submission of the file as one response to ``wave``; nothing is written if any row is wrong.

    The responses wait in the pool like answers given on the web, and are published in batches
    (lms/surveys/pool.py) dated the day of release: the day each was collected is not kept. A submission
    imported before into any wave of the survey (by its key) is not imported again.
    """
    filename = Path(filename).name
    survey = wave.survey
    version = survey.version_in_effect(clock.today())
    if version is None:
        raise ResponseImportError([_("%(file)s: the survey %(code)s has no published version.", file=filename,
                                     code=survey.code)])
    header, rows = read_rows(stream.read(), filename, current_app.config["IMPORT_MAX_RESPONSES"])
    try:
        columns = match_columns(header, version, filename)
        if columns.problems:
            raise ResponseImportError(columns.problems)
        if not rows:
            raise ResponseImportError([_("%(file)s holds no responses.", file=filename)])
        labels: dict[int, set[str]] = {}
        submissions = []
        # One time for the whole file, not one per row: 60 rows of 2 seconds each held a worker past its timeout.
        deadline = monotonic() + current_app.config["SURVEY_IMPORT_LOGIC_SECONDS"]
        for number, cells in rows:
            try:
                submissions.append(check_submission(number, cells, columns, version, labels, deadline))
            except logic.LogicTooSlow:
                raise ResponseImportError([_("%(file)s, row %(row)d: the survey's form takes too long to check this "
                                             "file; nothing was imported. Import fewer rows at a time, or make the "
                                             "form simpler.", file=filename, row=number)]) from None
    except LabelsExport:
        raise ResponseImportError([labels_refusal(filename)]) from None
    if columns.key is None and not keyless:
        # Known by their answers instead, rows would tell an importer how many anonymous answers gave exactly
        # these (outside tester): a file without keys is imported only when the importer says its rows are new.
        raise ResponseImportError([_("%(file)s has no column naming its submissions (_uuid, meta/instanceID or "
                                     "KEY), so importing it again would add its responses again. Add a column KEY "
                                     "with a different value on each row (the number of each paper form, say), or "
                                     "tick “Import each row as a new response”.", file=filename)])
    known = submission_keys.known([h for s in submissions for h in (s.key_hash, s.previous_hash) if h])
    result = ImportResult(keyed=columns.key is not None, passed_over=columns.passed_over)
    problems, new, first_row = [], [], {}
    for submission in submissions:
        where = {"file": filename, "row": submission.number}
        if columns.key and not submission.key:
            problems.append(_("%(file)s, row %(row)d, column %(column)s: the submission's key is empty.",
                              column=columns.key, **where))
            continue
        if submission.key_hash in first_row:
            problems.append(_("%(file)s, row %(row)d, column %(column)s: the same submission as row %(first)d; "
                              "remove one of them.", column=columns.key, first=first_row[submission.key_hash],
                              **where))
            continue
        if submission.key_hash:
            first_row[submission.key_hash] = submission.number
        before = next(((key, known[h]) for key, h in ((submission.key, submission.key_hash),
                                                       (submission.previous, submission.previous_hash))
                       if h in known), None)
        if before is not None:
            key, content_hash = before
            if submission_keys.content_hash(survey, key, submission.content) == content_hash:
                result.known += 1
            else:
                result.changed.append(_("%(file)s, row %(row)d: the submission %(key)s was imported before with "
                                        "other answers; it is not imported again.", key=submission.key, **where))
            continue
        problems.extend(_("%(file)s, row %(row)d, column %(column)s: %(reason)s", column=column, reason=reason,
                          **where) if column else _("%(file)s, row %(row)d: %(reason)s", reason=reason, **where)
                        for column, reason in submission.problems.items())
        new.append(submission)
    if problems:
        raise ResponseImportError(problems)
    secrets.SystemRandom().shuffle(new)  # the pool's rows are not stored in the file's order
    for submission in new:
        answering.submit_response(wave=wave, version=version, answers=submission.answers, source="import",
                                  country=country if wave.course_id is not None else None)
    submission_keys.remember(wave, [(s.key_hash, submission_keys.content_hash(survey, s.key, s.content))
                                    for s in new if s.key_hash])
    result.new = len(new)
    result.countryless = bool(new) and wave.course_id is not None and country is None
    return result
