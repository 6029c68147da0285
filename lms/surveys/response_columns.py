"""The columns of an export from KoboToolbox or ODK: which question each holds, which are metadata, which holds
the submission's key, and whether the export was made with labels instead of names."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.models import SurveyQuestion, SurveyVersion

#: Columns that ODK and KoboToolbox add to every export, compared in lower case; they hold no answer.
#: ODK Central: ``SubmissionDate``, ``KEY``, ``SubmitterID``...; XLSForm's metadata questions: ``start``, ``end``...
META_COLUMNS = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email",
                "audit", "instanceid", "instancename", "deprecatedid", "rootuuid", "key", "submissiondate",
                "submitterid", "submittername", "attachmentspresent", "attachmentsexpected", "status",
                "reviewstate", "edits", "formversion", "start-geopoint", "background-audio"}
#: The columns a submission's key may be in, best first: KoboToolbox's ``meta/rootUuid`` and ODK Central's
#: ``KEY`` stay the same when a submission is edited; ``_uuid`` and ``meta/instanceID`` change then.
KEY_COLUMNS = ("meta/rootuuid", "meta-rootuuid", "key", "_uuid", "meta/instanceid", "meta-instanceid", "instanceid")
#: Where an edited submission names the key it had before (OpenRosa's ``deprecatedID``).
PREVIOUS_KEY_COLUMNS = ("meta/deprecatedid", "meta-deprecatedid", "deprecatedid")
#: A header cell longer than this is refused before it is matched: a question code has at most 60 characters
#: (lms/surveys/building.py), a group path (``about/health/age``) a few of them.
MAX_COLUMN_CHARS = 300
#: What joins a group's name and a question's in a header: KoboToolbox ``/`` (or ``.``, as chosen), ODK Central ``-``.
GROUP_SEPARATORS = "/-."
#: How many of a header's last ``/`` are tried when telling whether it is a label.
LABEL_PATH_DEPTH = 4
SPACES = re.compile(r"\s+")


class LabelsExport(Exception):
    """The export holds labels (questions' or choices'), not the names and codes an import reads."""


@dataclass
class Columns:
    """Which column holds what; ``problems`` lists what does not match the survey."""

    #: question code -> the column holding its answer (choice codes separated by spaces, for a multiple choice).
    answers: dict[str, str] = field(default_factory=dict)
    #: multiple choice code -> {choice code: column holding 1/0 or True/False}, KoboToolbox's "separate columns".
    split: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The column holding each submission's key, if any.
    key: str | None = None
    #: The column naming an edited submission's key before the edit, if any.
    previous_key: str | None = None
    #: Columns of calculations and notes, passed over: a calculation is worked out from the answers.
    passed_over: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def is_metadata(column: str) -> bool:
    """Columns ODK Central, ODK Collect and KoboToolbox add: ``_id``, ``meta/instanceID``, ``SubmissionDate``,
    ``$edited``, a location's ``_where_latitude`` (also inside a group: ``grp/_where_latitude``)..."""
    first = re.split(r"[/-]", column, maxsplit=1)[0].lower()
    last = re.split(r"[/]", column)[-1]
    return (column.startswith(("_", "$")) or last.startswith(("_", "$")) or column.lower() in META_COLUMNS
            or first in ("meta", "formhub", "__version__"))


def question_of(column: str, questions: dict) -> str | None:
    """The question a column holds: its name, or the end of a group path (``about/age``; ODK Central: ``about-age``).

    The longest end that is a code wins. Only the ends no longer than the longest code are looked up, so the
    work grows with the column's length, not with its square.
    """
    if column in questions:
        return column
    longest = max(map(len, questions), default=0)
    start = max(0, len(column) - longest - 1)
    for at in range(start, len(column)):
        if column[at] in GROUP_SEPARATORS and column[at + 1:] in questions:
            return column[at + 1:]
    return None


def split_column(column: str, questions: dict[str, SurveyQuestion]) -> tuple[str, str] | None:
    """(question, choice) of KoboToolbox's one-column-per-choice copy of a multiple choice (``grp/issues/wages``)."""
    path, separator, choice = column.rpartition("/")
    if not separator:
        return None
    code = question_of(path, questions)
    if code is None or questions[code].kind != "multiple":
        return None
    return code, choice


def plain(text: str) -> str:
    """A label as compared with a header or a cell: spaces collapsed, case folded."""
    return SPACES.sub(" ", text or "").strip().casefold()


def question_labels(version: SurveyVersion) -> set[str]:
    """The labels of the version's questions and groups, in every language."""
    labels = {plain(text.label) for question in version.questions for text in question.texts}
    labels |= {plain(text.label) for group in version.groups for text in group.texts}
    return labels - {""}


def choice_labels(question: SurveyQuestion) -> set[str]:
    """The labels of a question's choices in every language."""
    return {plain(text.label) for choice in question.choices for text in choice.texts} - {""}


def is_label_header(column: str, labels: set[str]) -> bool:
    """Whether a header is a question's label, or ends with one after a group's (``Health/Your age?``).

    Only the ends after the last few ``/`` are looked up (a label may hold one: ``boat/canoe``), so the work
    grows with the header's length, not with its square."""
    ends = [column]
    at = len(column)
    for _depth in range(LABEL_PATH_DEPTH):
        at = column.rfind("/", 0, at)
        if at == -1:
            break
        ends.append(column[at + 1:])
    return any(plain(end) in labels for end in ends)


def match_columns(header: list[str], version: SurveyVersion, filename: str) -> Columns:
    """Each column of ``header`` matched to a question of ``version``; LabelsExport for a "Labels" export."""
    questions = {q.code: q for q in version.questions}
    metadata = set(version.metadata_names or ())
    found = Columns()
    labels: set[str] | None = None
    keys: dict[str, str] = {}
    for number, column in enumerate(header, start=1):
        if len(column) > MAX_COLUMN_CHARS:
            found.problems.append(_("%(file)s, row 1, column %(number)d (%(start)s…): a column name of more than "
                                    "%(max)d characters is not the name of a question.", file=filename,
                                    number=number, start=column[:40], max=MAX_COLUMN_CHARS))
            continue
        if not column:
            continue
        lower = column.lower()
        if column not in questions and (lower in KEY_COLUMNS or lower in PREVIOUS_KEY_COLUMNS):
            keys.setdefault(lower, column)
            continue
        code = column if column in questions else None
        if code is None and (is_metadata(column) or re.split(r"[/-]", column)[-1] in metadata):
            continue
        split = split_column(column, questions) if code is None else None
        if split is not None:  # before the group path: a choice's code may be another question's
            found.split.setdefault(split[0], {})[split[1]] = column
            continue
        code = code or question_of(column, questions)
        if code is None:
            if labels is None:
                labels = question_labels(version)
            if is_label_header(column, labels):
                raise LabelsExport()
            found.problems.append(_("%(file)s, row 1, column %(column)s: no question of the survey has this name.",
                                    file=filename, column=column))
            continue
        if not questions[code].answered:
            found.passed_over.append(column)
            continue
        found.answers.setdefault(code, column)
    found.key = next((keys[name] for name in KEY_COLUMNS if name in keys), None)
    found.previous_key = next((keys[name] for name in PREVIOUS_KEY_COLUMNS if name in keys), None)
    for code, choices in found.split.items():
        unknown = [choice for choice in choices if choice not in questions[code].choice_codes]
        found.problems.extend(_("%(file)s, row 1, column %(column)s: %(choice)s is not a choice of the question "
                                "%(code)s.", file=filename, column=choices[choice], choice=choice, code=code)
                              for choice in unknown)
    for code, question in questions.items():
        if question.answered and question.required and code not in found.answers and code not in found.split:
            found.problems.append(_("%(file)s, row 1: the column %(column)s is missing.", file=filename, column=code))
    return found


def labels_refusal(filename: str) -> str:
    """The one line that answers a "Labels" export."""
    return _("%(file)s holds labels, not the names of the questions and choices: export it again from "
             "KoboToolbox choosing “XML values and headers”.", file=filename)
