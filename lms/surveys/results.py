"""Outcome indicators per wave with confidence intervals, the change from baseline, and knowledge gain.

Every figure computed from fewer than ``MIN_CELL`` people is suppressed: shown as "<5", never as a value.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

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
    SurveyWave,
)
from lms.surveys import statistics
from lms.surveys.statistics import Estimate, Gain

MIN_CELL = 5
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
    """Every indicator of the survey, per wave, with n, a 95% interval and the change from baseline."""
    if not waves or not survey.indicators:
        return [IndicatorResult(indicator) for indicator in survey.indicators]
    answers = load_answers(survey, [w.id for w in waves], {i.question_code for i in survey.indicators}, countries)
    results = []
    for indicator in survey.indicators:
        result = IndicatorResult(indicator)
        for series in series_of(waves):
            values = {w.id: person_values(indicator, answers.get((w.id, indicator.question_code), [])) for w in series}
            baseline = next((w for w in series if w.kind == "baseline" and w.workplace_id is None), series[0])
            figures = []
            for wave in series:
                figure = WaveFigure(wave, estimate(indicator, values[wave.id]))
                if wave is not baseline:
                    figure.change, figure.paired = change(indicator, values[baseline.id], values[wave.id],
                                                          paired=survey.privacy != "anonymous")
                figures.append(figure)
            result.series.append(figures)
        results.append(result)
    return results


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


def load_answers(survey: Survey, wave_ids: list[int], codes: set[str], countries: list[str] | None,
                 submitted_by: date | None = None) -> dict[tuple[int, str], list[tuple[str | None, str, float | None]]]:
    """(wave, question code) -> [(person key or None, value, number)], in one query."""
    query = (select(SurveyResponse.wave_id, SurveyResponse.user_id, SurveyResponse.pseudonym, SurveyQuestion.code,
                    SurveyAnswer.value, SurveyAnswer.number)
             .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
             .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
             .where(SurveyResponse.wave_id.in_(wave_ids), SurveyQuestion.code.in_(codes)))
    if countries is not None:
        query = query.where(SurveyResponse.country.in_(countries))
    if submitted_by is not None:
        query = query.where(SurveyResponse.submitted_on <= submitted_by)
    found: dict[tuple[int, str], list] = defaultdict(list)
    for wave_id, user_id, pseudonym, code, value, number in db.session.execute(query):
        person = f"u{user_id}" if user_id is not None else pseudonym
        found[(wave_id, code)].append((person, value, number))
    return found


def person_values(indicator: SurveyIndicator, rows: list) -> list[tuple[str | None, float]]:
    """(person key, value) per respondent: 1 or 0 for a share, the number for a mean."""
    wanted = set(indicator.choice_codes)
    if indicator.kind == "share":
        return [(person, 1.0 if wanted & set(value.split()) else 0.0) for person, value, _n in rows]
    return [(person, number) for person, _value, number in rows if number is not None]


def estimate(indicator: SurveyIndicator, values: list[tuple[str | None, float]]) -> Estimate:
    numbers = [v for _p, v in values]
    if indicator.kind == "share":
        return statistics.wilson(int(sum(numbers)), len(numbers))
    return statistics.mean(numbers)


def change(indicator: SurveyIndicator, before: list[tuple[str | None, float]], after: list[tuple[str | None, float]],
           *, paired: bool) -> tuple[Estimate, bool]:
    """After minus before: paired on each person's own answers where the survey allows it."""
    if paired:
        first = {p: v for p, v in before if p is not None}
        pairs = [(first[p], v) for p, v in after if p in first]
        if len(pairs) >= 2:
            return statistics.paired_change(pairs), True
    if indicator.kind == "share":
        return statistics.share_change(int(sum(v for _p, v in before)), len(before),
                                       int(sum(v for _p, v in after)), len(after)), False
    return statistics.welch_change([v for _p, v in before], [v for _p, v in after]), False


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
