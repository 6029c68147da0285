"""An XLSForm becomes a survey (or the next version of one), all or nothing."""
from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.i18n import current_language, language_name
from lms.models import Survey, SurveyGroup, SurveyVersion, User
from lms.models.surveys import MAX_TEXT_CHARS
from lms.permissions import can_edit_survey
from lms.surveys import building, logic
from lms.surveys.building import SurveyError
from lms.surveys.xlsform.mapping import FormQuestion, Mapper, Plan, source_language
from lms.surveys.xlsform.problems import XLSFormError, fail, problem, where
from lms.surveys.xlsform.reading import MAX_CHOICE_ROWS, MAX_CHOICE_WORDINGS, Form, parse, read_form
from lms.surveys.xlsform.types import GROUPS, KINDS, METADATA, is_known, refusal, written_type


def import_xlsform(stream: BinaryIO, filename: str, *, creator: User | None, privacy: str = "anonymous",
                   subject: str = "participant") -> Survey:
    """A survey from an XLSForm (.xlsx or .xls), published; all or nothing.

    pyxform reads the form and checks it; its reading becomes the survey's questions, groups and logic. A form
    whose ``form_id`` is the code of a survey the importer may edit (``creator`` None: the command line) becomes
    that survey's next version, its questions in place of the published ones; every code keeps the type it has
    in the survey's other versions. Every problem is reported at once, with its sheet, row and column, and
    nothing is written if there is one.
    """
    filename = Path(filename).name
    form = read_form(stream.read(), filename)
    try:
        tree = parse(form)
    except XLSFormError as error:
        # pyxform stops at its first problem: the rows it did not reach are still read for what is not supported.
        found = type_problems(form)
        if found and any("Unknown question type" in p for p in error.problems):  # one of these, without its row
            raise XLSFormError(found) from None
        raise XLSFormError(error.problems + found) from None
    source, problems = source_language(form)
    if problems:
        raise XLSFormError(problems)
    code = form_code(form)
    survey = target_survey(code, form.settings.get("form_title") or code, source, form, creator=creator,
                           privacy=privacy, subject=subject)
    try:
        version = building.blank_version(survey)
    except SurveyError as error:
        raise fail(filename, where("settings", 2, "form_id"), str(error)) from None
    plan = Mapper(form, survey, version, source).map(tree)
    offered = sum(len(found.spec.choices or ()) for found in plan.questions)
    if offered > MAX_CHOICE_ROWS:  # a list is stored once for each question that offers it
        plan.problems.append(str(fail(filename, where(form.choices.name), _(
            "the form's questions offer %(n)s choices in all, more than %(max)s: a long list (villages, say) "
            "offered by several questions counts once for each.", n=format_number(offered),
            max=format_number(MAX_CHOICE_ROWS)))))
    wordings = sum(max(1, len(choice.labels)) for found in plan.questions for choice in found.choices)
    if offered <= MAX_CHOICE_ROWS and wordings > MAX_CHOICE_WORDINGS:  # each language's wording is a row too
        plan.problems.append(str(fail(filename, where(form.choices.name), _(
            "the form's choices have %(n)s wordings in all (a choice in each language), more than %(max)s: offer "
            "fewer choices, or fewer languages.", n=format_number(wordings),
            max=format_number(MAX_CHOICE_WORDINGS)))))
    if plan.problems:
        raise XLSFormError(plan.problems)
    if not any(q.spec.kind not in ("note", "calculate") for q in plan.questions):
        raise fail(filename, where(form.survey.name), _("the form has no question the portal can ask."))
    write_plan(survey, plan)
    try:
        trial(building.editable_version(survey))
    except logic.LogicTooSlow:
        raise fail(filename, where(form.survey.name), _(
            "the form's logic takes longer than the portal allows to check one response: make its calculations, "
            "constraints or choice filters simpler.")) from None
    try:
        building.publish(survey)
    except SurveyError as error:  # the form as a whole: an indicator counts a code or choice it no longer has
        raise XLSFormError(_("%(file)s: %(reason)s", file=filename, reason=str(error))) from None
    return survey


def trial(version: SurveyVersion) -> None:
    """The form's logic worked out as a page would, on no answers and on the longest answers the form takes: a form
    too costly for that (LogicTooSlow) would hold the server on every member's page."""
    longest = {"text": "a" * MAX_TEXT_CHARS, "number": "1", "date": clock.today().isoformat()}
    samples = {q.code: longest.get(q.kind) or (q.choice_codes[0] if q.choice_codes else "")
               for q in version.questions if q.answered}
    for answers in (logic.defaults(version), samples):
        evaluation = logic.evaluate(version, answers, version.survey.source_language)
        for code in evaluation.choices:
            evaluation.choices[code]


def form_code(form: Form) -> str:
    """The survey's code: the form's ``form_id`` (spaces become "_", as in ``my form`` -> ``my_form``), else the
    file's name."""
    form_id = form.settings.get("form_id", "")
    if form_id:
        return "_".join(form_id.split())
    return re.sub(r"[^A-Za-z0-9_]", "_", Path(form.filename).stem)


def type_problems(form: Form) -> list[str]:
    """The rows of the survey sheet whose type is not supported, read from the sheet itself."""
    problems = []
    for index, row in enumerate(form.survey.rows):
        raw = form.survey.value(row, "type")
        kind = written_type(raw)
        if not raw or kind in KINDS or kind in METADATA or kind in GROUPS or kind == "end":
            continue
        reason = refusal(kind) if is_known(kind) else _("the question type “%(type)s” is not supported.", type=raw)
        problems.append(problem(form.filename, where(form.survey.name, index + 2, form.survey.column("type")),
                                reason))
    return problems


def target_survey(code: str, title: str, source: str, form: Form, *, creator: User | None, privacy: str,
                  subject: str) -> Survey:
    """The survey the form becomes a version of: a new one, or the one with its code that ``creator`` may edit."""
    filename = form.filename
    existing = db.session.scalar(select(Survey).where(Survey.code == code))
    if existing is not None and (creator is None or can_edit_survey(creator, existing)):
        if existing.draft_version is not None and existing.draft_version.questions:
            raise fail(filename, where("settings", 2, "form_id"),
                       _("the survey %(code)s has changes that are not published: publish or discard them first.",
                         code=code))
        if source != existing.source_language:
            raise fail(filename, where("settings", 2, "default_language"),
                       _("the survey %(code)s is written in %(language)s: its form must be too.", code=code,
                         language=language_name(existing.source_language, current_language())))
        return existing
    try:
        return building.create_survey(code=code, title=title, description="", language=source, privacy=privacy,
                                      subject=subject, creator=creator)
    except SurveyError as error:
        column = "form_title" if error.field == "title" else "form_id"
        raise fail(filename, where("settings", 2, column), str(error)) from None


def write_plan(survey: Survey, plan: Plan) -> None:
    """The groups and questions of a checked plan, in the survey's draft version, with their translations."""
    version = building.editable_version(survey)
    version.metadata_names = plan.metadata[:200]
    groups: dict[str, SurveyGroup] = {}
    for group in plan.groups:
        groups[group.code] = building.add_group(version, group.code, parent=groups.get(group.parent.code)
                                                if group.parent else None, relevant=group.relevant,
                                                labels=translations(group.labels, survey.source_language))
    for found in plan.questions:
        add_question(survey, found, groups)


def translations(texts: dict[str, str], source: str) -> dict[str, str]:
    """The texts to keep: the source's, and each other language's that differs from it (an export fills an
    untranslated column with the source text: that is no translation)."""
    return {language: text for language, text in texts.items()
            if language == source or text != texts.get(source)}


def add_question(survey: Survey, found: FormQuestion, groups: dict[str, SurveyGroup]) -> None:
    """The question in the survey's language, its messages, and its translations (any other language of the form)."""
    source = survey.source_language
    question = building.add_question(survey, found.spec)
    question.group = groups[found.group.code] if found.group else None
    source_text = next(t for t in question.texts if t.language == source)
    source_parts = found.texts.get(source, {})
    source_text.constraint_message = source_parts.get("constraint_message", "")
    source_text.required_message = source_parts.get("required_message", "")
    for language, parts in found.texts.items():
        label = parts.get("label", "")
        if language == source or not label or label == source_text.label:
            continue
        building.set_question_text(question, language, label, parts.get("hint", ""), source=source_text)
        text = next(t for t in question.texts if t.language == language)
        text.constraint_message = parts.get("constraint_message", "")
        text.required_message = parts.get("required_message", "")
    for choice, form_choice in zip(question.choices, found.choices, strict=True):
        choice.filters = form_choice.filters
        for language, label in translations(form_choice.labels, source).items():
            if language != source:
                building.set_choice_text(choice, language, label)
    db.session.flush()
