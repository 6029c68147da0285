"""Outcome indicators per wave with confidence intervals, the change from baseline, and knowledge gain.

Every figure computed from fewer than ``MIN_CELL`` people is suppressed: shown as "<5", never as a value.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import (
    Course,
    QuizAttempt,
    Survey,
    SurveyAnswer,
    SurveyIndicator,
    SurveyQuestion,
    SurveyResponse,
    SurveyVersion,
    SurveyWave,
)
from lms.surveys import statistics
from lms.surveys.statistics import Estimate, Gain, Moments

#: No figure is shown from fewer people than this (shown as "<5").
MIN_CELL = 5
#: Responses are published in batches of at least this many, from the same wave, version, country, language
#: and source (lms/surveys/pool.py): what MIN_CELL does for a figure, this does for one more answer, which
#: never moves the results alone, and for a response, which is never told apart from fewer than 4 others.
RELEASE_BATCH = 5
WAVE_ORDER = {"baseline": 0, "endline": 1, "follow_up": 2}


@dataclass
class WaveFigure:
    wave: SurveyWave
    estimate: Estimate
    #: Change from the baseline wave of the same training or workplace; None for the baseline itself.
    change: Estimate | None = None
    #: True when the change pairs each person's own answers (identified or pseudonymous surveys).
    paired: bool = False

    @property
    def suppressed(self) -> bool:
        return self.estimate.n < MIN_CELL

    @property
    def change_suppressed(self) -> bool:
        return self.change is None or self.change.n < MIN_CELL or self.suppressed


@dataclass
class IndicatorResult:
    indicator: SurveyIndicator
    #: One list of figures per training or workplace, waves in time order.
    series: list[list[WaveFigure]] = field(default_factory=list)


def wave_sort_key(wave: SurveyWave) -> tuple:
    return (wave.opens_on is not None, wave.opens_on or wave.created_at.date(), WAVE_ORDER[wave.kind],
            wave.days_after or 0, wave.id)


def series_of(waves: list[SurveyWave]) -> list[list[SurveyWave]]:
    """Waves grouped by what they are tied to (course, group, workplace), each group in time order."""
    grouped: dict[tuple, list[SurveyWave]] = defaultdict(list)
    for wave in waves:
        grouped[(wave.course_id, wave.group_id, wave.workplace_id)].append(wave)
    return [sorted(group, key=wave_sort_key) for group in grouped.values()]


def indicator_results(survey: Survey, waves: list[SurveyWave], countries: list[str] | None = None
                      ) -> list[IndicatorResult]:
    """Every indicator of the survey, per wave, with n, a 95% interval and the change from baseline.

    The database adds up the answers (counts, sums and sums of squares, per wave and per pair of waves), so the
    number of queries does not grow with the number of answers.
    """
    if not waves or not survey.indicators:
        return [IndicatorResult(indicator) for indicator in survey.indicators]
    all_series = series_of(waves)
    baseline_of = {}
    for series in all_series:
        baseline = next((w for w in series if w.kind == "baseline" and w.workplace_id is None), series[0])
        baseline_of.update({w.id: baseline.id for w in series if w is not baseline})
    paired = survey.privacy != "anonymous"
    sums, differences = indicator_moments(survey, [w.id for w in waves], countries, baseline_of if paired else None)
    results = []
    for indicator in survey.indicators:
        result = IndicatorResult(indicator)
        for series in all_series:
            figures = []
            for wave in series:
                figure = WaveFigure(wave, estimate(indicator, sums.get((wave.id, indicator.id), Moments())))
                if wave.id in baseline_of:
                    figure.change, figure.paired = change(
                        indicator, sums.get((baseline_of[wave.id], indicator.id), Moments()),
                        sums.get((wave.id, indicator.id), Moments()), differences.get((wave.id, indicator.id)))
                figures.append(figure)
            result.series.append(figures)
        results.append(result)
    return results


def question_ids(survey: Survey) -> dict[str, list[int]]:
    """Question code -> the ids of that question in every version of the survey."""
    query = (select(SurveyQuestion.code, SurveyQuestion.id).join(SurveyVersion)
             .where(SurveyVersion.survey_id == survey.id,
                    SurveyQuestion.code.in_({i.question_code for i in survey.indicators})))
    found: dict[str, list[int]] = defaultdict(list)
    for code, question_id in db.session.execute(query):
        found[code].append(question_id)
    return found


def indicator_value(indicator: SurveyIndicator, questions: dict[str, list[int]]):
    """SQL: for an answer to the indicator's question, 1 or 0 for a share, the number for a mean; else NULL."""
    if indicator.kind == "share":
        padded = sa.literal(" ") + SurveyAnswer.value + sa.literal(" ")
        counted = [padded.contains(f" {code} ", autoescape=True) for code in indicator.choice_codes]
        value = sa.case((sa.or_(*counted), 1.0), else_=0.0) if counted else sa.literal(0.0)
    else:
        value = SurveyAnswer.number
    return sa.case((SurveyAnswer.question_id.in_(questions.get(indicator.question_code, [])), value))


def moments_columns(values: list) -> list:
    return [column for value in values for column in (func.count(value), func.sum(value), func.sum(value * value))]


def moments_of(row, indicators: list[SurveyIndicator]) -> dict[int, Moments]:
    """Indicator id -> Moments, from a row of (count, sum, sum of squares) per indicator."""
    return {indicator.id: Moments(row[3 * i], float(row[3 * i + 1] or 0), float(row[3 * i + 2] or 0))
            for i, indicator in enumerate(indicators)}


def indicator_moments(survey: Survey, wave_ids: list[int], countries: list[str] | None,
                      baseline_of: dict[int, int] | None = None, submitted_by: date | None = None
                      ) -> tuple[dict[tuple[int, int], Moments], dict[tuple[int, int], Moments]]:
    """Per (wave id, indicator id): the Moments of the respondents' values and, for the waves in
    ``baseline_of`` (wave -> its baseline wave), those of each person's change from their own baseline answer.

    One query: the answers are read once, one row per response, and both sums are taken from there. A person
    is their account (identified surveys) or their pseudonym; each answers a wave at most once.
    """
    indicators = list(survey.indicators)
    questions = question_ids(survey)
    person = func.coalesce(sa.literal("u") + sa.cast(SurveyResponse.user_id, sa.String), SurveyResponse.pseudonym)
    values = [func.max(indicator_value(indicator, questions)).label(f"v{i}") for i, indicator in enumerate(indicators)]
    query = (select(SurveyResponse.wave_id, person.label("person"), *values)
             .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
             .where(SurveyResponse.wave_id.in_(wave_ids),
                    SurveyAnswer.question_id.in_([i for ids in questions.values() for i in ids])))
    if countries is not None:
        query = query.where(SurveyResponse.country.in_(countries))
    if submitted_by is not None:
        query = query.where(SurveyResponse.submitted_on <= submitted_by)
    per_response = query.group_by(SurveyResponse.id, SurveyResponse.wave_id, person).cte("per_response")
    columns = [per_response.c[f"v{i}"] for i in range(len(indicators))]
    sums = select(sa.literal("wave").label("kind"), per_response.c.wave_id,
                  *moments_columns(columns)).group_by(per_response.c.wave_id)
    if baseline_of:
        later, base = per_response.alias("later"), per_response.alias("base")
        differences = [later.c[f"v{i}"] - base.c[f"v{i}"] for i in range(len(indicators))]
        pairs = (select(sa.literal("pair").label("kind"), later.c.wave_id, *moments_columns(differences))
                 .join(base, sa.and_(base.c.person == later.c.person,
                                     base.c.wave_id == sa.case(baseline_of, value=later.c.wave_id)))
                 .where(later.c.wave_id.in_(list(baseline_of))).group_by(later.c.wave_id))
        sums = sa.union_all(sums, pairs)
    found: dict[str, dict[tuple[int, int], Moments]] = {"wave": {}, "pair": {}}
    for kind, wave_id, *row in db.session.execute(sums):
        for indicator_id, moments in moments_of(row, indicators).items():
            found[kind][(wave_id, indicator_id)] = moments
    return found["wave"], found["pair"]


def response_counts(wave_ids: list[int], countries: list[str] | None) -> dict[int, int]:
    """Responses per wave (to be shown as "<5" when under ``MIN_CELL``)."""
    query = (select(SurveyResponse.wave_id, func.count()).where(SurveyResponse.wave_id.in_(wave_ids))
             .group_by(SurveyResponse.wave_id))
    if countries is not None:
        query = query.where(SurveyResponse.country.in_(countries))
    return dict(db.session.execute(query).all())


def response_countries(wave_ids: list[int], countries: list[str] | None) -> list[str]:
    """The countries the responses of these waves count for (within ``countries``, if given)."""
    query = select(SurveyResponse.country).where(SurveyResponse.wave_id.in_(wave_ids),
                                                 SurveyResponse.country.is_not(None)).distinct()
    found = sorted(db.session.scalars(query))
    return [c for c in found if countries is None or c in countries]


def estimate(indicator: SurveyIndicator, moments: Moments) -> Estimate:
    if indicator.kind == "share":
        return statistics.wilson(round(moments.total), moments.n)
    return statistics.mean(moments)


def change(indicator: SurveyIndicator, before: Moments, after: Moments, differences: Moments | None
           ) -> tuple[Estimate, bool]:
    """After minus before: paired on each person's own answers where there are such pairs (two at least)."""
    if differences is not None and differences.n >= 2:
        return statistics.paired_change(differences), True
    if indicator.kind == "share":
        return statistics.share_change(round(before.total), before.n, round(after.total), after.n), False
    return statistics.welch_change(before, after), False


def knowledge_gain(course: Course, user_ids: list[int] | None = None) -> tuple[Gain, dict[int, Gain]]:
    """Paired quiz scores before and after the lessons: for the course, and per module (by module id).

    "Before" is a member's first attempt made before any lesson of the module was done; "after" is
    their latest attempt made after the lessons.
    """
    before, after = module_scores(course, user_ids)
    per_module = {m.id: statistics.knowledge_gain([(before[k], after[k]) for k in after if k[1] == m.id])
                  for m in course.modules if m.has_quiz}
    return statistics.knowledge_gain(person_pairs(before, after)), per_module


def knowledge_pairs(course: Course, user_ids: list[int] | None = None,
                    after_between: tuple[datetime, datetime] | None = None) -> list[tuple[float, float]]:
    """Each member's (mean score before, mean score after) over the modules they took both ways."""
    before, after = module_scores(course, user_ids, after_between)
    return person_pairs(before, after)


def module_scores(course: Course, user_ids: list[int] | None = None,
                  after_between: tuple[datetime, datetime] | None = None
                  ) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], float]]:
    """(member, module) -> first score before the lessons, and -> latest score after them."""
    modules = [m for m in course.modules if m.has_quiz]
    query = (select(QuizAttempt.user_id, QuizAttempt.module_id, QuizAttempt.score, QuizAttempt.before_lessons,
                    QuizAttempt.submitted_at)
             .where(QuizAttempt.module_id.in_([m.id for m in modules]))
             .order_by(QuizAttempt.submitted_at, QuizAttempt.id))
    if user_ids is not None:
        query = query.where(QuizAttempt.user_id.in_(user_ids))
    before: dict[tuple[int, int], float] = {}
    after: dict[tuple[int, int], float] = {}
    for user_id, module_id, score, is_before, submitted_at in db.session.execute(query):
        key = (user_id, module_id)
        if is_before:
            before.setdefault(key, score)
        elif key in before and (after_between is None or in_window(submitted_at, after_between)):
            after[key] = score
    return before, after


def in_window(moment: datetime, window: tuple[datetime, datetime]) -> bool:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return window[0] <= aware <= window[1]


def person_pairs(before: dict, after: dict) -> list[tuple[float, float]]:
    per_person: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for key, score in after.items():
        per_person[key[0]].append((before[key], score))
    return [(sum(b for b, _a in scores) / len(scores), sum(a for _b, a in scores) / len(scores))
            for scores in per_person.values()]
