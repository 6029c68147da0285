"""Surveys: answering them, and building, translating, attaching and reading them. All the URLs are here."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms.auth.forms import grouped_country_choices
from lms.extensions import db
from lms.i18n import UI_LANGUAGES, current_language, language_name, pick_string
from lms.models import Course, Survey, SurveyInvitation, SurveyWave, TrainingGroup, Workplace
from lms.orgs import organisation_choices
from lms.permissions import can_edit_survey, can_manage_group, roles, signed_in, visible_waves
from lms.surveys import answering, building, response_import, results, xlsform
from lms.surveys.answering import AlreadyAnswered
from lms.surveys.building import QuestionSpec, SurveyError
from lms.surveys.forms import (
    ActionForm,
    IndicatorForm,
    NewSurveyForm,
    QuestionForm,
    ResponsesForm,
    UploadForm,
    WaveForm,
    WorkplaceForm,
    answer_form,
    choice_label,
    group_wave_form,
    label_of,
    raw_answer,
)

bp = Blueprint("surveys", __name__)


def survey_title(survey: Survey) -> str:
    return pick_string(survey.translations, current_language(), survey.source_language, "title")


@bp.app_context_processor
def survey_helpers():
    return {"survey_title": survey_title, "question_label": label_of, "choice_label": choice_label,
            "wave_target": wave_target}


# --- Members: answering ---------------------------------------------------------------------------------

def _invitation(invitation_id: int) -> SurveyInvitation:
    invitation = db.session.get(SurveyInvitation, invitation_id)
    if invitation is None or invitation.user_id != current_user.id:
        abort(404)
    return invitation


def _closed(invitation: SurveyInvitation):
    """A redirect with a message when the wave has closed; None while it is open."""
    closes_on = invitation.wave.closes_on
    if closes_on is not None and closes_on < date.today() and not invitation.answered:
        flash(_("This survey closed on %(date)s.", date=format_date(closes_on, "medium")), "info")
        return redirect(url_for("surveys.my_surveys"))
    return None


@bp.route("/surveys")
@signed_in
def my_surveys():
    today = date.today()
    return render_template("surveys/mine.html", waiting=answering.waiting_for(current_user.id, today),
                           invitations=answering.invitations_of(current_user.id), form=ActionForm())


@bp.route("/surveys/invitations/<int:invitation_id>", methods=["GET", "POST"])
@signed_in
def consent(invitation_id: int):
    invitation = _invitation(invitation_id)
    if closed := _closed(invitation):
        return closed
    form = ActionForm()
    if form.validate_on_submit() and not invitation.answered:
        if request.form.get("decision") not in ("agree", "decline"):
            abort(400)
        given = request.form["decision"] == "agree"
        answering.record_consent(invitation, given)
        db.session.commit()
        if given:
            return redirect(url_for("surveys.answer", invitation_id=invitation.id))
        flash(_("You declined this survey. You will not be reminded of it."), "info")
        return redirect(url_for("surveys.my_surveys"))
    return render_template("surveys/consent.html", invitation=invitation, survey=invitation.wave.survey, form=form)


@bp.route("/surveys/invitations/<int:invitation_id>/answer", methods=["GET", "POST"])
@signed_in
def answer(invitation_id: int):
    invitation = _invitation(invitation_id)
    survey = invitation.wave.survey
    if closed := _closed(invitation):
        return closed
    if invitation.answered:
        flash(_("You have already answered this survey. Thank you!"), "info")
        return redirect(url_for("surveys.my_surveys"))
    if invitation.consent != "given":
        return redirect(url_for("surveys.consent", invitation_id=invitation.id))
    version = survey.published_version or abort(404)
    language = current_language()
    form = answer_form(version, language, survey.source_language)
    if form.validate_on_submit():
        answers = {q.code: answering.check_answer(q, raw_answer(form[f"q_{q.code}"].data))
                   for q in version.questions}
        try:
            answering.submit_response(wave=invitation.wave, version=version, answers=answers, language=language,
                                      today=date.today(), user=current_user, invitation=invitation)
            db.session.commit()
        except AlreadyAnswered:
            db.session.rollback()
            flash(_("You have already answered this survey. Your new answers were not saved."), "error")
            return redirect(url_for("surveys.my_surveys"))
        flash(_("Thank you! Your answers are saved."), "success")
        return redirect(url_for("learn.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("surveys/answer.html", invitation=invitation, survey=survey, version=version,
                           form=form, collecting=False), status


@bp.route("/surveys/<code>/withdraw", methods=["POST"])
@signed_in
def withdraw(code: str):
    survey = db.first_or_404(select(Survey).where(Survey.code == code))
    invited = db.session.scalar(select(SurveyInvitation.id).join(SurveyWave).where(
        SurveyWave.survey_id == survey.id, SurveyInvitation.user_id == current_user.id).limit(1))
    if invited is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    deleted = answering.withdraw(survey, current_user)
    db.session.commit()
    if survey.privacy == "anonymous":
        flash(_("You will not be asked this survey again. Anonymous answers cannot be found, so they stay."), "info")
    else:
        flash(_("You have withdrawn. %(n)d of your responses were deleted.", n=deleted), "success")
    return redirect(url_for("surveys.my_surveys"))


# --- Trainers and coordinators: building ----------------------------------------------------------------

def _survey(code: str, *, edit: bool = True) -> Survey:
    survey = db.first_or_404(select(Survey).where(Survey.code == code))
    if edit and not can_edit_survey(current_user, survey):
        abort(403)
    return survey


@bp.route("/surveys/manage")
@roles("trainer", "coordinator")
def list_surveys():
    surveys = list(db.session.scalars(select(Survey).order_by(Survey.code)))
    mine = [s for s in surveys if can_edit_survey(current_user, s)]
    others = [s for s in surveys if s not in mine and visible_waves(current_user, s)[0]]
    return render_template("surveys/list.html", mine=mine, others=others, upload=UploadForm())


@bp.route("/surveys/manage/new", methods=["GET", "POST"])
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
        workplaces = db.session.scalars(select(Workplace).order_by(Workplace.country, Workplace.name))
        form.target.choices = [SelectChoice(f"workplace:{w.id}", f"{w.name} ({w.country})") for w in workplaces]
    else:
        courses = db.session.scalars(select(Course).order_by(Course.slug))
        groups = [g for g in db.session.scalars(select(TrainingGroup).order_by(TrainingGroup.starts_on.desc()))
                  if can_manage_group(current_user, g)]
        form.target.choices = (
            [SelectChoice(f"course:{c.id}", course_title(c), optgroup=_("Everyone taking a course")) for c in courses]
            + [SelectChoice(f"group:{g.id}", g.name, optgroup=_("A training group")) for g in groups])
    return form


def course_title(course: Course) -> str:
    return pick_string(course.translations, current_language(), course.source_language, "title")


def _indicator_form(survey: Survey) -> IndicatorForm:
    form = IndicatorForm(prefix="indicator")
    version = building.current_version(survey)
    language = current_language()
    form.question.choices = [SelectChoice(q.code, f"{q.code}: {label_of(q, language, survey.source_language)}")
                             for q in (version.questions if version else [])]
    return form


def _render_survey(survey: Survey, *, question_form=None, wave_form=None, indicator_form=None,
                   import_problems=None, status=200):
    responses_form = ResponsesForm(formdata=None)
    responses_form.wave.choices = [SelectChoice(str(w.id), wave_label(w)) for w in survey.waves]
    return render_template(
        "surveys/edit.html", survey=survey, version=building.current_version(survey),
        responses_form=responses_form, import_problems=import_problems,
        question_form=question_form or QuestionForm(formdata=None, prefix="question"),
        wave_form=wave_form or _wave_form(survey), indicator_form=indicator_form or _indicator_form(survey)), status


def wave_target(wave: SurveyWave) -> str:
    if wave.course_id is not None:
        return _("Everyone taking %(course)s", course=course_title(db.session.get(Course, wave.course_id)))
    if wave.group_id is not None:
        return _("Group %(name)s", name=db.session.get(TrainingGroup, wave.group_id).name)
    return _("Workplace %(name)s", name=wave.workplace.name)


@bp.route("/surveys/manage/<code>")
@roles("trainer", "coordinator")
def edit_survey(code: str):
    return _render_survey(_survey(code))


def _spec(form: QuestionForm) -> QuestionSpec:
    return QuestionSpec(code=form.code.data.strip(), kind=form.kind.data, label=form.label.data,
                        hint=form.hint.data or "", required=form.required.data, min_value=form.min_value.data,
                        max_value=form.max_value.data, choices=form.parsed_choices())


@bp.route("/surveys/manage/<code>/questions", methods=["POST"])
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
            form.code.errors.append(str(error))
    return _render_survey(survey, question_form=form, status=400)


@bp.route("/surveys/manage/<code>/questions/<question>", methods=["GET", "POST"])
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
            form.code.errors.append(str(error))
    return render_template("surveys/question.html", survey=survey, question=current, form=form), (
        400 if form.is_submitted() else 200)


def source_label(choice) -> str:
    return next((t.label for t in choice.texts if t.language == choice.question.version.survey.source_language), "")


@bp.route("/surveys/manage/<code>/questions/<question>/delete", methods=["POST"])
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


@bp.route("/surveys/manage/<code>/questions/<question>/move", methods=["POST"])
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


@bp.route("/surveys/manage/<code>/publish", methods=["POST"])
@roles("trainer", "coordinator")
def publish(code: str):
    survey = _survey(code)
    if ActionForm().validate_on_submit():
        try:
            version = building.publish(survey)
            answering.sync_invitations(date.today())
            db.session.commit()
            flash(_("Version %(n)d is published.", n=version.number), "success")
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("surveys.edit_survey", code=survey.code))


@bp.route("/surveys/manage/<code>/discard", methods=["POST"])
@roles("trainer", "coordinator")
def discard_draft(code: str):
    survey = _survey(code)
    if ActionForm().validate_on_submit():
        try:
            building.discard_draft(survey)
            db.session.commit()
            flash(_("The changes are discarded: the published version stays as it is."), "success")
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("surveys.edit_survey", code=survey.code))


@bp.route("/surveys/manage/<code>/responses", methods=["POST"])
@roles("trainer", "coordinator")
def import_responses(code: str):
    """Answers collected offline (ODK Collect, KoboToolbox) into one wave, all or nothing."""
    survey = _survey(code)
    form = ResponsesForm()
    form.wave.choices = [SelectChoice(str(w.id), wave_label(w)) for w in survey.waves]
    if not (form.validate_on_submit() and form.file.data):
        flash(_("Please choose a wave and a file."), "error")
        return redirect(url_for("surveys.edit_survey", code=survey.code) + "#responses")
    wave = next(w for w in survey.waves if str(w.id) == form.wave.data)
    try:
        count = response_import.import_responses(wave, form.file.data.stream, form.file.data.filename or "upload",
                                                 date.today())
        db.session.commit()
    except response_import.ResponseImportError as error:
        db.session.rollback()
        return _render_survey(survey, import_problems=error.problems, status=400)
    flash(_("%(n)d responses are imported.", n=count), "success")
    return redirect(url_for("surveys.survey_results", code=survey.code))


def wave_label(wave: SurveyWave) -> str:
    labels = {"baseline": _("Baseline"), "endline": _("Endline"), "follow_up": _("Follow-up")}
    return f"{labels[wave.kind]} · {wave_target(wave)}"


@bp.route("/surveys/manage/<code>/waves", methods=["POST"])
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
                answering.sync_invitations(date.today())
            db.session.commit()
            flash(_("The wave is added."), "success")
            return redirect(url_for("surveys.edit_survey", code=survey.code) + "#waves")
        except SurveyError as error:
            db.session.rollback()
            form.kind.errors.append(str(error))
    return _render_survey(survey, wave_form=form, status=400)


@bp.route("/groups/<int:group_id>/waves", methods=["POST"])
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
            building.add_wave(survey, kind=form.kind.data, days_after=form.days_after.data, group=group)
            answering.sync_invitations(date.today())
            db.session.commit()
            flash(_("The survey is attached to the group."), "success")
        except SurveyError as error:
            db.session.rollback()
            flash(str(error), "error")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("groups.show_group", group_id=group.id) + "#surveys")


@bp.route("/surveys/manage/<code>/indicators", methods=["POST"])
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


@bp.route("/surveys/manage/<code>/texts/<language>", methods=["GET", "POST"])
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
        building.save_translation(survey, language, title=request.form.get("title", ""),
                                  description=request.form.get("description", ""), questions=questions,
                                  choices=choices, indicators=indicators)
        db.session.commit()
        flash(_("The translation is saved."), "success")
        return redirect(url_for("surveys.translate_survey", code=survey.code, language=language))
    return render_template("surveys/translate.html", survey=survey, version=version, language=language,
                           form=ActionForm())


@bp.route("/surveys/manage/<code>/results")
@roles("trainer", "coordinator")
def survey_results(code: str):
    survey = _survey(code, edit=False)
    waves, countries = visible_waves(current_user, survey)
    if not waves and not can_edit_survey(current_user, survey):
        abort(403)
    group_id = request.args.get("group", type=int)
    if group_id is not None:
        waves = [w for w in waves if w.group_id == group_id]
    available = results.response_countries([w.id for w in waves], countries)
    country = request.args.get("country", "")
    if country:
        if country not in available:
            abort(404)
        countries = [country]
    counts = results.response_counts([w.id for w in waves], countries)
    return render_template("surveys/results.html", survey=survey, waves=waves, counts=counts,
                           results=results.indicator_results(survey, waves, countries),
                           countries=available, country=country, group_id=group_id,
                           min_cell=results.MIN_CELL)


@bp.route("/surveys/manage/<code>/xlsform.xlsx")
@roles("trainer", "coordinator")
def export_xlsform(code: str):
    survey = _survey(code)
    data = xlsform.export_xlsform(survey)
    return send_file(data, as_attachment=True, download_name=f"{survey.code}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/surveys/manage/import", methods=["POST"])
@roles("trainer", "coordinator")
def import_xlsform():
    form = UploadForm()
    if form.validate_on_submit() and form.file.data:
        try:
            survey = xlsform.import_xlsform(form.file.data.stream, form.file.data.filename or "upload.xlsx",
                                            creator=current_user)
            db.session.commit()
            flash(_("The survey %(code)s is imported.", code=survey.code), "success")
            return redirect(url_for("surveys.edit_survey", code=survey.code))
        except xlsform.XLSFormError as error:
            db.session.rollback()
            flash(str(error), "error")
    else:
        flash(_("Please choose a file."), "error")
    return redirect(url_for("surveys.list_surveys"))


# --- Workplaces -----------------------------------------------------------------------------------------

@bp.route("/workplaces", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def workplaces():
    form = WorkplaceForm()
    form.country.choices = grouped_country_choices(current_language())
    form.organisation.choices = organisation_choices(_("None"))
    if form.validate_on_submit():
        building.create_workplace(name=form.name.data, sector=form.sector.data, country=form.country.data,
                                  organisation_id=int(form.organisation.data or 0) or None)
        db.session.commit()
        flash(_("The workplace is added."), "success")
        return redirect(url_for("surveys.workplaces"))
    query = select(Workplace).order_by(Workplace.country, Workplace.name)
    if current_user.role == "coordinator":
        query = query.where(Workplace.country.in_(current_user.country_scope))
    return render_template("surveys/workplaces.html", workplaces=list(db.session.scalars(query)), form=form), (
        400 if form.is_submitted() else 200)


def _workplace(workplace_id: int) -> Workplace:
    workplace = db.session.get(Workplace, workplace_id) or abort(404)
    if current_user.role == "coordinator" and workplace.country not in current_user.country_scope:
        abort(403)
    return workplace


@bp.route("/workplaces/<int:workplace_id>")
@roles("trainer", "coordinator")
def show_workplace(workplace_id: int):
    workplace = _workplace(workplace_id)
    waves = list(db.session.scalars(select(SurveyWave).where(SurveyWave.workplace_id == workplace.id)))
    surveys = sorted({w.survey for w in waves}, key=lambda s: s.code)
    tables = [(s, results.indicator_results(s, [w for w in waves if w.survey_id == s.id])) for s in surveys]
    groups = list(db.session.scalars(select(TrainingGroup).where(
        TrainingGroup.organisation_id == workplace.organisation_id).order_by(TrainingGroup.starts_on))) \
        if workplace.organisation_id else []
    counts = results.response_counts([w.id for w in waves], None)
    return render_template("surveys/workplace.html", workplace=workplace, tables=tables, groups=groups,
                           waves=waves, counts=counts, min_cell=results.MIN_CELL, today=date.today())


@bp.route("/workplaces/<int:workplace_id>/waves/<int:wave_id>/collect", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def collect(workplace_id: int, wave_id: int):
    """A union team enters a worker's answers on a tablet: one anonymous response per submission."""
    workplace = _workplace(workplace_id)
    wave = db.session.get(SurveyWave, wave_id)
    if wave is None or wave.workplace_id != workplace.id:
        abort(404)
    survey = wave.survey
    version = survey.published_version or abort(404)
    language = current_language()
    today = date.today()
    is_open = (wave.opens_on is None or wave.opens_on <= today) and (wave.closes_on is None or today <= wave.closes_on)
    form = answer_form(version, language, survey.source_language)
    if is_open and form.validate_on_submit():
        answers = {q.code: answering.check_answer(q, raw_answer(form[f"q_{q.code}"].data))
                   for q in version.questions}
        answering.submit_response(wave=wave, version=version, answers=answers, language=language, today=today,
                                  country=workplace.country)
        db.session.commit()
        flash(_("The answers are saved. The form is empty again for the next worker."), "success")
        return redirect(url_for("surveys.collect", workplace_id=workplace.id, wave_id=wave.id))
    return render_template("surveys/answer.html", survey=survey, version=version, form=form, collecting=True,
                           workplace=workplace, wave=wave, is_open=is_open), 400 if form.is_submitted() else 200
