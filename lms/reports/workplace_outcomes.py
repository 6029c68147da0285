"""The report's workplace indicators before and after the trainings held there (docs/reports.md, "Workplaces
before and after their trainings").

For each workplace with a training in the report's filters and period: the figures of its last survey round that
closed before the first of those trainings began, and of its rounds that opened after that training ended, each
with its change from the round before. Per workplace, never pooled, and each figure is a whole round's: the same
records, so the same published figure, as on the workplace's page and its survey's results page. The filters
choose which workplaces and rounds are shown, never which answers count in a figure, so two views of nearby
filters never show two figures that differ by a few people.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.extensions import db
from lms.i18n import pick_string
from lms.models import Course, Survey, SurveyIndicator, SurveyWave, TrainingGroup, Workplace
from lms.reports.figures import group_filters, period_bounds
from lms.reports.filters import ReportFilter
from lms.surveys import results
from lms.surveys.results import Sums
from lms.surveys.scales import value_scales
from lms.surveys.statistics import Estimate


@dataclass(frozen=True)
class Training:
    """A training held at the workplace, in the report's filters and period."""

    name: str
    #: The course's title in the reader's language.
    course: str
    #: A code of ``lms.vocabulary.GROUP_MODES``.
    mode: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class RoundFigure:
    """One round's published figure (n, value and 95% interval, as ``results.published_estimate`` gives it: no value
    under a published n of 10) and, for a round after the trainings, its change from the round before (independent
    samples: workplace answers are anonymous); None where there is no round before."""

    opens_on: date
    closes_on: date | None
    estimate: Estimate
    change: Estimate | None = None


@dataclass(frozen=True)
class IndicatorBeforeAfter:
    survey_code: str
    #: The survey's and the indicator's titles in the reader's language.
    survey: str
    title: str
    code: str
    #: "share" (value and interval from 0 to 1; a change in proportions) or "mean".
    kind: str
    #: Which way is better: "up" or "down".
    direction: str
    #: The last round that closed before the first training began; None if there is none.
    before: RoundFigure | None
    #: The rounds that opened after the first training ended, by date.
    after: tuple[RoundFigure, ...]


@dataclass(frozen=True)
class WorkplaceBeforeAfter:
    workplace_id: int
    name: str
    sector: str
    country: str
    #: The trainings held there in the report's filters and period, by first day: the first one splits the rounds.
    trainings: tuple[Training, ...]
    indicators: tuple[IndicatorBeforeAfter, ...]


def workplace_outcomes(report: ReportFilter, language: str) -> list[WorkplaceBeforeAfter]:
    """Per workplace with a training in the report's filters and period, by name: each indicator of its workplace
    surveys in the last round before the first training and the rounds after, as published.

    A training counts as the dashboard's groups do (its dates meet the period, created by its last day, the
    filters on country, organisation, course, topic and group); gender and age select nothing here, as workplace
    answers carry neither. The reader sees a workplace if their scope holds both it and the training (a
    coordinator or an admin: the only readers of an anonymous survey's figures, ``can_read_figures``). A round that
    was open while the first training began or ended is neither before nor after it; so is one without a last
    day that opened before the training.
    """
    trainings = held_trainings(report)
    if not trainings:
        return []
    rounds = list(db.session.scalars(
        select(SurveyWave).join(Survey).where(SurveyWave.workplace_id.in_(list(trainings)),
                                              Survey.indicators.any())
        .options(joinedload(SurveyWave.survey).selectinload(Survey.translations),
                 joinedload(SurveyWave.survey).selectinload(Survey.indicators)
                 .joinedload(SurveyIndicator.titles))))
    chosen: dict[tuple[int, int], tuple[SurveyWave | None, list[SurveyWave]]] = {}
    for (workplace_id, survey_id), waves in grouped(rounds).items():
        first = trainings[workplace_id][0]
        before, after = split_rounds(waves, first)
        if before is not None or after:
            chosen[(workplace_id, survey_id)] = (before, after)
    surveys = {wave.survey_id: wave.survey for wave in rounds}
    sums, scales = {}, {}
    for survey_id, survey in surveys.items():
        wave_ids = [w.id for (_place, s), (before, after) in chosen.items() if s == survey_id
                    for w in ([before] if before else []) + after]
        if wave_ids:
            # Every answer of each round, whatever its country: the round's figure is the workplace page's.
            sums[survey_id], _pairs = results.indicator_moments(survey, wave_ids, None)
            scales[survey_id] = value_scales(survey)
    found = []
    for workplace_id, held in trainings.items():
        workplace = held[0].workplace
        indicators = []
        for survey in sorted((s for s in surveys.values() if (workplace_id, s.id) in chosen),
                             key=lambda s: s.code):
            before, after = chosen[(workplace_id, survey.id)]
            for indicator in survey.indicators:
                scale = scales[survey.id].get(indicator.question_code)
                indicators.append(IndicatorBeforeAfter(
                    survey.code, pick_string(survey.translations, language, survey.source_language, "title"),
                    pick_string(indicator.titles, language, survey.source_language, "title"), indicator.code,
                    indicator.kind, indicator.direction,
                    round_figure(indicator, scale, sums[survey.id], before) if before else None,
                    tuple(round_figure(indicator, scale, sums[survey.id], wave, before) for wave in after)))
        if indicators:
            found.append(WorkplaceBeforeAfter(
                workplace.id, workplace.name, workplace.sector, workplace.country,
                tuple(Training(g.name, pick_string(g.course.translations, language, g.course.source_language,
                                                   "title"), g.mode, g.starts_on, g.ends_on) for g in held),
                tuple(indicators)))
    return sorted(found, key=lambda w: (w.name.casefold(), w.workplace_id))


def round_figure(indicator: SurveyIndicator, scale: results.Scale | None, sums: dict[tuple[int, int], Sums],
                 wave: SurveyWave, reference: SurveyWave | None = None) -> RoundFigure:
    """A round's figure as published, and its change from the ``reference`` round (between the two as published)."""
    own = sums.get((wave.id, indicator.id), Sums())
    change = None
    if reference is not None:
        change, _paired = results.published_change(indicator, sums.get((reference.id, indicator.id), Sums()), own,
                                                   None, scale)
    return RoundFigure(wave.opens_on, wave.closes_on, results.published_estimate(indicator, own, scale), change)


def held_trainings(report: ReportFilter) -> dict[int, list[TrainingGroup]]:
    """Workplace id -> the trainings held there in the report's filters and period, by first day, for the workplaces
    the reader may see (its scope, and the report's countries)."""
    _start, end = period_bounds(report)
    groups = db.session.scalars(
        select(TrainingGroup).where(TrainingGroup.workplace_id.is_not(None), TrainingGroup.starts_on <= report.end,
                                    TrainingGroup.ends_on >= report.start, TrainingGroup.created_at <= end,
                                    *group_filters(report))
        .order_by(TrainingGroup.starts_on, TrainingGroup.ends_on, TrainingGroup.id)
        .options(joinedload(TrainingGroup.workplace),
                 joinedload(TrainingGroup.course).selectinload(Course.translations)))
    found: dict[int, list[TrainingGroup]] = defaultdict(list)
    for group in groups:
        if sees(report, group.workplace):
            found[group.workplace.id].append(group)
    return dict(found)


def sees(report: ReportFilter, workplace: Workplace) -> bool:
    return ((report.scope is None or report.scope.holds(workplace.country, workplace.organisation_id))
            and (report.countries is None or workplace.country in report.countries))


def grouped(rounds: list[SurveyWave]) -> dict[tuple[int, int], list[SurveyWave]]:
    """(workplace id, survey id) -> its rounds."""
    found: dict[tuple[int, int], list[SurveyWave]] = defaultdict(list)
    for wave in rounds:
        found[(wave.workplace_id, wave.survey_id)].append(wave)
    return found


def split_rounds(rounds: list[SurveyWave], first: TrainingGroup) -> tuple[SurveyWave | None, list[SurveyWave]]:
    """The last round that closed before ``first`` began, and the rounds that opened after it ended, by date."""
    ended = [w for w in rounds if w.closes_on is not None and w.closes_on < first.starts_on]
    before = max(ended, key=lambda w: (w.closes_on, w.opens_on, w.id), default=None)
    after = sorted((w for w in rounds if w.opens_on is not None and w.opens_on > first.ends_on),
                   key=lambda w: (w.opens_on, w.closes_on or date.max, w.id))
    return before, after
