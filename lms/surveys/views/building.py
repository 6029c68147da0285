"""Building surveys: questions, versions, translations, waves, indicators, results and XLSForm.

For trainers and coordinators; the URLs are in views/__init__.py.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms import clock
from lms.core import audit
from lms.core.fields import grouped_country_choices
from lms.core.listing import listing
from lms.extensions import db
from lms.i18n import PARTNER_COUNTRIES, UI_LANGUAGES, current_language, language_name
from lms.models import Course, Survey, TrainingGroup, Workplace
from lms.permissions import (
    can_ask_course,
    can_edit_survey,
    can_manage_group,
    listed_surveys,
    managed_groups,
    roles,
    visible_waves,
    visible_workplaces,
)
from lms.surveys import building, invitations, lists, pool
from lms.surveys.building import QuestionSpec, SurveyError
from lms.surveys.display import course_title, wave_label
from lms.surveys.forms import (
    ActionForm,
    IndicatorForm,
    NewSurveyForm,
    QuestionForm,
    ResponsesForm,
    UploadForm,
    WaveForm,
    group_wave_form,
    label_of,
)


def _survey(code: str, *, edit: bool = True) -> Survey:
    survey = db.first_or_404(select(Survey).where(Survey.code == code))
    if edit and not can_edit_survey(current_user, survey):
        abort(403)
    return survey


@roles("trainer", "coordinator")
def list_surveys():
    """The surveys the reader edits or reads the results of: a page at a time, searched by code and title."""
    query, columns = lists.survey_list(listed_surveys(current_user))
    surveys = listing(query, sorts={"code": Survey.code, "title": columns.title, "status": columns.published,
                                    "updated": columns.updated},
                      default="code", search_in=(Survey.code, columns.title), tiebreak=Survey.id)
    return render_template("surveys/list.html", surveys=surveys, upload=UploadForm())


@roles("trainer", "coordinator")
def new_survey():
    form = NewSurveyForm()
    form.language.choices = [SelectChoice(code, language_name(code)) for code in UI_LANGUAGES]
    if not form.is_submitted():
        form.language.data = current_language()
    if form.validate_on_submit():
        try:
            survey = building.create_survey(code=form.code.data.strip(), title=form.title.data.strip(),
                                            description=form.description.data or "", language=form.language.data,
                                            privacy=form.privacy.data, subject=form.subject.data,
                                            creator=current_user)
            db.session.commit()
            flash(_("The survey is created. Add its questions."), "success")
            return redirect(url_for("surveys.edit_survey", code=survey.code))
        except SurveyError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
    return render_template("surveys/new.html", form=form), 400 if form.is_submitted() else 200


def _wave_form(survey: Survey) -> WaveForm:
    form = WaveForm(prefix="wave")
    if survey.subject == "workplace":
        workplaces = db.session.scalars(select(Workplace).where(visible_workplaces(current_user))
                                        .order_by(Workplace.country, Workplace.name))
        form.target.choices = [SelectChoice(f"workplace:{w.id}", f"{w.name} ({w.country})") for w in workplaces]
    else:
        courses = [c for c in db.session.scalars(select(Course).order_by(Course.slug))
                   if can_ask_course(current_user, survey, c)]
        groups = list(db.session.scalars(select(TrainingGroup).where(managed_groups(current_user))
                                         .order_by(TrainingGroup.starts_on.desc()))) if survey.names_respondents else []
        form.target.choices = (
            [SelectChoice(f"course:{c.id}", course_title(c), optgroup=_("Everyone taking a course")) for c in courses]
            + [SelectChoice(f"group:{g.id}", g.name, optgroup=_("A training group")) for g in groups])
    return form


def _indicator_form(survey: Survey) -> IndicatorForm:
    form = IndicatorForm(prefix="indicator")
    language = current_language()
    form.question.choices = [SelectChoice(q.code, f"{q.code}: {label_of(q, language, survey.source_language)}")
                             for q in building.indicator_questions(survey)]
    return form


def import_countries(survey: Survey) -> list[SelectChoice]:
    """The countries imported answers may count for: the partner countries whose answers the reader sees (every
    one for an admin or an author), and the reader's own. Only those: the page is the survey's, weighed on phones."""
    countries = visible_waves(current_user, survey)[1]
    return [SelectChoice(c.value, c.label) for c in grouped_country_choices(current_language())
            if (c.value in PARTNER_COUNTRIES or c.value == current_user.country)
            and (countries is None or c.value in countries)]


def _render_survey(survey: Survey, *, question_form=None, wave_form=None, indicator_form=None,
                   import_problems=None, status=200):
    responses_form = ResponsesForm(formdata=None, country=current_user.country)
    waves = visible_waves(current_user, survey)[0]
    responses_form.wave.choices = [SelectChoice(str(w.id), wave_label(w)) for w in waves]
    responses_form.country.choices = import_countries(survey)
    return render_template(
        "surveys/edit.html", survey=survey, waves=waves, version=building.current_version(survey),
        counting=building.indicators_counting(survey), indicator_problem=building.indicator_problem(survey),
        pending=building.pending_version(survey, clock.today()), in_effect=survey.version_in_effect(clock.today()),
        responses_form=responses_form, import_problems=import_problems,
        question_form=question_form or QuestionForm(formdata=None, prefix="question"),
        wave_form=wave_form or _wave_form(survey), indicator_form=indicator_form or _indicator_form(survey)), status


@roles("trainer", "coordinator")
def edit_survey(code: str):
    return _render_survey(_survey(code))


def _show_error(form, error: SurveyError, default: str = "code") -> None:
    """The service's message beside the field it names (else beside ``default``)."""
    field = getattr(form, error.field, None) if error.field else None
    (field if field is not None else getattr(form, default)).errors.append(str(error))


def _spec(form: QuestionForm) -> QuestionSpec:
    return QuestionSpec(code=form.code.data.strip(), kind=form.kind.data, label=form.label.data,
                        hint=form.hint.data or "", required=form.required.data, min_value=form.min_value.data,
                        max_value=form.max_value.data, choices=form.parsed_choices())


@roles("trainer", "coordinator")
def add_question(code: str):
    survey = _survey(code)
    form = QuestionForm(prefix="question")
    if form.validate_on_submit():
        try:
            building.add_question(survey, _spec(form))
            db.session.commit()
            flash(_("The question is added."), "success")
            return redirect(url_for("surveys.edit_survey", code=survey.code) + "#questions")
        except SurveyError as error:
            db.session.rollback()
            _show_error(form, error)
    return _render_survey(survey, question_form=form, status=400)


@roles("trainer", "coordinator")
def edit_question(code: str, question: str):
    survey = _survey(code)
    version = building.current_version(survey)
    current = next((q for q in version.questions if q.code == question), None) or abort(404)
    form = QuestionForm(prefix="question")
    if not form.is_submitted():
        text = next(t for t in current.texts if t.language == survey.source_language)
        form.process(data={
            "label": text.label, "hint": text.hint, "code": current.code, "kind": current.kind,
            "required": current.required, "min_value": current.min_value, "max_value": current.max_value,
            "choices": "\n".join(f"{c.code} {source_label(c)}" for c in current.choices)})
    if form.validate_on_submit():
        try:
            building.update_question(survey, question, _spec(form))
            db.session.commit()
            flash(_("The question is saved."), "success")
            return redirect(url_for("surveys.edit_survey", code=survey.code) + "#questions")
        except SurveyError as error:
            db.session.rollback()
            _show_error(form, error)
    return render_template("surveys/question.html", survey=survey, question=current, form=form,
                           counting=building.indicators_counting(survey).get(current.code, [])), (
        400 if form.is_submitted() else 200)


def source_label(choice) -> str:
    return next((t.label for t in choice.texts if t.language == choice.question.version.survey.source_language), "")


@roles("trainer", "coordinator")
def delete_question(code: str, question: str):
    survey = _survey(code)
    if ActionForm().validate_on_submit():
        try:
            building.delete_question(survey, question)
            db.session.commit()
            flash(_("The question is deleted from the draft."), "success")
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("surveys.edit_survey", code=survey.code) + "#questions")


@roles("trainer", "coordinator")
def move_question(code: str, question: str):
    survey = _survey(code)
    if ActionForm().validate_on_submit():
        try:
            building.move_question(survey, question, -1 if request.form.get("direction") == "up" else 1)
            db.session.commit()
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("surveys.edit_survey", code=survey.code) + "#questions")


@roles("trainer", "coordinator")
def publish(code: str):
    survey = _survey(code)
    if ActionForm().validate_on_submit():
        try:
            version = building.publish(survey)
            invitations.sync_invitations(clock.today())
            db.session.commit()
            flash(_("Version %(n)d is published.", n=version.number), "success")
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("surveys.edit_survey", code=survey.code))


@roles("trainer", "coordinator")
def discard_draft(code: str):
    """Asks first (what goes: the changes since the published version), then drops the draft."""
    survey = _survey(code)
    if request.method == "GET":
        return render_template("surveys/discard.html", survey=survey, form=ActionForm())
    if ActionForm().validate_on_submit():
        try:
            building.discard_draft(survey)
            db.session.commit()
            flash(_("The changes are discarded: the published version stays as it is."), "success")
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("surveys.edit_survey", code=survey.code))


@roles("trainer", "coordinator")
def delete_survey(code: str):
    """Asks first, then deletes a survey never published with all it holds; a published one is kept, and the page
    says why."""
    survey = _survey(code)
    form = ActionForm()
    deletable = building.can_delete_survey(survey)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if deletable:
            details = {"survey": survey.id, "code": survey.code}
            building.delete_draft_survey(survey)
            audit.record("delete survey", details, current_user)
            db.session.commit()
            flash(_("The survey is deleted."), "success")
            return redirect(url_for("surveys.list_surveys"))
    return render_template("surveys/delete.html", survey=survey, form=form, deletable=deletable,
                           version=building.current_version(survey)), (409 if request.method == "POST" else 200)


@roles("trainer", "coordinator")
def import_responses(code: str):
    """Answers collected offline (ODK Collect, KoboToolbox) into one wave, all or nothing."""
    # With pyxform and openpyxl (~45 MB): imported when a file is uploaded, not held by every web worker.
    from lms.surveys import response_import

    survey = _survey(code)
    form = ResponsesForm()
    waves = visible_waves(current_user, survey)[0]
    form.wave.choices = [SelectChoice(str(w.id), wave_label(w)) for w in waves]
    if not (form.validate_on_submit() and form.file.data):
        flash(_("Please choose a wave and a file."), "error")
        return redirect(url_for("surveys.edit_survey", code=survey.code) + "#responses")
    wave = next(w for w in waves if str(w.id) == form.wave.data)
    country = None
    if wave.course_id is not None and form.country.data:
        if form.country.data not in {c.value for c in import_countries(survey)}:
            flash(_("Please choose a country from the list."), "error")
            return redirect(url_for("surveys.edit_survey", code=survey.code) + "#responses")
        country = form.country.data
    try:
        result = response_import.import_responses(wave, form.file.data.stream, form.file.data.filename or "upload",
                                                  country=country, keyless=form.new_rows.data)
        db.session.commit()
    except response_import.ResponseImportError as error:
        db.session.rollback()
        return _render_survey(survey, import_problems=error.problems, status=400)
    release = [pool.release_note(current_app.config["RELEASE_EVERY_DAYS"])] if result.new else []
    flash(" ".join([result.summary(), *release]), "success")
    for note in result.notes():
        flash(note, "info")
    return redirect(url_for("surveys.survey_results", code=survey.code))


@roles("trainer", "coordinator")
def add_wave(code: str):
    survey = _survey(code)
    form = _wave_form(survey)
    if form.validate_on_submit():
        kind, _sep, target_id = form.target.data.partition(":")
        target = {"course": Course, "group": TrainingGroup, "workplace": Workplace}[kind]
        found = db.session.get(target, int(target_id))
        if kind == "group" and not can_manage_group(current_user, found):
            abort(403)
        try:
            building.add_wave(survey, kind=form.kind.data, days_after=form.days_after.data,
                              opens_on=form.opens_on.data, closes_on=form.closes_on.data, **{kind: found})
            if survey.published_version is not None:
                invitations.sync_invitations(clock.today())
            db.session.commit()
            flash(_("The wave is added."), "success")
            return redirect(url_for("surveys.edit_survey", code=survey.code) + "#waves")
        except SurveyError as error:
            db.session.rollback()
            form.kind.errors.append(str(error))
    elif (form.target.data or "").startswith("group:") and not survey.names_respondents:
        form.target.errors = [str(building.NOT_OF_ONE_GROUP)]  # not offered, and sent anyway: say why
    return _render_survey(survey, wave_form=form, status=400)


@roles("trainer", "coordinator")
def attach_to_group(group_id: int):
    """The group's trainer (or coordinator) asks a published survey of the group."""
    group = db.session.get(TrainingGroup, group_id) or abort(404)
    if not can_manage_group(current_user, group):
        abort(403)
    form = group_wave_form()
    if form.validate_on_submit():
        survey = db.session.scalar(select(Survey).where(Survey.code == form.survey.data))
        try:
            if survey is None or survey.subject != "participant" or survey.published_version is None:
                raise SurveyError(_("Please choose one answer."))
            building.add_wave(survey, kind=form.kind.data, days_after=form.days_after.data, group=group)
            invitations.sync_invitations(clock.today())
            db.session.commit()
            flash(_("The survey is attached to the group."), "success")
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("groups.show_group", group_id=group.id) + "#surveys")


@roles("trainer", "coordinator")
def add_indicator(code: str):
    survey = _survey(code)
    form = _indicator_form(survey)
    if form.validate_on_submit():
        try:
            building.add_indicator(survey, code=form.code.data.strip(), question_code=form.question.data,
                                   kind=form.kind.data, choice_codes=(form.choice_codes.data or "").split(),
                                   direction=form.direction.data, title=form.title.data,
                                   language=survey.source_language)
            db.session.commit()
            flash(_("The indicator is added."), "success")
            return redirect(url_for("surveys.edit_survey", code=survey.code) + "#indicators")
        except SurveyError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
    return _render_survey(survey, indicator_form=form, status=400)


@roles("trainer", "coordinator")
def delete_indicator(code: str, indicator: str):
    survey = _survey(code)
    if ActionForm().validate_on_submit():
        try:
            building.delete_indicator(survey, indicator)
            db.session.commit()
            flash(_("The indicator is deleted; the answers it counted are kept."), "success")
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("surveys.edit_survey", code=survey.code) + "#indicators")


@roles("trainer", "coordinator")
def translate_survey(code: str, language: str):
    survey = _survey(code)
    if language not in UI_LANGUAGES or language == survey.source_language:
        abort(404)
    version = building.current_version(survey)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        questions = {q.code: (request.form.get(f"label-{q.code}", ""), request.form.get(f"hint-{q.code}", ""))
                     for q in version.questions}
        choices = {(q.code, c.code): request.form.get(f"choice-{q.code}-{c.code}", "")
                   for q in version.questions for c in q.choices}
        indicators = {i.code: request.form.get(f"indicator-{i.code}", "") for i in survey.indicators}
        try:
            building.save_translation(survey, language, title=request.form.get("title", ""),
                                      description=request.form.get("description", ""), questions=questions,
                                      choices=choices, indicators=indicators)
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("surveys/translate.html", survey=survey, version=version, language=language,
                                   form=ActionForm()), 400
        db.session.commit()
        flash(_("The translation is saved."), "success")
        return redirect(url_for("surveys.translate_survey", code=survey.code, language=language))
    return render_template("surveys/translate.html", survey=survey, version=version, language=language,
                           form=ActionForm())


@roles("trainer", "coordinator")
def export_xlsform(code: str):
    from lms.surveys import xlsform  # imported when used, as in import_responses

    survey = _survey(code)
    data = xlsform.export_xlsform(survey)
    return send_file(data, as_attachment=True, download_name=f"{survey.code}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@roles("trainer", "coordinator")
def import_xlsform():
    from lms.surveys import response_import, xlsform  # imported when used, as in import_responses

    form = UploadForm()
    if form.validate_on_submit() and form.file.data:
        try:
            survey = xlsform.import_xlsform(form.file.data.stream, form.file.data.filename or "upload.xlsx",
                                            creator=current_user)
            db.session.commit()
            number = survey.published_version.number
            flash(_("The survey %(code)s is imported.", code=survey.code) if number == 1 else
                  _("The form is imported as version %(n)d of %(code)s.", n=number, code=survey.code), "success")
            return redirect(url_for("surveys.edit_survey", code=survey.code))
        except xlsform.XLSFormError as error:
            db.session.rollback()
            for problem in error.problems[:response_import.MAX_REPORTED]:
                flash(problem, "error")
            if len(error.problems) > response_import.MAX_REPORTED:
                flash(_("… and %(n)d more problems.", n=len(error.problems) - response_import.MAX_REPORTED), "error")
            flash(_("Nothing was imported."), "error")
    else:
        flash(_("Please choose a file."), "error")
    return redirect(url_for("surveys.list_surveys"))
