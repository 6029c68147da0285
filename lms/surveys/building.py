"""Building surveys: questions with codes, texts per language, versions, waves and indicators."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms import clock
from lms.content.markdown import checksum
from lms.extensions import db
from lms.models import (
    FIXED_CHOICES,
    SURVEY_QUESTION_KINDS,
    Course,
    IndicatorTitle,
    PooledResponse,
    Survey,
    SurveyChoice,
    SurveyChoiceText,
    SurveyGroup,
    SurveyGroupText,
    SurveyIndicator,
    SurveyQuestion,
    SurveyQuestionText,
    SurveyResponse,
    SurveyTranslation,
    SurveyVersion,
    SurveyWave,
    TrainingGroup,
    User,
    Workplace,
)

#: Codes of surveys and indicators (in URLs and IATI files): a letter or underscore, then letters, digits, "_", "-"
#: or ".", in ASCII.
CODE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,59}$")
#: XLSForm names of questions and groups, which XML lets hold letters of any script (``père``, ``état_civil``).
NAME_PATTERN = re.compile(r"^[^\W\d][\w.-]{0,59}$")
#: Choice names: letters of any script, digits, "_", "-" and "."; no spaces (select_multiple answers are
#: space-separated lists of them).
CHOICE_CODE_PATTERN = re.compile(r"^[\w.-]{1,60}$")
#: A single choice's name may hold spaces between its words (``brong ahafo``), as pyxform and ODK Collect allow:
#: its answer is the whole name, never a list.
SINGLE_CHOICE_CODE_PATTERN = re.compile(r"^(?=.{1,60}$)[\w.-]+( [\w.-]+)*$")

#: Words that are part of the surveys' URLs.
RESERVED_CODES = frozenset({"new", "import", "manage"})

FIXED_CHOICE_LABELS = {
    ("likert", "1"): _l("Strongly disagree"),
    ("likert", "2"): _l("Disagree"),
    ("likert", "3"): _l("Neither agree nor disagree"),
    ("likert", "4"): _l("Agree"),
    ("likert", "5"): _l("Strongly agree"),
    ("yes_no", "yes"): _l("Yes"),
    ("yes_no", "no"): _l("No"),
}


KIND_LABELS = {
    "single": _l("Single choice"), "multiple": _l("Multiple choice"), "likert": _l("Agreement scale (5 points)"),
    "yes_no": _l("Yes or no"), "number": _l("Number"), "text": _l("Free text"), "date": _l("Date"),
    "note": _l("Note (no answer)"), "calculate": _l("Calculation (no answer)"),
}
#: The question kinds each kind of indicator may read: a share needs choices, a mean a number or a scale.
#: Free text is never read by any indicator (results.py reads only answers to questions of these kinds).
INDICATOR_QUESTION_KINDS = {"share": ("single", "multiple", "likert", "yes_no"), "mean": ("number", "likert")}
#: Longest wording of a choice and of a title (the columns' sizes).
CHOICE_LABEL_MAX = 300
TITLE_MAX = 200


class SurveyError(ValueError):
    """A change to a survey that cannot be made; the message is translated and nothing was written.

    ``field`` names the part of the question at fault ("code", "kind", "label", "choices", "min_value"), when
    there is one, so that a form can show the message beside it and an XLSForm import name the column.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


#: The longest wording of a question and of its hint, in any language: a question of 20,000 characters was taken
#: and made its page 178,609 pixels wide (outside tester G).
MAX_LABEL_CHARS, MAX_HINT_CHARS = 1000, 1000
#: A course's wave of an anonymous or pseudonymous survey closes no sooner than this many checkpoint periods
#: after it is added: a wave open one day would ask only the members whose training ends that day, a group or
#: a completion day its author chose (outside tester D; docs/privacy.md).
OPEN_PERIODS = 4
#: Why an anonymous or pseudonymous survey is not asked of one training group (docs/privacy.md).
NOT_OF_ONE_GROUP = _l("An anonymous or pseudonymous survey is asked of everyone taking a course, not of one "
                      "training group: whoever runs a group decides who is in it, and could tell one member's "
                      "answers from the others. An administrator can ask it of the group's course: its members are "
                      "then asked on the group's dates.")


@dataclass
class QuestionSpec:
    """What an author (or an XLSForm row) says about a question, in one language."""

    code: str
    kind: str
    label: str
    hint: str = ""
    required: bool = True
    min_value: float | None = None
    max_value: float | None = None
    #: (code, label) pairs for single and multiple choice; ignored for the fixed kinds.
    choices: list[tuple[str, str]] | None = None
    # The logic of an XLSForm row (see SurveyQuestion); None leaves the question's as it is.
    whole: bool | None = None
    relevant: str | None = None
    constraint_rule: str | None = None
    required_rule: str | None = None
    calculation: str | None = None
    choice_filter: str | None = None
    default_value: str | None = None


#: The parts of a QuestionSpec that are the question's logic, set only when given.
LOGIC_FIELDS = ("whole", "relevant", "constraint_rule", "required_rule", "calculation", "choice_filter",
                "default_value")


def check_code(code: str, pattern: re.Pattern = CODE_PATTERN) -> None:
    if not pattern.match(code or ""):
        raise SurveyError(_("A code starts with a letter and holds only letters, digits, “_”, “-” and “.” "
                            "(at most 60): %(code)s", code=code), "code")


def create_survey(*, code: str, title: str, description: str, language: str, privacy: str, subject: str,
                  creator: User | None) -> Survey:
    """A new survey with an empty first version, as a draft."""
    check_code(code)
    if code in RESERVED_CODES:
        raise SurveyError(_("The code %(code)s is reserved; please choose another.", code=code))
    if subject == "workplace" and privacy != "anonymous":
        raise SurveyError(_("Workplace surveys are anonymous: workers must never be named."))
    if db.session.scalar(select(Survey.id).where(Survey.code == code)) is not None:
        raise SurveyError(_("Another survey already has the code %(code)s.", code=code))
    if not title.strip() or len(title.strip()) > TITLE_MAX:
        raise SurveyError(_("Please write a title of at most %(n)d characters.", n=TITLE_MAX), "title")
    survey = Survey(code=code, source_language=language, privacy=privacy, subject=subject,
                    created_by_id=creator.id if creator else None)
    survey.translations.append(SurveyTranslation(language=language, title=title, description=description))
    survey.versions.append(SurveyVersion(number=1))
    db.session.add(survey)
    db.session.flush()
    return survey


def editable_version(survey: Survey) -> SurveyVersion:
    """The draft version; once a version is published, editing starts a new one from it."""
    if survey.draft_version is not None:
        return survey.draft_version
    published = survey.published_version
    version = SurveyVersion(number=published.number + 1, metadata_names=list(published.metadata_names or []))
    survey.versions.append(version)
    groups: dict[int, SurveyGroup] = {}
    for group in published.groups:  # parents first: each copy's parent has its id
        groups[group.id] = copy = SurveyGroup(
            code=group.code, position=group.position, relevant=group.relevant,
            parent_id=groups[group.parent_id].id if group.parent_id else None,
            texts=[SurveyGroupText(language=t.language, label=t.label) for t in group.texts])
        version.groups.append(copy)
        db.session.flush()
    for question in published.questions:
        copy = copy_question(question)
        copy.group = groups.get(question.group_id) if question.group_id else None
        version.questions.append(copy)
    db.session.flush()
    return version


def blank_version(survey: Survey) -> SurveyVersion:
    """An empty draft to fill with another set of questions (an XLSForm import): the new survey's first
    version, or the one after the last. Refused if the survey has a draft with changes in it."""
    draft = survey.draft_version
    if draft is not None and draft.questions:
        raise SurveyError(_("The survey has changes that are not published: publish or discard them first."))
    if draft is not None:
        return draft
    version = SurveyVersion(number=survey.versions[-1].number + 1)
    survey.versions.append(version)
    db.session.flush()
    return version


def copy_question(question: SurveyQuestion) -> SurveyQuestion:
    copy = SurveyQuestion(code=question.code, position=question.position, kind=question.kind,
                          required=question.required, min_value=question.min_value, max_value=question.max_value,
                          **{name: getattr(question, name) for name in LOGIC_FIELDS})
    copy.texts = [SurveyQuestionText(language=t.language, label=t.label, hint=t.hint, checksum=t.checksum,
                                     source_checksum=t.source_checksum, constraint_message=t.constraint_message,
                                     required_message=t.required_message) for t in question.texts]
    for choice in question.choices:
        copy.choices.append(SurveyChoice(code=choice.code, position=choice.position, filters=dict(choice.filters or {}),
                                         texts=[SurveyChoiceText(language=t.language, label=t.label)
                                                for t in choice.texts]))
    return copy


def check_question(spec: QuestionSpec, taken: set[str]) -> None:
    check_code(spec.code, NAME_PATTERN)
    if spec.code in taken:
        raise SurveyError(_("Another question already has the code %(code)s.", code=spec.code), "code")
    if spec.kind not in SURVEY_QUESTION_KINDS:
        raise SurveyError(_("Please choose the type of answer."), "kind")
    if not spec.label.strip() and spec.kind != "calculate":  # a calculation is worked out, never shown
        raise SurveyError(_("Please write the question."), "label")
    if spec.kind == "number":
        for bound in (spec.min_value, spec.max_value):
            if bound is not None and not math.isfinite(bound):
                raise SurveyError(_("The smallest and largest numbers allowed must be numbers."), "min_value")
        if None not in (spec.min_value, spec.max_value) and spec.min_value > spec.max_value:
            raise SurveyError(_("The smallest number allowed is larger than the largest."), "min_value")
    if spec.kind in ("single", "multiple"):
        choices = spec.choices or []
        if not choices:  # one is enough: "I agree", a checkbox to tick (real forms have them)
            raise SurveyError(_("A choice question needs at least one choice."), "choices")
        seen: set[str] = set()
        for code, label in choices:
            if not (SINGLE_CHOICE_CODE_PATTERN if spec.kind == "single" else CHOICE_CODE_PATTERN).match(code):
                raise SurveyError(_("A choice code holds only letters, digits, “_”, “-” and “.”: %(code)s",
                                    code=code), "choices")
            if code in seen:
                raise SurveyError(_("Two choices have the code %(code)s.", code=code), "choices")
            if not label.strip():
                raise SurveyError(_("Please write every choice."), "choices")
            if len(label.strip()) > CHOICE_LABEL_MAX:
                raise SurveyError(_("A choice's wording has at most %(n)d characters.", n=CHOICE_LABEL_MAX),
                                  "choices")
            seen.add(code)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def earlier_kinds(survey: Survey, version: SurveyVersion) -> dict[str, set[str]]:
    """Question code -> the kinds it has in the survey's other versions (one kind, unless older data differ)."""
    kinds: dict[str, set[str]] = {}
    for other in survey.versions:
        if other is not version:
            for question in other.questions:
                kinds.setdefault(question.code, set()).add(question.kind)
    return kinds


def earlier_ranges(survey: Survey, version: SurveyVersion, code: str) -> list[tuple[float | None, float | None]]:
    """The (smallest, largest) of the number questions with this code in the survey's other versions."""
    return sorted({(q.min_value, q.max_value) for other in survey.versions if other is not version
                   for q in other.questions if q.code == code and q.kind == "number"},
                  key=lambda bounds: tuple(math.inf if b is None else b for b in bounds))


def bounds_text(bounds: tuple[float | None, float | None]) -> str:
    low, high = (_("none") if b is None else format_decimal(b) for b in bounds)
    return _("%(low)s to %(high)s", low=low, high=high)


def check_kind(survey: Survey, version: SurveyVersion, code: str, kind: str,
               bounds: tuple[float | None, float | None]) -> None:
    """A code keeps one kind, and a number question its range (``bounds``), for the life of a survey; every
    indicator on it must be able to read it.

    Indicators and results find a question's answers by its code, in every version: a code that changed
    kind would let a share search the words of free-text answers. The noise on a mean is as wide as the
    range (lms/disclosure.py): two readings of the same answers under two widths would give the exact mean.
    """
    other = sorted(earlier_kinds(survey, version).get(code, set()) - {kind})
    if other:
        raise SurveyError(_("The code %(code)s belongs to a question of type “%(old)s” in another version of this "
                            "survey, and a code keeps its type: choose another code for a question of type "
                            "“%(new)s”.", code=code, old=kind_label(other[0]), new=kind_label(kind)), "kind")
    ranges = earlier_ranges(survey, version, code) if kind == "number" else []
    if ranges and tuple(bounds) not in ranges:
        raise SurveyError(_("The question %(code)s allows numbers from %(old)s in another version of this survey, "
                            "and a question keeps its range: keep %(old)s, or choose another code for numbers "
                            "from %(new)s.", code=code, old=bounds_text(ranges[0]), new=bounds_text(bounds)),
                          "min_value")
    for indicator in survey.indicators:
        if indicator.question_code == code and kind not in INDICATOR_QUESTION_KINDS[indicator.kind]:
            raise SurveyError(_("The indicator %(indicator)s measures the question %(code)s, and cannot measure a "
                                "question of type “%(new)s”.", indicator=indicator.code, code=code,
                                new=kind_label(kind)), "kind")


def add_question(survey: Survey, spec: QuestionSpec) -> SurveyQuestion:
    """Add a question at the end of the editable version, in the survey's source language."""
    version = editable_version(survey)
    check_question(spec, {q.code for q in version.questions})
    check_kind(survey, version, spec.code, spec.kind, (spec.min_value, spec.max_value))
    question = SurveyQuestion(code=spec.code, position=len(version.questions) + 1, kind=spec.kind)
    version.questions.append(question)
    apply_spec(question, spec, survey.source_language)
    db.session.flush()
    return question


def update_question(survey: Survey, code: str, spec: QuestionSpec) -> SurveyQuestion:
    """Change a question of the editable version; its code may change too."""
    version = editable_version(survey)
    question = find_question(version, code)
    check_question(spec, {q.code for q in version.questions} - {code})
    check_kind(survey, version, spec.code, spec.kind, (spec.min_value, spec.max_value))
    question.code, question.kind = spec.code, spec.kind
    apply_spec(question, spec, survey.source_language)
    db.session.flush()
    return question


def apply_spec(question: SurveyQuestion, spec: QuestionSpec, language: str) -> None:
    question.required = spec.required
    is_number = spec.kind == "number"
    question.min_value = spec.min_value if is_number else None
    question.max_value = spec.max_value if is_number else None
    for name in LOGIC_FIELDS:
        if getattr(spec, name) is not None:
            setattr(question, name, getattr(spec, name))
    set_question_text(question, language, spec.label.strip(), spec.hint.strip(), source=None)
    if spec.kind not in ("single", "multiple"):
        question.choices = []
        return
    # The new list replaces the old one at once: a choice kept must never be orphaned (and deleted) on the way.
    existing = {c.code: c for c in question.choices}
    choices = []
    for position, (code, label) in enumerate(spec.choices or [], start=1):
        choice = existing.get(code) or SurveyChoice(code=code)
        choice.position = position
        set_choice_text(choice, language, label.strip())
        choices.append(choice)
    question.choices = choices


def add_group(version: SurveyVersion, code: str, *, parent: SurveyGroup | None = None, relevant: str = "",
              labels: dict[str, str] | None = None) -> SurveyGroup:
    """A group at the end of the version's groups (after its parent), its label in each language given."""
    check_code(code, NAME_PATTERN)
    if code in {g.code for g in version.groups} | {q.code for q in version.questions}:
        raise SurveyError(_("Another question already has the code %(code)s.", code=code), "code")
    group = SurveyGroup(code=code, position=len(version.groups) + 1, parent_id=parent.id if parent else None,
                        relevant=relevant,
                        texts=[SurveyGroupText(language=language, label=label)
                               for language, label in (labels or {}).items()])
    version.groups.append(group)
    db.session.flush()
    return group


def set_question_text(question: SurveyQuestion, language: str, label: str, hint: str,
                      source: SurveyQuestionText | None) -> None:
    """The wording in one language; a translation remembers which source wording it was made from."""
    if len(label) > MAX_LABEL_CHARS:
        raise SurveyError(_("A question holds at most %(n)d characters.", n=MAX_LABEL_CHARS), field="label")
    if len(hint) > MAX_HINT_CHARS:
        raise SurveyError(_("A hint holds at most %(n)d characters.", n=MAX_HINT_CHARS), field="hint")
    row = next((t for t in question.texts if t.language == language), None)
    if row is None:
        row = SurveyQuestionText(language=language, label=label, hint=hint, checksum="")
        question.texts.append(row)
    row.label, row.hint, row.checksum = label, hint, checksum(label, hint)
    row.source_checksum = source.checksum if source is not None else None


def set_choice_text(choice: SurveyChoice, language: str, label: str) -> None:
    row = next((t for t in choice.texts if t.language == language), None)
    if row is None:
        choice.texts.append(SurveyChoiceText(language=language, label=label))
    else:
        row.label = label


def find_question(version: SurveyVersion, code: str) -> SurveyQuestion:
    question = next((q for q in version.questions if q.code == code), None)
    if question is None:
        raise SurveyError(_("There is no question with the code %(code)s.", code=code))
    return question


def delete_question(survey: Survey, code: str) -> None:
    version = editable_version(survey)
    version.questions.remove(find_question(version, code))
    for position, question in enumerate(version.questions, start=1):
        question.position = position
    db.session.flush()


def move_question(survey: Survey, code: str, offset: int) -> None:
    version = editable_version(survey)
    questions = list(version.questions)
    index = questions.index(find_question(version, code))
    target = max(0, min(len(questions) - 1, index + offset))
    questions.insert(target, questions.pop(index))
    for position, question in enumerate(questions, start=1):
        question.position = position
    db.session.flush()


def publish(survey: Survey, today: date | None = None) -> SurveyVersion:
    """Publish the draft; earlier answers keep the version they answered. It takes effect (new answers use it)
    at once if no version is in effect or no wave of the survey is open, else at the next release checkpoint,
    replacing a version published before that has not taken effect yet: a period's answers are then all of one
    version, and an author publishing versions cannot split them into batches (docs/privacy.md)."""
    from lms.surveys.pool import next_checkpoint  # the pool's module imports this one (through results)

    today = today or clock.today()
    version = survey.draft_version
    if version is None:
        raise SurveyError(_("There are no changes to publish."))
    if not version.questions:
        raise SurveyError(_("Add at least one question before publishing."))
    for question in version.questions:
        check_kind(survey, version, question.code, question.kind, (question.min_value, question.max_value))
    check_indicators(survey, version)
    open_wave = any((w.opens_on is None or w.opens_on <= today) and (w.closes_on is None or today <= w.closes_on)
                    for w in survey.waves)
    at_once = not open_wave or survey.version_in_effect(today) is None
    version.takes_effect_on = today if at_once else next_checkpoint(today, current_app.config["RELEASE_EVERY_DAYS"])
    version.published_at = clock.utcnow()
    db.session.flush()
    survey_stale(survey)  # the results show its questions' newest kinds, choices and ranges
    return version


def check_indicators(survey: Survey, version: SurveyVersion) -> None:
    """Every indicator finds in ``version`` the question it counts, by its code, and a share the choices it counts.

    Indicators read answers by code across versions: a version without the code (or a share's choice code) would
    leave its answers out of the figures without a word. A code is not renamed in a new version, nor followed
    under another name (an alias could mix two questions' answers): publishing is refused, and the author keeps
    the question or deletes the indicator (docs/surveys.md, "Codes that stay").
    """
    questions = {q.code: q for q in version.questions}
    for indicator in survey.indicators:
        question = questions.get(indicator.question_code)
        if question is None:
            raise SurveyError(_("The indicator %(indicator)s counts the answers to %(code)s: keep that question "
                                "(with its code) or delete the indicator first.", indicator=indicator.code,
                                code=indicator.question_code), "code")
        missing = [c for c in indicator.choice_codes if c not in question.choice_codes] \
            if indicator.kind == "share" else []
        if missing:
            raise SurveyError(_("The indicator %(indicator)s counts the answers %(choices)s to %(code)s: keep those "
                                "choices (with their codes) or delete the indicator first.",
                                indicator=indicator.code, choices=", ".join(missing), code=question.code), "choices")


def indicator_problem(survey: Survey) -> str | None:
    """Why the draft would not be published for an indicator's sake, shown before the author tries; else None."""
    if survey.draft_version is None:
        return None
    try:
        check_indicators(survey, survey.draft_version)
    except SurveyError as error:
        return str(error)
    return None


def indicators_counting(survey: Survey) -> dict[str, list[str]]:
    """Question code -> the codes of the indicators that count its answers (for the editor's warning)."""
    counting: dict[str, list[str]] = {}
    for indicator in survey.indicators:
        counting.setdefault(indicator.question_code, []).append(indicator.code)
    return counting


def pending_version(survey: Survey, today: date) -> SurveyVersion | None:
    """The version published that members will answer from its ``takes_effect_on``, if it is not in effect yet."""
    published = survey.published_version
    return published if published is not None and published is not survey.version_in_effect(today) else None


def discard_draft(survey: Survey) -> None:
    """Drop the changes made since the last publication (a never-published survey keeps its draft)."""
    draft = survey.draft_version
    if draft is None or survey.published_version is None:
        raise SurveyError(_("There are no changes to discard."))
    survey.versions.remove(draft)
    db.session.flush()


def can_delete_survey(survey: Survey) -> bool:
    """Only a survey never published is deleted: a published one has versions that answers and results keep."""
    return survey.published_version is None and not answers_to(
        select(SurveyWave.id).where(SurveyWave.survey_id == survey.id))


def delete_draft_survey(survey: Survey) -> None:
    """Delete a survey never published, with its questions, translations, indicators and waves."""
    if not can_delete_survey(survey):
        raise SurveyError(_("A published survey is kept: its versions are what its answers and results refer to. "
                            "Discard its unpublished changes instead, or stop adding waves to it."))
    db.session.delete(survey)
    db.session.flush()


def current_version(survey: Survey) -> SurveyVersion:
    """Translators work on the draft if there is one, else on the published version."""
    return survey.draft_version or survey.published_version


def save_translation(survey: Survey, language: str, *, title: str, description: str,
                     questions: dict[str, tuple[str, str]], choices: dict[tuple[str, str], str],
                     indicators: dict[str, str] | None = None) -> None:
    """Store the wording of the survey in ``language``; empty fields are left untranslated."""
    if language == survey.source_language:
        raise SurveyError(_("This is the source language: edit the questions themselves."))
    if (len(title.strip()) > 200 or any(len(text.strip()) > 300 for text in choices.values())
            or any(len(text.strip()) > 200 for text in (indicators or {}).values())):
        raise SurveyError(_("A title has at most 200 characters, and a choice at most 300. Nothing was saved."))
    version = current_version(survey)
    row = next((t for t in survey.translations if t.language == language), None)
    if title.strip():
        if row is None:
            row = SurveyTranslation(language=language, title="")
            survey.translations.append(row)
        row.title, row.description = title.strip(), description.strip()
    for question in version.questions:
        label, hint = questions.get(question.code, ("", ""))
        source = next(t for t in question.texts if t.language == survey.source_language)
        if label.strip():
            set_question_text(question, language, label.strip(), hint.strip(), source=source)
        for choice in question.choices:
            text = choices.get((question.code, choice.code), "").strip()
            if text:
                set_choice_text(choice, language, text)
    for indicator in survey.indicators:
        text = (indicators or {}).get(indicator.code, "").strip()
        row = next((t for t in indicator.titles if t.language == language), None)
        if text and row is None:
            indicator.titles.append(IndicatorTitle(language=language, title=text))
        elif text:
            row.title = text
    db.session.flush()


def add_wave(survey: Survey, *, kind: str, days_after: int | None = None, course: Course | None = None,
             group: TrainingGroup | None = None, workplace: Workplace | None = None,
             opens_on: date | None = None, closes_on: date | None = None) -> SurveyWave:
    """Attach the survey to exactly one course, training group or workplace, at one moment."""
    targets = [t for t in (course, group, workplace) if t is not None]
    if len(targets) != 1:
        raise SurveyError(_("Choose one course, one training group or one workplace."))
    if (workplace is None) != (survey.subject == "participant"):
        raise SurveyError(_("A workplace survey is asked at workplaces; a participants' survey in trainings."))
    if group is not None and not survey.names_respondents:
        raise SurveyError(str(NOT_OF_ONE_GROUP))
    if kind == "follow_up" and not (days_after and days_after > 0):
        raise SurveyError(_("A follow-up needs the number of days after the training."))
    if workplace is not None and opens_on is None:
        raise SurveyError(_("A round at a workplace needs the day it starts."))
    if workplace is None and opens_on is not None:
        raise SurveyError(_("Only a round at a workplace has a first day: a course's or a group's wave is asked "
                            "on each member's own day."))
    if workplace is None and closes_on is not None and closes_on < clock.today():
        raise SurveyError(_("The last day has already passed."))
    if opens_on and closes_on and closes_on < opens_on:
        raise SurveyError(_("The last day comes before the first day."))
    shortest = OPEN_PERIODS * current_app.config["RELEASE_EVERY_DAYS"]
    if course is not None and not survey.names_respondents and closes_on is not None and (
            closes_on < clock.today() + timedelta(days=shortest)):
        raise SurveyError(_("A course's wave of an anonymous or pseudonymous survey stays open at least %(n)d days, "
                            "so that its answers come from many trainings, not from a few chosen members.",
                            n=shortest))
    duplicate = next((w for w in survey.waves if w.kind == kind and w.days_after == (days_after or None)
                      and (w.course_id, w.group_id, w.workplace_id) == (
                          course and course.id, group and group.id, workplace and workplace.id)
                      and w.opens_on == opens_on), None)
    if duplicate is not None:
        raise SurveyError(_("This wave already exists."))
    wave = SurveyWave(kind=kind, days_after=days_after if kind == "follow_up" else None,
                      course_id=course.id if course else None, group_id=group.id if group else None,
                      workplace_id=workplace.id if workplace else None, opens_on=opens_on, closes_on=closes_on)
    survey.waves.append(wave)
    db.session.flush()
    return wave


def indicator_questions(survey: Survey) -> list[SurveyQuestion]:
    """The questions an indicator may count: those of the version being edited that the published version asks
    too. So every indicator's question is in the version published (a new one gets indicators once published) and
    in the draft (one dropped from it gets none): discarding or publishing the draft leaves no indicator counting
    a code that members are no longer asked."""
    version = current_version(survey)
    if version is None:
        return []
    published = survey.published_version
    if published is None or published is version:
        return list(version.questions)
    asked = {q.code for q in published.questions}
    return [q for q in version.questions if q.code in asked]


def add_indicator(survey: Survey, *, code: str, question_code: str, kind: str, choice_codes: list[str],
                  direction: str, title: str, language: str) -> SurveyIndicator:
    """An outcome measured on one question of the survey, by its code."""
    check_code(code)
    if any(i.code == code for i in survey.indicators):
        raise SurveyError(_("Another indicator already has the code %(code)s.", code=code))
    version = current_version(survey)
    question = next((q for q in indicator_questions(survey) if q.code == question_code), None)
    if question is None:
        if version is not None and any(q.code == question_code for q in version.questions):
            raise SurveyError(_("The question %(code)s is not published yet: publish it, then add the indicator.",
                                code=question_code))
        raise SurveyError(_("There is no question with the code %(code)s.", code=question_code))
    if kind not in INDICATOR_QUESTION_KINDS:
        raise SurveyError(_("Please choose what to measure."))
    # Every version's question with this code must fit (a code keeps its kind, but older data may not).
    kinds = {question.kind} | earlier_kinds(survey, version).get(question_code, set())
    if kind == "mean" and not kinds <= set(INDICATOR_QUESTION_KINDS["mean"]):
        raise SurveyError(_("A mean needs a number or a Likert scale question."))
    if kind == "share":
        if not kinds <= set(INDICATOR_QUESTION_KINDS["share"]):
            raise SurveyError(_("A share needs a question with choices."))
        published = survey.published_version
        offered = set(question.choice_codes)
        if published is not None:  # the choice is published, and kept in the draft
            offered &= set(find_question(published, question_code).choice_codes)
        unknown = set(choice_codes) - offered
        if not choice_codes or unknown:
            raise SurveyError(_("Choose the answers that count, among the question's choices."))
    if not title.strip() or len(title.strip()) > TITLE_MAX:
        raise SurveyError(_("Please write a title of at most %(n)d characters.", n=TITLE_MAX))
    if direction not in ("up", "down"):
        raise SurveyError(_("Please choose a direction."))
    indicator = SurveyIndicator(code=code, question_code=question_code, kind=kind, direction=direction,
                                choice_codes=list(choice_codes) if kind == "share" else [])
    indicator.titles.append(IndicatorTitle(language=language, title=title.strip()))
    survey.indicators.append(indicator)
    survey_stale(survey)
    db.session.flush()
    return indicator


def survey_stale(survey: Survey) -> None:
    """The survey's kept indicator sums no longer hold (lms/surveys/indicator_sums.py)."""
    from lms.surveys.indicator_sums import survey_stale as stale  # that module imports this one

    stale(survey)


def delete_indicator(survey: Survey, code: str) -> None:
    """Stop measuring an indicator; the answers it counted are kept, and a new indicator may count them again."""
    indicator = next((i for i in survey.indicators if i.code == code), None)
    if indicator is None:
        raise SurveyError(_("There is no indicator with the code %(code)s.", code=code))
    survey.indicators.remove(indicator)
    db.session.flush()
    survey_stale(survey)


def create_workplace(*, name: str, sector: str, country: str, organisation_id: int | None) -> Workplace:
    workplace = Workplace(name=name.strip(), sector=sector.strip(), country=country,
                          organisation_id=organisation_id)
    db.session.add(workplace)
    db.session.flush()
    return workplace


def update_workplace(workplace: Workplace, *, name: str, sector: str, country: str,
                     organisation_id: int | None) -> list[str]:
    """Correct a workplace's details; returns the names of the fields that changed."""
    values = {"name": name.strip(), "sector": sector.strip(), "country": country, "organisation_id": organisation_id}
    changed = [key for key, value in values.items() if getattr(workplace, key) != value]
    for key in changed:
        setattr(workplace, key, values[key])
    db.session.flush()
    return changed


def workplace_answers(workplace: Workplace) -> int:
    """The answers collected at a workplace, published or waiting for their batch."""
    return answers_to(select(SurveyWave.id).where(SurveyWave.workplace_id == workplace.id))


def answers_to(waves) -> int:
    """The answers to these waves (a query of their ids), published or waiting for their batch."""
    return sum(db.session.scalar(select(sa.func.count()).select_from(table).where(table.wave_id.in_(waves))) or 0
               for table in (SurveyResponse, PooledResponse))


class WorkplaceHasAnswers(SurveyError):
    """A workplace whose workers answered is kept: its answers count in the results."""


def delete_workplace(workplace: Workplace) -> int:
    """Delete a workplace where nobody has answered, with its survey rounds; returns how many rounds went. The
    training groups held there stay, tied to no workplace (as ``ON DELETE SET NULL`` does where foreign keys are
    enforced: SQLite here does not)."""
    if workplace_answers(workplace):
        raise WorkplaceHasAnswers(_("Workers have answered at this workplace: it is kept, with their answers."))
    rounds = db.session.execute(sa.delete(SurveyWave).where(SurveyWave.workplace_id == workplace.id)).rowcount
    db.session.execute(sa.update(TrainingGroup).where(TrainingGroup.workplace_id == workplace.id)
                       .values(workplace_id=None))
    db.session.delete(workplace)
    db.session.flush()
    return rounds


def fixed_choice_codes(kind: str) -> tuple[str, ...]:
    return FIXED_CHOICES.get(kind, ())
