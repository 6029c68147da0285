"""Building surveys: questions with codes, texts per language, versions, waves and indicators."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.content.markdown import checksum
from lms.extensions import db
from lms.models import (
    FIXED_CHOICES,
    Course,
    IndicatorTitle,
    Survey,
    SurveyChoice,
    SurveyChoiceText,
    SurveyIndicator,
    SurveyQuestion,
    SurveyQuestionText,
    SurveyTranslation,
    SurveyVersion,
    SurveyWave,
    TrainingGroup,
    User,
    Workplace,
    utcnow,
)

#: XLSForm names: a letter or underscore, then letters, digits, "_", "-" or ".".
CODE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,59}$")
#: Choice names: no spaces (select_multiple answers are space-separated lists of them).
CHOICE_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,60}$")

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


class SurveyError(ValueError):
    """A change to a survey that cannot be made; the message is translated and nothing was written."""


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


def check_code(code: str) -> None:
    if not CODE_PATTERN.match(code or ""):
        raise SurveyError(_("A code starts with a letter and holds only letters, digits, “_”, “-” and “.” "
                            "(at most 60): %(code)s", code=code))


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
    version = SurveyVersion(number=published.number + 1)
    for question in published.questions:
        version.questions.append(copy_question(question))
    survey.versions.append(version)
    db.session.flush()
    return version


def copy_question(question: SurveyQuestion) -> SurveyQuestion:
    copy = SurveyQuestion(code=question.code, position=question.position, kind=question.kind,
                          required=question.required, min_value=question.min_value, max_value=question.max_value)
    copy.texts = [SurveyQuestionText(language=t.language, label=t.label, hint=t.hint, checksum=t.checksum,
                                     source_checksum=t.source_checksum) for t in question.texts]
    for choice in question.choices:
        copy.choices.append(SurveyChoice(code=choice.code, position=choice.position, texts=[
            SurveyChoiceText(language=t.language, label=t.label) for t in choice.texts]))
    return copy


def check_question(spec: QuestionSpec, taken: set[str]) -> None:
    check_code(spec.code)
    if spec.code in taken:
        raise SurveyError(_("Another question already has the code %(code)s.", code=spec.code))
    if not spec.label.strip():
        raise SurveyError(_("Please write the question."))
    if spec.kind == "number" and None not in (spec.min_value, spec.max_value) and spec.min_value > spec.max_value:
        raise SurveyError(_("The smallest number allowed is larger than the largest."))
    if spec.kind in ("single", "multiple"):
        choices = spec.choices or []
        if len(choices) < 2:
            raise SurveyError(_("A choice question needs at least two choices."))
        seen: set[str] = set()
        for code, label in choices:
            if not CHOICE_CODE_PATTERN.match(code):
                raise SurveyError(_("A choice code holds only letters, digits, “_”, “-” and “.”: %(code)s",
                                    code=code))
            if code in seen:
                raise SurveyError(_("Two choices have the code %(code)s.", code=code))
            if not label.strip():
                raise SurveyError(_("Please write every choice."))
            seen.add(code)


def add_question(survey: Survey, spec: QuestionSpec) -> SurveyQuestion:
    """Add a question at the end of the editable version, in the survey's source language."""
    version = editable_version(survey)
    check_question(spec, {q.code for q in version.questions})
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
    question.code, question.kind = spec.code, spec.kind
    apply_spec(question, spec, survey.source_language)
    db.session.flush()
    return question


def apply_spec(question: SurveyQuestion, spec: QuestionSpec, language: str) -> None:
    question.required = spec.required
    is_number = spec.kind == "number"
    question.min_value = spec.min_value if is_number else None
    question.max_value = spec.max_value if is_number else None
    set_question_text(question, language, spec.label.strip(), spec.hint.strip(), source=None)
    if spec.kind not in ("single", "multiple"):
        question.choices = []
        return
    existing = {c.code: c for c in question.choices}
    question.choices = []
    for position, (code, label) in enumerate(spec.choices or [], start=1):
        choice = existing.get(code) or SurveyChoice(code=code)
        choice.position = position
        set_choice_text(choice, language, label.strip())
        question.choices.append(choice)


def set_question_text(question: SurveyQuestion, language: str, label: str, hint: str,
                      source: SurveyQuestionText | None) -> None:
    """The wording in one language; a translation remembers which source wording it was made from."""
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


def publish(survey: Survey) -> SurveyVersion:
    """Publish the draft: new answers use it; earlier answers keep the version they answered."""
    version = survey.draft_version
    if version is None:
        raise SurveyError(_("There are no changes to publish."))
    if not version.questions:
        raise SurveyError(_("Add at least one question before publishing."))
    version.published_at = utcnow()
    db.session.flush()
    return version


def discard_draft(survey: Survey) -> None:
    """Drop the changes made since the last publication (a never-published survey keeps its draft)."""
    draft = survey.draft_version
    if draft is None or survey.published_version is None:
        raise SurveyError(_("There are no changes to discard."))
    survey.versions.remove(draft)
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
    if kind == "follow_up" and not (days_after and days_after > 0):
        raise SurveyError(_("A follow-up needs the number of days after the training."))
    if workplace is not None and opens_on is None:
        raise SurveyError(_("A round at a workplace needs the day it starts."))
    if opens_on and closes_on and closes_on < opens_on:
        raise SurveyError(_("The last day comes before the first day."))
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


def add_indicator(survey: Survey, *, code: str, question_code: str, kind: str, choice_codes: list[str],
                  direction: str, title: str, language: str) -> SurveyIndicator:
    """An outcome measured on one question of the survey, by its code."""
    check_code(code)
    if any(i.code == code for i in survey.indicators):
        raise SurveyError(_("Another indicator already has the code %(code)s.", code=code))
    version = current_version(survey)
    question = next((q for q in version.questions if q.code == question_code), None) if version else None
    if question is None:
        raise SurveyError(_("There is no question with the code %(code)s.", code=question_code))
    if kind == "mean" and question.kind not in ("number", "likert"):
        raise SurveyError(_("A mean needs a number or a Likert scale question."))
    if kind == "share":
        if question.kind not in ("single", "multiple", "likert", "yes_no"):
            raise SurveyError(_("A share needs a question with choices."))
        unknown = set(choice_codes) - set(question.choice_codes)
        if not choice_codes or unknown:
            raise SurveyError(_("Choose the answers that count, among the question's choices."))
    if not title.strip():
        raise SurveyError(_("Please write a title."))
    indicator = SurveyIndicator(code=code, question_code=question_code, kind=kind, direction=direction,
                                choice_codes=list(choice_codes) if kind == "share" else [])
    indicator.titles.append(IndicatorTitle(language=language, title=title.strip()))
    survey.indicators.append(indicator)
    db.session.flush()
    return indicator


def create_workplace(*, name: str, sector: str, country: str, organisation_id: int | None) -> Workplace:
    workplace = Workplace(name=name.strip(), sector=sector.strip(), country=country,
                          organisation_id=organisation_id)
    db.session.add(workplace)
    db.session.flush()
    return workplace


def fixed_choice_codes(kind: str) -> tuple[str, ...]:
    return FIXED_CHOICES.get(kind, ())
