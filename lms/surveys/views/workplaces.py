"""Workplaces, their survey rounds, and answers entered by union teams on tablets. URLs: views/__init__.py."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms import clock
from lms.core import audit
from lms.core.fields import grouped_country_choices, organisation_choices
from lms.core.listing import listing
from lms.extensions import db
from lms.i18n import current_language
from lms.models import SurveyWave, TrainingGroup, Workplace
from lms.permissions import (
    can_read_figures,
    can_see_workplace,
    managed_groups,
    roles,
    visible_workplaces,
    workplace_scope,
)
from lms.surveys import answering, building, paging, pool, results
from lms.surveys.forms import ActionForm, WorkplaceForm
from lms.surveys.timeline import workplace_timeline
from lms.surveys.views import paged
from lms.surveys.views.paged import guard_survey_check, guard_survey_page
from lms.vocabulary import GROUP_MODE_LABELS


def workplace_countries() -> list:
    """The countries the reader may add a workplace in: all of them for administrators and coordinators of
    organisations (whose workplaces may be anywhere), else those of their scope."""
    scope = workplace_scope(current_user)
    choices = grouped_country_choices(current_language())
    return choices if scope.everything or scope.organisations else [c for c in choices if c.value in scope.countries]


@roles("trainer", "coordinator")
def workplaces():
    form = WorkplaceForm()
    form.country.choices = workplace_countries()
    form.organisation.choices = organisation_choices(_("None"))
    if form.validate_on_submit():
        organisation_id = int(form.organisation.data or 0) or None
        if can_see_workplace(current_user, Workplace(country=form.country.data, organisation_id=organisation_id)):
            building.create_workplace(name=form.name.data, sector=form.sector.data, country=form.country.data,
                                      organisation_id=organisation_id)
            db.session.commit()
            flash(_("The workplace is added."), "success")
            return redirect(url_for("surveys.workplaces"))
        form.country.errors.append(_("You may add workplaces of your own country or union only."))
    listed = listing(select(Workplace).where(visible_workplaces(current_user)), default="name",
                     tiebreak=Workplace.id, sorts={"name": Workplace.name, "sector": [Workplace.sector, Workplace.name],
                                                   "country": [Workplace.country, Workplace.name]},
                     search_in=[Workplace.name, Workplace.sector, Workplace.country])
    return render_template("surveys/workplaces.html", listing=listed, form=form), (
        400 if form.is_submitted() else 200)


@roles("trainer", "coordinator")
def edit_workplace(workplace_id: int):
    """Correct a workplace's name, sector, country or union, within what the editor may see."""
    workplace = _workplace(workplace_id)
    form = WorkplaceForm(data={"name": workplace.name, "sector": workplace.sector, "country": workplace.country,
                               "organisation": str(workplace.organisation_id or "")})
    form.country.choices = workplace_countries()
    form.organisation.choices = organisation_choices(_("None"))
    if form.validate_on_submit():
        organisation_id = int(form.organisation.data or 0) or None
        if can_see_workplace(current_user, Workplace(country=form.country.data, organisation_id=organisation_id)):
            changed = building.update_workplace(workplace, name=form.name.data, sector=form.sector.data,
                                                country=form.country.data, organisation_id=organisation_id)
            if changed:
                audit.record("edit workplace", {"workplace": workplace.id, "fields": changed}, current_user)
            db.session.commit()
            flash(_("The workplace is saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("surveys.show_workplace", workplace_id=workplace.id))
        form.country.errors.append(_("You may place workplaces in your own country or union only."))
    return render_template("surveys/workplace_edit.html", workplace=workplace, form=form), (
        400 if form.is_submitted() else 200)


@roles("trainer", "coordinator")
def delete_workplace(workplace_id: int):
    """Asks first; deletes a workplace where nobody has answered, with its rounds; otherwise says why it stays."""
    workplace = _workplace(workplace_id)
    form = ActionForm()
    answers = building.workplace_answers(workplace)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if not answers:
            details = {"workplace": workplace.id, "name": workplace.name}
            rounds = building.delete_workplace(workplace)
            audit.record("delete workplace", {**details, "rounds": rounds}, current_user)
            db.session.commit()
            flash(_("The workplace is deleted."), "success")
            return redirect(url_for("surveys.workplaces"))
    rounds = list(db.session.scalars(select(SurveyWave).where(SurveyWave.workplace_id == workplace.id)))
    return render_template("surveys/workplace_delete.html", workplace=workplace, form=form, rounds=rounds,
                           answers=answers), (409 if request.method == "POST" else 200)


def _workplace(workplace_id: int) -> Workplace:
    workplace = db.session.get(Workplace, workplace_id) or abort(404)
    if not can_see_workplace(current_user, workplace):
        abort(403)
    return workplace


@roles("trainer", "coordinator")
def show_workplace(workplace_id: int):
    workplace = _workplace(workplace_id)
    waves = list(db.session.scalars(select(SurveyWave).where(SurveyWave.workplace_id == workplace.id)))
    surveys = sorted({w.survey for w in waves}, key=lambda s: s.code)
    tables = [(s, results.indicator_results(s, [w for w in waves if w.survey_id == s.id])) for s in surveys
              if can_read_figures(current_user, s)]
    # Groups are named only to those who manage them, as in every list of groups.
    held = list(db.session.scalars(select(TrainingGroup).where(
        TrainingGroup.workplace_id == workplace.id, managed_groups(current_user))))
    union_groups = list(db.session.scalars(select(TrainingGroup).where(
        TrainingGroup.organisation_id == workplace.organisation_id, managed_groups(current_user),
        sa.or_(TrainingGroup.workplace_id.is_(None), TrainingGroup.workplace_id != workplace.id))
        .order_by(TrainingGroup.starts_on, TrainingGroup.id))) if workplace.organisation_id else []
    counts = results.response_counts([w.id for w in waves], None)
    return render_template("surveys/workplace.html", workplace=workplace, tables=tables, groups=union_groups,
                           figures_withheld=len(tables) < len(surveys), timeline=workplace_timeline(waves, held),
                           counts=counts, today=clock.today(), group_modes=GROUP_MODE_LABELS,
                           release_note=pool.release_note(current_app.config["RELEASE_EVERY_DAYS"]))


def _round(workplace_id: int, wave_id: int) -> tuple[Workplace, SurveyWave]:
    workplace = _workplace(workplace_id)
    wave = db.session.get(SurveyWave, wave_id)
    if wave is None or wave.workplace_id != workplace.id:
        abort(404)
    return workplace, wave


def _is_open(wave: SurveyWave, today) -> bool:
    return (wave.opens_on is None or wave.opens_on <= today) and (wave.closes_on is None or today <= wave.closes_on)


@guard_survey_page
@roles("trainer", "coordinator")
def collect(workplace_id: int, wave_id: int):
    """A union team enters a worker's answers on a tablet, page by page: one anonymous response per submission."""
    workplace, wave = _round(workplace_id, wave_id)
    survey = wave.survey
    today = clock.today()
    version = survey.version_in_effect(today) or abort(404)
    language = current_language()
    is_open = _is_open(wave, today)
    step = paged.requested_step(version, language)
    if is_open and step.done:
        collector = current_user._get_current_object()
        answering.submit_response(wave=wave, version=version,
                                  answers=paging.answers_to_store(version, step.evaluation),
                                  country=workplace.country, collector=collector)
        # Who entered how many answers in which round, never what: anyone who may see a workplace may enter answers.
        audit.record("enter workplace answers", {"wave_id": wave.id}, user=collector)
        db.session.commit()
        flash(_("The answers are saved. The form is empty again for the next worker."), "success")
        return redirect(url_for("surveys.collect", workplace_id=workplace.id, wave_id=wave.id))
    page, status = paged.show_step(step, survey=survey, version=version, language=language, collecting=True,
                                   workplace=workplace, wave=wave, is_open=is_open, batch=results.RELEASE_BATCH,
                                   check_url=url_for("surveys.collect_check", workplace_id=workplace.id,
                                                     wave_id=wave.id))
    return page, (400 if step.done else status)


@guard_survey_check
@roles("trainer", "coordinator")
def collect_check(workplace_id: int, wave_id: int):
    """The live check of the page being entered (survey-logic.js): stores nothing."""
    _place, wave = _round(workplace_id, wave_id)
    today = clock.today()
    version = wave.survey.version_in_effect(today)
    if version is None or not _is_open(wave, today):
        return jsonify({}), 409
    return paged.check(version, current_language())
