"""A survey's results: the page and its downloads, for the same readers, waves and countries."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from lms.core import charts
from lms.extensions import db
from lms.i18n import country_name, current_language
from lms.models import Survey, SurveyWave
from lms.permissions import can_edit_survey, can_read_figures, roles, visible_waves
from lms.surveys import distributions, pool, result_exports, results
from lms.surveys.display import survey_title, wave_name, wave_target


@dataclass
class ResultsScope:
    """What the reader may see of a survey's results, narrowed as the query string asks."""

    survey: Survey
    waves: list[SurveyWave]
    #: The countries whose respondents count: the reader's, or the one chosen; None for all.
    countries: list[str] | None
    #: The countries the reader may choose from.
    available: list[str]
    country: str
    group_id: int | None


def results_scope(code: str) -> ResultsScope:
    """The survey's waves the reader may see (403 if none and not its author), narrowed to a group or a country."""
    survey = db.first_or_404(select(Survey).where(Survey.code == code))
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
    return ResultsScope(survey, waves, countries, available, country, group_id)


def figures_of(scope: ResultsScope) -> distributions.SurveyFigures:
    return distributions.survey_figures(scope.survey, scope.waves, scope.countries, language=current_language(),
                                        figures=can_read_figures(current_user, scope.survey))


def release_note() -> str:
    return pool.release_note(current_app.config["RELEASE_EVERY_DAYS"])


def download_url(scope: ResultsScope, extension: str) -> str:
    """The page's figures as a file: the same survey, group and country."""
    return url_for("surveys.download_results", code=scope.survey.code, extension=extension,
                   group=scope.group_id, country=scope.country or None)


def answer_chart(index: int, question: distributions.QuestionResult, figure: distributions.QuestionWave) -> Markup:
    """The bars of one question in one wave, drawn by the server as SVG, captioned with what they count."""
    wave = " · ".join((wave_name(figure.wave), wave_target(figure.wave)))
    caption = [_("Chart of the answers to “%(question)s”, %(wave)s. Unit: people.", question=str(question.label),
                 wave=wave)]
    return charts.bar_chart(f"q{index}-w{figure.wave.id}", caption,
                            [(str(bar.label), bar.count) for bar in figure.bars])


@roles("trainer", "coordinator")
def survey_results(code: str):
    scope = results_scope(code)
    survey, waves = scope.survey, scope.waves
    readable = can_read_figures(current_user, survey)
    return render_template("surveys/results.html", survey=survey, waves=waves, figures=figures_of(scope),
                           answer_chart=answer_chart, download_url=lambda extension: download_url(scope, extension),
                           results=results.indicator_results(survey, waves, scope.countries) if readable else None,
                           countries=scope.available, country=scope.country, group_id=scope.group_id,
                           release_note=release_note())


@roles("trainer", "coordinator")
def download_results(code: str, extension: str):
    """The results page's figures as CSV or XLSX."""
    scope = results_scope(code)
    sheets = result_exports.sheets_of(figures_of(scope))
    title = _("Results: %(title)s", title=survey_title(scope.survey))
    chosen = country_name(scope.country, current_language()) if scope.country else None
    filters = result_exports.filter_lines(chosen, release_note())
    name = f"{scope.survey.code}-results.{extension}"
    if extension == "csv":
        return Response(result_exports.as_csv(title, filters, sheets), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return send_file(result_exports.as_xlsx(title, filters, sheets), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
