"""A survey as an XLSForm: every language in ``label::Language (code)`` columns, its groups and its logic, which
pyxform converts and ODK Validate accepts."""
from __future__ import annotations

import io

from flask_babel import force_locale
from openpyxl import Workbook

from lms import clock
from lms.files.spreadsheets import append_text_row
from lms.i18n import pick_string, pick_text
from lms.models import Survey, SurveyGroup, SurveyQuestion
from lms.surveys import building
from lms.surveys.building import FIXED_CHOICE_LABELS
from lms.surveys.xlsform.languages import column_language
from lms.surveys.xlsform.mapping import FIXED_LISTS

TYPES = {"single": "select_one", "likert": "select_one", "yes_no": "select_one", "multiple": "select_multiple",
         "text": "text", "date": "date", "note": "note", "calculate": "calculate"}


def export_xlsform(survey: Survey) -> io.BytesIO:
    """The survey's published version (else its draft) as an XLSForm workbook."""
    version = building.current_version(survey)
    source = survey.source_language
    languages = sorted({t.language for q in version.questions for t in q.texts}
                       | {t.language for g in version.groups for t in g.texts} | {source},
                       key=lambda lang: (lang != source, lang))
    columns = {part: [f"{part}::{column_language(lang)}" for lang in languages]
               for part in ("label", "hint", "required_message", "constraint_message")}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    append_text_row(sheet, ["type", "name", *columns["label"], *columns["hint"], "required",
                            *columns["required_message"], "relevant", "constraint", *columns["constraint_message"],
                            "calculation", "choice_filter", "default", "appearance"])
    blank = [""] * len(languages)
    groups = {g.id: g for g in version.groups}
    opened: list[SurveyGroup] = []
    for question in version.questions:
        chain = group_chain(question, groups)
        kept = 0
        while kept < min(len(opened), len(chain)) and opened[kept] is chain[kept]:
            kept += 1
        while len(opened) > kept:
            opened.pop()
            append_text_row(sheet, ["end_group"])
        for group in chain[kept:]:
            labels = [pick_string(group.texts, lang, source, "label") for lang in languages]
            append_text_row(sheet, ["begin_group", group.code, *labels, *blank, "", *blank, group.relevant, "",
                                    *blank, "", "", "", "field-list" if group.parent_id is None else ""])
            opened.append(group)
        append_text_row(sheet, question_row(survey, question, languages))
    for _group in opened:
        append_text_row(sheet, ["end_group"])
    write_choices(workbook.create_sheet("choices"), survey, version.questions, languages, columns["label"])
    settings = workbook.create_sheet("settings")
    append_text_row(settings, ["form_id", "form_title", "version", "default_language"])
    title = pick_string(survey.translations, source, source, "title")
    stamp = f"{version.number}.{(version.published_at or clock.utcnow()):%Y%m%d%H%M}"
    append_text_row(settings, [survey.code, title, stamp, column_language(source)])
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    return data


def group_chain(question: SurveyQuestion, groups: dict[int, SurveyGroup]) -> list[SurveyGroup]:
    """The groups a question is in, outermost first."""
    chain = []
    group = groups.get(question.group_id) if question.group_id else None
    while group is not None:
        chain.insert(0, group)
        group = groups.get(group.parent_id) if group.parent_id else None
    return chain


def question_row(survey: Survey, question: SurveyQuestion, languages: list[str]) -> list[str]:
    if question.kind == "number":
        kind = "integer" if question.whole else "decimal"
    elif question.kind in ("single", "likert", "yes_no", "multiple"):
        kind = f"{TYPES[question.kind]} {list_name(question)}"
    else:
        kind = TYPES[question.kind]
    texts = [pick_text(question.texts, lang, survey.source_language) for lang in languages]
    rows = [t.row if t else None for t in texts]

    def part(name: str) -> list[str]:
        return [getattr(row, name) if row is not None else "" for row in rows]

    required = question.required_rule or ("yes" if question.required and question.answered else "")
    bounds = [f". >= {number_text(question.min_value)}" if question.min_value is not None else "",
              f". <= {number_text(question.max_value)}" if question.max_value is not None else ""]
    rule = f"({question.constraint_rule})" if question.constraint_rule and any(bounds) else question.constraint_rule
    constraint = " and ".join(b for b in [rule, *bounds] if b)
    return [kind, question.code, *part("label"), *part("hint"), required, *part("required_message"),
            question.relevant, constraint, *part("constraint_message"), question.calculation, question.choice_filter,
            question.default_value, ""]


def list_name(question: SurveyQuestion) -> str:
    return FIXED_LISTS.get(question.kind, f"{question.code}_choices")


def write_choices(sheet, survey: Survey, questions: list[SurveyQuestion], languages: list[str],
                  labels: list[str]) -> None:
    """One list per choice question (the fixed lists once), with the columns its choice filters read."""
    filters = sorted({key for q in questions for c in q.choices for key in (c.filters or {})})
    append_text_row(sheet, ["list_name", "name", *labels, *filters])
    written: set[str] = set()
    for question in questions:
        name = list_name(question)
        if name in written or question.kind not in FIXED_LISTS and question.kind not in ("single", "multiple"):
            continue
        written.add(name)
        for choice in question.choices or question.choice_codes:
            code = choice if isinstance(choice, str) else choice.code
            values = {} if isinstance(choice, str) else choice.filters or {}
            append_text_row(sheet, [name, code, *[choice_text(survey, question, code, lang) for lang in languages],
                                    *[str(values.get(key, "")) for key in filters]])


def choice_text(survey: Survey, question: SurveyQuestion, code: str, language: str) -> str:
    if (question.kind, code) in FIXED_CHOICE_LABELS:
        with force_locale(language):
            return str(FIXED_CHOICE_LABELS[(question.kind, code)])
    choice = question.choice(code)
    return pick_string(choice.texts, language, survey.source_language, "label")


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
