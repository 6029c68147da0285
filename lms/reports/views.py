"""Reports for coordinators (their countries) and admins (all): the dashboard and its exports, and the staff homes
(a trainer's day, a coordinator's overview) built on the same figures."""
from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from babel.dates import get_month_names
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
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
from lms.files import workbooks
from lms.i18n import collation_key, country_name, current_language, pick_string, text_direction
from lms.models import Course, Organisation, TrainingGroup
from lms.permissions import can_read_figures, coordinated_scope, readable_courses, roles
from lms.reports import cascade, exports, figures, homes, iati, workbook, xapi
from lms.reports import surveys as report_surveys
from lms.reports.filters import ReportFilter, parse_age_bands
from lms.reports.forms import RETIRED_DATES, RETIRED_NOTE, ReportForm
from lms.reports.summaries import reading as summary_reading
from lms.reports.tables import RATES, TOTAL, Dashboard, dashboard, rate
from lms.reports.tree_lines import shown_lines
from lms.reports.workplace_outcomes import workplace_outcomes
from lms.vocabulary import GROUP_MODE_LABELS

bp = Blueprint("reports", __name__)


@bp.app_context_processor
def report_helpers():
    return {"TOTAL": TOTAL, "row_label": row_label, "column_label": lambda key: exports.label(key, "gender"),
            "chart": chart, "RATES": RATES, "rate": rate}


def row_label(table: str, key: str) -> str:
    return exports.label(key, table)


def chart(name: str, table, column: str, filters: list[tuple[str, str]]):
    """The bar chart of one column of a table, captioned with what it counts, its unit, period and filters."""
    bars = [(row_label(name, row), table.value(row, column)) for row in table.rows]
    return charts.bar_chart(name, exports.chart_caption(name, column, filters), bars)


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
    organisations = select(Organisation.id, Organisation.acronym, Organisation.country).where(
        scope.where(Organisation.country, Organisation.id))
    groups = group_choices(form, scope)
    form.organisation.choices = [SelectChoice("", _("All"))] + sorted(
        (SelectChoice(str(o.id), f"{o.acronym} ({o.country})") for o in db.session.execute(organisations)),
        key=lambda choice: collation_key(choice.label))
    courses = (select(Course).where(readable_courses(current_user)).order_by(Course.slug)
               .options(selectinload(Course.translations)))
    form.course.choices = [SelectChoice("", _("All courses"))] + [
        SelectChoice(str(c.id), pick_string(c.translations, language, c.source_language, "title"))
        for c in db.session.scalars(courses)]
    form.group.choices = [SelectChoice("", _("All"))] + [
        SelectChoice(str(g.id), f"{g.name} ({g.country})") for g in db.session.scalars(groups)]
    if scope.everything and not form.country.data:
        form.group.description = _("Choose a country to list its training groups.")
    bands = parse_age_bands(current_app.config["REPORT_AGE_BANDS"])
    form.age_band.choices = [SelectChoice("", _("All"))] + [SelectChoice(b.label, b.label) for b in bands]
    return form


def group_choices(form: ReportForm, scope):
    """The training groups the filter offers: the reader's, of the chosen country, whose dates meet the chosen year
    (all their countries' for a coordinator; for a reader of every country, a country must be chosen first: a
    programme runs thousands), and the group already chosen, if the reader may see it."""
    groups = select(TrainingGroup).where(scope.where(TrainingGroup.country, TrainingGroup.organisation_id))
    chosen = TrainingGroup.id == (int(form.group.data) if str(form.group.data or "").isdigit() else None)
    listed = []
    if form.country.data:
        listed.append(TrainingGroup.country == form.country.data)
    elif scope.everything:
        listed.append(sa.false())
    if str(form.year.data or "").isdigit():
        year = int(form.year.data)
        listed += [TrainingGroup.starts_on <= date(year, 12, 31), TrainingGroup.ends_on >= date(year, 1, 1)]
    return groups.where(sa.or_(sa.and_(sa.true(), *listed), chosen)).order_by(TrainingGroup.starts_on.desc(),
                                                                             TrainingGroup.id)


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
                     figures.attendance(report), *cascade.trainers_and_generations(report))


def report_content(form: ReportForm, report: ReportFilter, *, answers: bool = False) -> workbook.ReportContent:
    """What the dashboard shows; with ``answers``, as the downloads carry it, the covered surveys' answers too."""
    covered = report_surveys.covered_surveys(report, indicators_only=not answers, questions=answers)
    return workbook.ReportContent(
        _("Report"), exports.filter_lines(form, retired_dates()), report.start, report.end, build(report),
        figures.knowledge_gain(report).published, report_surveys.outcomes(covered),
        report_surveys.answers(covered, current_language(), lambda survey: can_read_figures(current_user, survey))
        if answers else [], workplaces=workplace_outcomes(report, current_language()),
        made_at=summary_reading.figures_time(report))


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
    content = report_content(form, report)
    return render_template("reports/dashboard.html", form=form, report=report, data=content.data,
                           filters=exports.filter_lines(form), gain=content.gain, outcomes=content.outcomes,
                           workplaces=content.workplaces, group_modes=GROUP_MODE_LABELS, made_at=content.made_at,
                           retired_dates=retired_dates(), iati_ready=report.start.year < clock.today().year,
                           download_url=lambda extension: url_for("reports.download_report", extension=extension,
                                                                  **request.args.to_dict()))


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
    return render_template("reports/family_tree.html", form=form, tree=shown_lines(cascade.family_tree(report)),
                           filters=exports.filter_lines(form), retired_dates=retired_dates(),
                           made_at=summary_reading.figures_time(report))


#: The report's downloads: the workbook, and the same tables as CSV files in a zip.
DOWNLOADS = {"xlsx": (workbooks.as_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
             "zip": (workbooks.as_zip, "application/zip")}


@bp.route("/reports/report.<extension>")
@roles("coordinator")
def download_report(extension: str):
    """Everything the dashboard shows for these filters, and the covered surveys' answers, in one file."""
    if extension not in DOWNLOADS:
        abort(404)
    form = report_form()
    if not form.validate():
        abort(400)
    if form.not_yet_published(clock.today()):
        abort(404)
    report = report_filter(form)
    content = report_content(form, report, answers=True)
    cover = workbooks.Cover(content.title, workbook.cover_lines(content), clock.utcnow(),
                            right_to_left=text_direction(current_language()) == "rtl")
    write, mimetype = DOWNLOADS[extension]
    return send_file(write(cover, workbook.sections(content)), as_attachment=True, mimetype=mimetype,
                     download_name=f"report-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{extension}")


@bp.route("/reports/iati.xml")
@roles("admin")
def export_iati():
    """The programme's results for the donor (all countries: administrators only)."""
    year = request.args.get("year", type=int) or clock.today().year - 1
    if not 2000 <= year < clock.today().year:  # a year's figures are published once it has ended
        abort(404)
    try:
        data = iati.activity_file(current_app.config["IATI_ACTIVITY_ID"], year)
    except iati.IATIError:  # a year before the activity began
        abort(404)
    return Response(data, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="iati-{year}.xml"'})


@bp.route("/reports/xapi.json")
@roles("admin")
def export_xapi():
    """Every learning record as xAPI statements, for a learning record store; written to the audit log."""
    if xapi.is_local_address(current_app.config["PUBLIC_URL"]):
        flash(_("Learning records cannot be exported yet: the portal's public address (PUBLIC_URL) is still an "
                "address of this computer, and statements name members and courses under it. Ask whoever runs "
                "the portal to set it."), "error")
        return redirect(url_for("reports.show_dashboard"))
    since = request.args.get("since", type=date.fromisoformat) if request.args.get("since") else None
    found = xapi.statements(since)
    audit.record("export xapi", {"since": since.isoformat() if since else None, "statements": len(found)},
                 current_user)
    db.session.commit()
    return Response(json.dumps(found, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="xapi-statements.json"'})
