"""Reports for coordinators (their countries) and admins (all): the dashboard and its exports, and the staff homes
(a trainer's day, a coordinator's overview) built on the same figures."""
from __future__ import annotations

import json
from datetime import date

from babel.dates import get_month_names
from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from lms import clock
from lms.core import audit, charts
from lms.core.fields import grouped_country_choices
from lms.core.listing import listing
from lms.extensions import db
from lms.i18n import collation_key, country_name, current_language, pick_string
from lms.models import Course, Organisation, Survey, SurveyIndicator, SurveyWave, TrainingGroup
from lms.permissions import coordinated_scope, readable_courses, roles
from lms.reports import cascade, exports, figures, homes, iati, xapi
from lms.reports.filters import ReportFilter, parse_age_bands
from lms.reports.forms import RETIRED_DATES, RETIRED_NOTE, ReportForm
from lms.reports.tables import RATES, TOTAL, Dashboard, dashboard, rate
from lms.surveys import results
from lms.vocabulary import GROUP_MODE_LABELS

bp = Blueprint("reports", __name__)


@bp.app_context_processor
def report_helpers():
    return {"TOTAL": TOTAL, "row_label": row_label, "column_label": lambda key: exports.label(key, "gender"),
            "export_url": export_url, "chart": chart, "RATES": RATES, "rate": rate}


def row_label(table: str, key: str) -> str:
    return exports.label(key, table)


def export_url(table: str, extension: str) -> str:
    return url_for("reports.export_table", table=table, extension=extension, **request.args.to_dict())


def chart(name: str, table, column: str, filters: list[tuple[str, str]]):
    """The bar chart of one column of a table, captioned with what it counts, its unit, period and filters."""
    bars = [(row_label(name, row), table.value(row, column)) for row in table.rows]
    return charts.bar_chart(name, exports.chart_caption(name, column, filters), bars)


#: Tables that download, and the titles written into the files.
TABLES = ("by_country", "by_age", "progress", "trend", "quarters", "attendance", "trainers", "cascade")


def retired_dates() -> str | None:
    """For an old link with a period from one day to another (it gets the whole year): the note that says so."""
    return str(RETIRED_NOTE) if any(request.args.get(name) for name in RETIRED_DATES) else None


def report_form() -> ReportForm:
    """The filter form, its choices limited to what the reader may see."""
    form = ReportForm(request.args)
    language = current_language()
    this_year = clock.today().year
    form.year.choices = [SelectChoice(str(y), str(y)) for y in range(this_year, this_year - 8, -1)]
    if not form.year.data:  # the last whole year that has ended
        form.year.data = str(this_year - 1)
    names = get_month_names("wide", context="stand-alone", locale=get_locale())
    form.month.choices = [SelectChoice("", _("All months"))] + [
        SelectChoice(str(m), names[m].capitalize()) for m in range(1, 13)]
    if retired_dates():
        form.quarter.data = form.month.data = ""
    scope = coordinated_scope(current_user)
    countries = grouped_country_choices(language) if scope.everything else sorted(
        (SelectChoice(c, country_name(c, language)) for c in scope.countries),
        key=lambda choice: collation_key(choice.label))
    everything = _("All countries") if scope.everything else _("All you coordinate")
    form.country.choices = [SelectChoice("", everything)] + countries
    organisations = select(Organisation).where(scope.where(Organisation.country, Organisation.id))
    groups = select(TrainingGroup).where(scope.where(TrainingGroup.country, TrainingGroup.organisation_id)).order_by(
        TrainingGroup.starts_on.desc())
    form.organisation.choices = [SelectChoice("", _("All"))] + sorted(
        (SelectChoice(str(o.id), f"{o.acronym} ({o.country})") for o in db.session.scalars(organisations)),
        key=lambda choice: collation_key(choice.label))
    courses = select(Course).where(readable_courses(current_user)).order_by(Course.slug)
    form.course.choices = [SelectChoice("", _("All courses"))] + [
        SelectChoice(str(c.id), pick_string(c.translations, language, c.source_language, "title"))
        for c in db.session.scalars(courses)]
    form.group.choices = [SelectChoice("", _("All"))] + [
        SelectChoice(str(g.id), f"{g.name} ({g.country})") for g in db.session.scalars(groups)]
    bands = parse_age_bands(current_app.config["REPORT_AGE_BANDS"])
    form.age_band.choices = [SelectChoice("", _("All"))] + [SelectChoice(b.label, b.label) for b in bands]
    return form


def report_filter(form: ReportForm) -> ReportFilter:
    start, end = form.period()
    scope = coordinated_scope(current_user)
    return ReportFilter(
        start=start, end=end, scope=None if scope.everything else scope,
        countries=(form.country.data,) if form.country.data else None,
        organisation_id=int(form.organisation.data or 0) or None,
        course_id=int(form.course.data or 0) or None, topic=form.topic.data or None,
        group_id=int(form.group.data or 0) or None, gender=form.gender.data or None,
        age_band=form.age_band.data or None,
        age_bands=tuple(parse_age_bands(current_app.config["REPORT_AGE_BANDS"])))


def build(report: ReportFilter) -> Dashboard:
    return dashboard(report, figures.participation_cube(report), figures.monthly_trend(report),
                     figures.attendance(report), figures.trainers(report), cascade.by_generation(report))


def outcomes(report: ReportFilter) -> list[tuple[Survey, list]]:
    """Each participants' survey with indicators, per wave, for the trainings the report covers.

    Survey answers are filtered by country only: anonymous answers carry no gender or age. A coordinator sees
    course-wide waves (for the respondents of their countries, if they coordinate countries) and the waves of the
    groups of their countries and organisations.
    """
    found = []
    waves = selectinload(Survey.waves)
    surveys = db.session.scalars(
        select(Survey).where(Survey.subject == "participant", Survey.indicators.any()).order_by(Survey.code)
        .options(selectinload(Survey.translations),
                 selectinload(Survey.indicators).selectinload(SurveyIndicator.titles),
                 waves.selectinload(SurveyWave.course).selectinload(Course.translations),
                 waves.selectinload(SurveyWave.group)))
    course_groups = (set(db.session.scalars(select(TrainingGroup.id).where(
        TrainingGroup.course_id == report.course_id))) if report.course_id else set())

    scope = report.scope

    def in_scope(wave: SurveyWave) -> bool:
        """A group's wave only for a group of the report's scope and countries: its name is on the page."""
        if wave.group_id is None:
            return scope is None or scope.sees_course_waves
        return ((scope is None or scope.holds(wave.group.country, wave.group.organisation_id))
                and (report.countries is None or wave.group.country in report.countries))

    countries = list(report.countries) if report.countries is not None else (
        scope.respondent_countries() if scope is not None else None)

    for survey in surveys:
        waves = [w for w in survey.waves if w.workplace_id is None and in_scope(w)
                 and (report.group_id is None or w.group_id == report.group_id)
                 and (report.course_id is None or w.course_id == report.course_id or w.group_id in course_groups)]
        if waves:
            found.append((survey, results.indicator_results(survey, waves, countries)))
    return found


@bp.route("/today")
@roles("trainer", "coordinator")
def today():
    """A trainer's home: what the groups they manage need today, then the groups themselves."""
    day = clock.today()
    groups = listing(homes.current_groups(current_user, day).options(
                         selectinload(TrainingGroup.course).selectinload(Course.translations)),
                     sorts={"name": TrainingGroup.name, "country": TrainingGroup.country,
                            "starts": TrainingGroup.starts_on, "ends": TrainingGroup.ends_on},
                     default="ends", search_in=(TrainingGroup.name, TrainingGroup.place), tiebreak=TrainingGroup.id,
                     per_page=25)
    return render_template("reports/today.html", day=day, todo=homes.today_for(current_user, day), groups=groups,
                           group_modes=GROUP_MODE_LABELS, stuck_days=homes.STUCK_DAYS)


@bp.route("/overview")
@roles("coordinator")
def overview():
    """A coordinator's home (an administrator's, over every country): figures, open waves, links to the rest."""
    bands = tuple(parse_age_bands(current_app.config["REPORT_AGE_BANDS"]))
    return render_template("reports/overview.html", day=clock.today(),
                           overview=homes.overview_for(current_user, clock.today(), bands), soon_days=homes.SOON_DAYS)


@bp.route("/reports")
@roles("coordinator")
def show_dashboard():
    form = report_form()
    if not form.validate():
        return render_template("reports/dashboard.html", form=form, data=None, report=None), 400
    waiting = form.not_yet_published(clock.today())
    if waiting:
        return render_template("reports/dashboard.html", form=form, data=None, report=None, not_yet=waiting)
    report = report_filter(form)
    return render_template("reports/dashboard.html", form=form, report=report, data=build(report),
                           filters=exports.filter_lines(form), gain=figures.knowledge_gain(report).published,
                           outcomes=outcomes(report), retired_dates=retired_dates(),
                           iati_ready=report.start.year < clock.today().year)


@bp.route("/reports/family-tree")
@roles("coordinator")
def show_family_tree():
    """Who trained which trainers, within the reader's countries and organisations, with what each did in the
    period: the filters of the dashboard."""
    form = report_form()
    if not form.validate():
        return render_template("reports/family_tree.html", form=form, tree=None), 400
    waiting = form.not_yet_published(clock.today())
    if waiting:
        return render_template("reports/family_tree.html", form=form, tree=None, not_yet=waiting)
    report = report_filter(form)
    return render_template("reports/family_tree.html", form=form, tree=cascade.family_tree(report),
                           filters=exports.filter_lines(form), retired_dates=retired_dates())


@bp.route("/reports/<table>.<extension>")
@roles("coordinator")
def export_table(table: str, extension: str):
    if table not in TABLES or extension not in ("csv", "xlsx"):
        abort(404)
    form = report_form()
    if not form.validate():
        abort(400)
    if form.not_yet_published(clock.today()):
        abort(404)
    report = report_filter(form)
    sheet = exports.sheet_of(table, getattr(build(report), table), exports.filter_lines(form, retired_dates()))
    name = f"{table}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{extension}"
    if extension == "csv":
        return Response(exports.as_csv(sheet), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return send_file(exports.as_xlsx(sheet), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/reports/iati.xml")
@roles("admin")
def export_iati():
    """The programme's results for the donor (all countries: administrators only)."""
    year = request.args.get("year", type=int) or clock.today().year - 1
    if not 2000 <= year < clock.today().year:  # a year's figures are published once it has ended
        abort(404)
    data = iati.activity_file(current_app.config["IATI_ACTIVITY_ID"], year)
    return Response(data, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="iati-{year}.xml"'})


@bp.route("/reports/xapi.json")
@roles("admin")
def export_xapi():
    """Every learning record as xAPI statements, for a learning record store; written to the audit log."""
    since = request.args.get("since", type=date.fromisoformat) if request.args.get("since") else None
    found = xapi.statements(since)
    audit.record("export xapi", {"since": since.isoformat() if since else None, "statements": len(found)},
                 current_user)
    db.session.commit()
    return Response(json.dumps(found, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="xapi-statements.json"'})
