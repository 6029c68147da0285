"""A report's downloads: everything its dashboard shows, as one workbook or a zip of CSV files, from one list of
sections (``SECTIONS``), each built from the dashboard's own figures (``ReportContent``), published only.

To add a section (a table the dashboard shows): give ``ReportContent`` the field the dashboard reads, then write
a function ``ReportContent -> Section`` (its columns with their kinds, its rows) and add it to ``SECTIONS`` where
it should stand. lms/files/workbooks.py writes it as a sheet and as a CSV file.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _

from lms.disclosure import MIN_SHOWN
from lms.files.workbooks import (
    CHANGE,
    CHANGE_POINTS,
    CHANGE_WHOLE,
    COUNT,
    DAY,
    DECIMAL,
    MONTH,
    SHARE,
    TEXT,
    USER_TEXT,
    WHOLE,
    Column,
    Section,
    Typed,
)
from lms.i18n import country_name, current_language, pick_string
from lms.models import Survey, SurveyIndicator, SurveyWave
from lms.reports.exports import FIRST_COLUMN, TITLES, label
from lms.reports.tables import RATES, TOTAL, Dashboard, Table, rate
from lms.reports.workplace_outcomes import IndicatorBeforeAfter, WorkplaceBeforeAfter
from lms.surveys.display import survey_title, wave_target
from lms.surveys.distributions import SurveyFigures
from lms.surveys.results import IndicatorResult
from lms.surveys.statistics import Gain
from lms.vocabulary import WAVE_LABELS


@dataclass
class ReportContent:
    """What the dashboard shows for a report, as it computes it; ``answers`` only for the downloads."""

    title: str
    #: (filter, chosen value) as the dashboard lists them, the note on rounding last.
    filters: list[tuple[str, str]]
    start: date
    end: date
    data: Dashboard
    gain: Gain
    outcomes: list[tuple[Survey, list[IndicatorResult]]]
    answers: list[tuple[Survey, SurveyFigures]] = field(default_factory=list)
    #: Workplaces' indicators before and after the trainings held there (lms/reports/workplace_outcomes.py).
    workplaces: list[WorkplaceBeforeAfter] = field(default_factory=list)
    #: When the participation figures were made: their period's summary's time, or now (lms/reports/summaries).
    made_at: datetime | None = None


def empty_cells_note() -> str:
    return _("An empty cell among shares, rates, means and their intervals is a figure not shown: it rests on fewer "
             "than %(n)d people as published.", n=MIN_SHOWN)


# The dashboard's tables.

def table_section(name: str, key: str, sheet: str, table: Table, first: str = TEXT) -> Section:
    """A count table of the dashboard with its totals and its rate, as the page shows it."""
    with_totals = name in ("by_country", "by_age")
    columns = [*table.columns, TOTAL] if with_totals else list(table.columns)
    header = [Column(str(FIRST_COLUMN[name]), first)] + [Column(label(c, "gender"), COUNT) for c in columns]
    if name in RATES:
        header.append(Column(label(RATES[name][0], "gender"), SHARE))
    rows = []
    for row in [*table.rows, TOTAL]:
        heading = (date.fromisoformat(f"{row}-01") if first == MONTH and row != TOTAL else label(row, name))
        line = [heading, *(table.value(row, column) for column in columns)]
        if name in RATES:
            share = rate(name, table, row)
            line.append(None if share is None else round(share, 2))
        rows.append(line)
    return Section(key, sheet, str(TITLES[name]), header, rows)


def by_country(content: ReportContent) -> Section:
    return table_section("by_country", "participants-by-country", _("By country"), content.data.by_country)


def by_age(content: ReportContent) -> Section:
    return table_section("by_age", "participants-by-age", _("By age"), content.data.by_age)


def progress(content: ReportContent) -> Section:
    return table_section("progress", "progress", _("Progress"), content.data.progress)


def trend(content: ReportContent) -> Section:
    return table_section("trend", "by-month", _("By month"), content.data.trend, MONTH)


def quarters(content: ReportContent) -> Section:
    return table_section("quarters", "by-quarter", _("By quarter"), content.data.quarters)


def attendance(content: ReportContent) -> Section:
    return table_section("attendance", "attendance", _("Attendance"), content.data.attendance)


def trainers(content: ReportContent) -> Section:
    return table_section("trainers", "trainers", _("Trainers"), content.data.trainers)


def cascade(content: ReportContent) -> Section:
    return table_section("cascade", "trainers-by-generation", _("Generations"), content.data.cascade)


# Knowledge gain and outcomes.

def knowledge_gain(content: ReportContent) -> Section:
    gain = content.gain
    change = gain.change
    columns = [Column(_("People"), COUNT), Column(_("Mean score before"), WHOLE), Column(_("Mean score after"), WHOLE),
               Column(_("Mean gain (points)"), CHANGE_WHOLE), Column(_("Lower bound (95%)"), CHANGE_WHOLE),
               Column(_("Upper bound (95%)"), CHANGE_WHOLE), Column(_("Normalised gain"), SHARE)]
    shown = gain.mean_before is not None
    row = [gain.n, gain.mean_before, gain.mean_after, change.value if shown else None,
           change.low if shown else None, change.high if shown else None,
           None if gain.normalised is None else round(gain.normalised, 2)]
    return Section("knowledge-gain", _("Knowledge gain"), _("Knowledge gain"), columns, [row])


def wave_kind(wave: SurveyWave) -> str:
    name = str(WAVE_LABELS[wave.kind])
    return f"{name} ({_('%(n)d days after', n=wave.days_after)})" if wave.days_after else name


def figure(indicator: SurveyIndicator | IndicatorBeforeAfter, value: float | None, change: bool = False):
    """A share (0-1, whole percent) or its change in points, or a mean or its change with one decimal."""
    if value is None:
        return None
    if indicator.kind == "share":
        return Typed(round(100 * value), CHANGE_POINTS) if change else Typed(round(value, 2), SHARE)
    return Typed(value, CHANGE if change else DECIMAL)


def indicators(content: ReportContent) -> Section:
    """The outcome indicators per wave with their intervals and the change from baseline, as the dashboard shows
    them."""
    columns = [Column(_("Survey"), USER_TEXT), Column(_("Title"), USER_TEXT), Column(_("Code"), USER_TEXT),
               Column(_("Direction"), TEXT), Column(_("Asked of"), USER_TEXT), Column(_("Wave"), TEXT),
               Column(_("Date"), DAY), Column(_("People"), COUNT), Column(_("Share or mean"), DECIMAL),
               Column(_("Lower bound (95%)"), DECIMAL), Column(_("Upper bound (95%)"), DECIMAL),
               Column(_("Change from baseline"), CHANGE), Column(_("Lower bound (95%)"), CHANGE),
               Column(_("Upper bound (95%)"), CHANGE), Column(_("Pairs"), TEXT)]
    rows = []
    language = current_language()
    for survey, results in content.outcomes:
        for result in results:
            indicator = result.indicator
            title = pick_string(indicator.titles, language, survey.source_language, "title")
            direction = _("higher is better") if indicator.direction == "up" else _("lower is better")
            for series in result.series:
                for each in series:
                    shown = each.shown
                    estimate, change = each.estimate, each.change if each.change_shown else None
                    rows.append([
                        survey_title(survey), title, indicator.code, direction, wave_target(each.wave),
                        wave_kind(each.wave), each.wave.opens_on, estimate.n,
                        *(figure(indicator, v) if shown else None
                          for v in (estimate.value, estimate.low, estimate.high)),
                        *(figure(indicator, v, change=True) if change else None
                          for v in ((change.value, change.low, change.high) if change else (None,) * 3)),
                        None if change is None else (
                            Typed(change.n, COUNT) if each.paired else _("(independent samples)"))])
    return Section("outcome-indicators", _("Indicators"), _("Outcome indicators"), columns, rows)


def workplaces(content: ReportContent) -> Section:
    """Each workplace's indicators in its last round before the trainings held there and its rounds after, with the
    change from the round before, as the dashboard shows them."""
    columns = [Column(_("Workplace"), USER_TEXT), Column(_("Sector"), USER_TEXT), Column(_("Country"), TEXT),
               Column(_("Training groups"), USER_TEXT), Column(_("Survey"), USER_TEXT), Column(_("Title"), USER_TEXT),
               Column(_("Code"), USER_TEXT), Column(_("Direction"), TEXT), Column(_("Survey round"), TEXT),
               Column(_("First day"), DAY), Column(_("Last day"), DAY), Column(_("People"), COUNT),
               Column(_("Share or mean"), DECIMAL), Column(_("Lower bound (95%)"), DECIMAL),
               Column(_("Upper bound (95%)"), DECIMAL), Column(_("Change from the round before"), CHANGE),
               Column(_("Lower bound (95%)"), CHANGE), Column(_("Upper bound (95%)"), CHANGE)]
    rows = []
    for place in content.workplaces:
        trainings = "; ".join(f"{t.name} ({t.starts_on.isoformat()} – {t.ends_on.isoformat()})"
                              for t in place.trainings)
        for indicator in place.indicators:
            direction = _("higher is better") if indicator.direction == "up" else _("lower is better")
            rounds = [(_("Before the trainings"), indicator.before)] if indicator.before else []
            rounds += [(_("After the first training"), each) for each in indicator.after]
            for when, each in rounds:
                estimate, change = each.estimate, each.change
                rows.append([
                    place.name, place.sector, country_name(place.country, current_language()), trainings,
                    indicator.survey, indicator.title, indicator.code, direction, when, each.opens_on, each.closes_on,
                    estimate.n, *(figure(indicator, v) for v in (estimate.value, estimate.low, estimate.high)),
                    *(figure(indicator, v, change=True) if change is not None and change.value is not None else None
                      for v in ((change.value, change.low, change.high) if change else (None,) * 3))])
    return Section("workplaces", _("Workplaces"), _("Workplaces before and after their trainings"), columns, rows)


# Survey results per question.

def survey_lines(content: ReportContent):
    for survey, figures in content.answers:
        yield survey_title(survey), figures


def survey_responses(content: ReportContent) -> Section:
    columns = [Column(_("Survey"), USER_TEXT), Column(_("Asked of"), USER_TEXT), Column(_("Wave"), TEXT),
               Column(_("Date"), DAY), Column(_("Invited"), COUNT), Column(_("Answered"), COUNT),
               Column(_("Response rate"), SHARE)]
    rows = [[title, wave_target(c.wave), wave_kind(c.wave), c.wave.opens_on, c.invited, c.answered,
             None if c.rate is None else round(c.rate, 2)]
            for title, figures in survey_lines(content) for c in figures.waves]
    return Section("survey-responses", _("Survey responses"), _("Responses"), columns, rows)


def survey_answers(content: ReportContent) -> Section:
    """Per survey, question, wave and answer: the people who gave it and their share, shown from MIN_SHOWN people
    who answered the question (one line with how many answered where fewer did)."""
    columns = [Column(_("Survey"), USER_TEXT), Column(_("Asked of"), USER_TEXT), Column(_("Wave"), TEXT),
               Column(_("Date"), DAY), Column(_("Question code"), USER_TEXT), Column(_("Question"), USER_TEXT),
               Column(_("People who answered"), COUNT), Column(_("Answer code"), USER_TEXT),
               Column(_("Answer"), USER_TEXT), Column(_("People"), COUNT), Column(_("Share"), SHARE)]
    rows = []
    for title, figures in survey_lines(content):
        for question in figures.questions or []:
            for each in question.waves:
                start = [title, wave_target(each.wave), wave_kind(each.wave), each.wave.opens_on, question.code,
                         str(question.label), each.answered]
                if each.shown and each.bars:
                    rows += [[*start, bar.code, str(bar.label), bar.count, round(each.share(bar), 2)]
                             for bar in each.bars]
                else:
                    rows.append([*start, None, None, None, None])
    return Section("survey-answers", _("Survey answers"), _("Answers"), columns, rows)


def survey_means(content: ReportContent) -> Section:
    columns = [Column(_("Survey"), USER_TEXT), Column(_("Asked of"), USER_TEXT), Column(_("Wave"), TEXT),
               Column(_("Date"), DAY), Column(_("Question code"), USER_TEXT), Column(_("Question"), USER_TEXT),
               Column(_("People"), COUNT), Column(_("Mean"), DECIMAL), Column(_("Lower bound (95%)"), DECIMAL),
               Column(_("Upper bound (95%)"), DECIMAL)]
    rows = [[title, wave_target(each.wave), wave_kind(each.wave), each.wave.opens_on, question.code,
             str(question.label), each.mean.n, each.mean.value, each.mean.low, each.mean.high]
            for title, figures in survey_lines(content) for question in figures.questions or []
            for each in question.waves if each.mean is not None]
    return Section("survey-means", _("Survey means"), _("Means"), columns, rows)


#: The report's sections, in the order of the dashboard: each a sheet of the workbook and a file of the zip.
SECTIONS: list[Callable[[ReportContent], Section]] = [
    by_country, by_age, progress, trend, quarters, attendance, trainers, cascade, knowledge_gain, indicators,
    workplaces,
    survey_responses, survey_answers, survey_means,
]


def sections(content: ReportContent) -> list[Section]:
    return [build(content) for build in SECTIONS]


def cover_lines(content: ReportContent) -> list[tuple[str, list]]:
    """The period as two days, the filters chosen, the notes on the period and on rounding, and what an empty cell
    means."""
    period = _("Period")
    lines: list[tuple[str, list]] = [(period, [content.start, content.end])]
    lines += [(name, [value]) for name, value in content.filters if name != period]
    lines.append((_("Empty cells"), [empty_cells_note()]))
    if content.made_at is not None:
        lines.append((_("Figures as of (UTC)"), [content.made_at.replace(tzinfo=None)]))
    return lines

