"""The words of the dashboard's tables (titles, measures, units, first columns) and the lines that say what a report
is about, shared by the page, its charts and its downloads (lms/reports/workbook.py)."""
from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms import disclosure
from lms.i18n import country_name, current_language
from lms.reports.figures import UNKNOWN_AGE
from lms.reports.tables import TOTAL
from lms.vocabulary import gender_label

TITLES = {
    "by_country": _l("Participants by country and gender"),
    "by_age": _l("Participants by age and gender"),
    "progress": _l("Enrolments and completions by country"),
    "trend": _l("Enrolments and completions by month"),
    "quarters": _l("Enrolments and completions by quarter"),
    "attendance": _l("Attendance at sessions by country"),
    "trainers": _l("Trainers and their reach by country"),
    "cascade": _l("Trainers and their reach by generation"),
}
MEASURES = {
    "enrolments": _l("Enrolments begun"), "completed_since": _l("Of these, completed"),
    "completions": _l("Completions in the period"), "present": _l("Presences"), "places": _l("Places"),
    "active": _l("Active trainers"), "reach": _l("People reached"), "trained": _l("New trainers"),
    "completion_rate": _l("Completion rate"), "attendance_rate": _l("Attendance rate"),
}
#: What one unit of a charted column is, for the chart's caption.
UNITS = {
    TOTAL: _l("people, each counted once"), "enrolments": _l("enrolments"),
    "completions": _l("completed enrolments"), "present": _l("presences at sessions"), "reach": _l("people"),
}
FIRST_COLUMN = {"by_country": _l("Country"), "by_age": _l("Age"), "progress": _l("Country"), "trend": _l("Month"),
                "quarters": _l("Quarter"), "attendance": _l("Country"), "trainers": _l("Country"),
                "cascade": _l("Generation")}


def label(key: str | int, kind: str) -> str:
    if kind == "cascade" and key != TOTAL:
        return generation_label(int(key))
    if key == TOTAL:
        return _("Total")
    if key == UNKNOWN_AGE:
        return _("Unknown")
    if key in MEASURES:
        return str(MEASURES[key])
    if kind in ("by_country", "progress", "attendance", "trainers"):
        return country_name(key, current_language())
    return gender_label(key) if kind == "gender" else key


def generation_label(generation: int) -> str:
    """A row of the cascade: the organisation's own trainers, then the trainers they trained, and so on."""
    if generation == 0:
        return _("Our own trainers (generation 0)")
    return _("Generation %(n)d", n=generation)


def filter_lines(form, note: str | None = None) -> list[tuple[str, str]]:
    """(filter, chosen value) for the period and every filter set, in the reader's language; then the ``note``
    on the period, if any, and the one on privacy."""
    start, end = form.period()
    lines = [(_("Period"), f"{format_date(start, 'medium')} – {format_date(end, 'medium')}")]
    for field in (form.country, form.organisation, form.course, form.topic, form.group, form.gender, form.age_band):
        if field.data:
            chosen = next((c.label for c in field.choices if c.value == field.data), field.data)
            lines.append((str(field.label.text), str(chosen)))
    if note:
        lines.append((_("Note"), note))
    lines.append((_("Privacy"), disclosure.note()))
    return lines


def chart_caption(name: str, column: str, filters: list[tuple[str, str]]) -> list[str]:
    """The lines under a chart's heading: what each bar counts and in which unit, then the period and filters
    (the notes on rounding and privacy stay under the tables)."""
    measure = _("Total") if column == TOTAL else label(column, "gender")
    shown = [f"{name_}: {value}" for name_, value in filters if name_ not in (_("Note"), _("Privacy"))]
    return [_("Chart of %(table)s: %(measure)s, by %(row)s. Unit: %(unit)s.", table=TITLES[name], measure=measure,
              row=FIRST_COLUMN[name], unit=UNITS[column]), *shown]
