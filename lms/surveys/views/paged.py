"""The survey form page by page, shared by a member answering and a union team entering a worker's answers: the
step a request asks for, the page that shows it, and the live check the page's script asks for (survey-logic.js).

The check answers with what changes on the page shown (questions and choices asked, messages, labels); it stores
nothing and logs no answer.
"""
from __future__ import annotations

from flask import get_template_attribute, jsonify, render_template, request
from flask_babel import format_number
from flask_babel import gettext as _

from lms.auth.throttle import Rule, signed_in_account, throttled
from lms.models import Survey, SurveyVersion
from lms.surveys import paging
from lms.surveys.forms import page_form
from lms.surveys.logic import evaluate, pages
from lms.surveys.paging import Step

#: Live checks per account (``SURVEY_CHECK_LIMIT``), counted before the check.
guard_survey_check = throttled(Rule("SURVEY_CHECK_LIMIT", signed_in_account, "survey check"))
#: Pages sent per account (``SURVEY_PAGE_LIMIT``): each costs the form's logic, up to SURVEY_LOGIC_SECONDS.
guard_survey_page = throttled(Rule("SURVEY_PAGE_LIMIT", signed_in_account, "survey page"))


def page_index() -> int:
    raw = request.form.get("page", "0")
    return int(raw) if raw.isdigit() and len(raw) < 6 else 0


def requested_step(version: SurveyVersion, language: str) -> Step:
    """The first page for a GET; after a POST, the page "Next" or "Back" leads to (``done`` once sent and valid)."""
    if request.method != "POST":
        return paging.start(version, language)
    answers = paging.answers_from(version, request.form)
    shown = set(request.form["shown"].split()) if "shown" in request.form else None
    offered = paging.offered_from(request.form["offered"]) if "offered" in request.form else None
    return paging.move(version, answers, language, index=page_index(), back=request.form.get("move") == "back",
                       shown=shown, offered=offered)


def texts_of(questions, version: SurveyVersion, values: dict[str, str], language: str) -> dict[str, tuple[str, str]]:
    return {q.code: paging.label_and_hint(q, version, values, language) for q in questions}


def indicator(step: Step) -> str:
    total = len(step.visible)
    if total < 2:
        return ""
    return _("Page %(page)s of %(pages)s", page=format_number(step.number), pages=format_number(total))


def show_step(step: Step, *, survey: Survey, version: SurveyVersion, language: str, check_url: str, **context):
    """The page of ``step``, its fields filled with the answers as typed, the other pages' answers hidden."""
    shown = step.shown
    texts = texts_of(shown, version, step.evaluation.values, language)
    form = page_form(shown, texts, step.answers, step.evaluation.choices, language, survey.source_language)
    for code, message in step.errors.items():
        if f"q_{code}" in form:
            form[f"q_{code}"].errors = [message]
    status = 400 if step.errors else 200
    return render_template("surveys/answer.html", survey=survey, version=version, form=form, step=step,
                           shown=shown, offered=paging.offered_text(shown, step.evaluation), texts=texts,
                           page_title=paging.page_title(step, version, language),
                           indicator=indicator(step), check_url=check_url, **context), status


def compact(html: str) -> str:
    """Markup without its blank lines: each byte costs on the members' connections."""
    return "\n".join(line for line in html.splitlines() if line.strip())


def check(version: SurveyVersion, language: str):
    """What the page shown looks like with the answers posted: the questions asked, their choices, the messages of
    the questions the member changed (``touched``), labels with references, and the markup of questions the page
    does not hold yet (``shown``) or whose choices depend on other answers."""
    answers = paging.answers_from(version, request.form)
    evaluation = evaluate(version, answers, language)
    found = pages(version)
    index = min(page_index(), len(found) - 1)
    step = Step(found, index, evaluation, answers)
    asked = step.shown
    shown = set(request.form.get("shown", "").split())
    touched = set(request.form.get("touched", "").split())
    texts = texts_of(asked, version, evaluation.values, language)
    fresh = [q for q in asked if q.code not in shown or q.choice_filter]
    form = page_form(fresh, texts, answers, evaluation.choices, language, version.survey.source_language)
    block = get_template_attribute("surveys/_question.html", "question_block")
    return jsonify({
        "page": [q.code for q in step.page.questions if q.kind != "calculate"],
        "relevant": [q.code for q in asked],
        "choices": {q.code: evaluation.choices[q.code] for q in asked if q.code in evaluation.choices},
        "errors": {q.code: paging.worded(evaluation.errors[q.code]) for q in asked
                   if q.code in touched and q.code in evaluation.errors},
        "labels": {q.code: texts[q.code][0] for q in asked if any("${" in t.label for t in q.texts)},
        "html": {q.code: compact(str(block(q, form, texts[q.code]))) for q in fresh},
        "last": step.last,
        "indicator": indicator(step),
    })
