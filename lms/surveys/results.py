"""Outcome indicators per wave with confidence intervals, the change from baseline, and knowledge gain.

The database adds up exact sums together with the cell keys of the records behind them (lms/disclosure.py).
From them, ``indicator_estimates`` and ``GainSums.exact`` compute the exact statistics, for checking against
scipy and never shown; ``indicator_results`` and ``GainSums.published`` are what pages, downloads and the
IATI file show: counts rounded at random to a multiple of 5, shares from those counts, means moved by noise
drawn from the cell key, each shown only from ``MIN_SHOWN`` people on.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import select

from lms import clock, disclosure
from lms.disclosure import MIN_SHOWN, Count
from lms.extensions import db
from lms.models import (
    Course,
    QuizAttempt,
    Survey,
    SurveyIndicator,
    SurveyResponse,
    SurveyWave,
    User,
)
from lms.surveys import answer_counts, indicator_sums, statistics
from lms.surveys.indicator_sums import Scale, Sums, baselines, series_of
from lms.surveys.scales import value_scales
from lms.surveys.statistics import Estimate, Gain, Moments

#: Responses are published in batches of at least this many, from the same wave, version, country, language
#: and source (lms/surveys/pool.py): one more answer never moves the results alone, and a response is never
#: told apart from fewer than 4 others.
RELEASE_BATCH = 5
#: The range of a quiz score, in percent.
SCORES = (0.0, 100.0)


@dataclass
class WaveFigure:
    wave: SurveyWave
    estimate: Estimate
    #: Change from the baseline wave of the same training or workplace; None for the baseline itself.
    change: Estimate | None = None
    #: True when the change pairs each person's own answers (identified or pseudonymous surveys).
    paired: bool = False

    @property
    def shown(self) -> bool:
        return self.estimate.value is not None

    @property
    def change_shown(self) -> bool:
        return self.shown and self.change is not None and self.change.value is not None


@dataclass
class IndicatorResult:
    indicator: SurveyIndicator
    #: One list of figures per training or workplace, waves in time order.
    series: list[list[WaveFigure]] = field(default_factory=list)


def indicator_results(survey: Survey, waves: list[SurveyWave], countries: list[str] | None = None,
                      scales: dict[str, Scale] | None = None) -> list[IndicatorResult]:
    """Every indicator of the survey, per wave, with n, a 95% interval and the change from baseline, as published.

    The database adds up the answers (counts, sums and sums of squares with their cell keys, per wave and per
    pair of waves), so the number of queries does not grow with the number of answers. ``scales``: its
    ``value_scales``, if the caller has read them.
    """
    scales = value_scales(survey) if scales is None else scales

    def wave_figure(indicator: SurveyIndicator, sums: Sums) -> Estimate:
        return published_estimate(indicator, sums, scales.get(indicator.question_code))

    def change_figure(indicator: SurveyIndicator, before: Sums, after: Sums, pairs: Sums | None):
        return published_change(indicator, before, after, pairs, scales.get(indicator.question_code))

    return figures_of(survey, waves, countries, wave_figure, change_figure)


def indicator_estimates(survey: Survey, waves: list[SurveyWave], countries: list[str] | None = None
                        ) -> list[IndicatorResult]:
    """The same figures, exact: for tests and checks only, never shown (see ``indicator_results``)."""
    return figures_of(survey, waves, countries, lambda indicator, sums: estimate(indicator, sums.moments),
                      lambda indicator, before, after, pairs: change(
                          indicator, before.moments, after.moments, pairs.moments if pairs else None))


def figures_of(survey: Survey, waves: list[SurveyWave], countries: list[str] | None,
               wave_figure: Callable[[SurveyIndicator, Sums], Estimate],
               change_figure: Callable[[SurveyIndicator, Sums, Sums, Sums | None], tuple[Estimate, bool]]
               ) -> list[IndicatorResult]:
    if not waves or not survey.indicators:
        return [IndicatorResult(indicator) for indicator in survey.indicators]
    all_series = series_of(waves)
    baseline_of = baselines(waves)
    paired = survey.privacy != "anonymous"
    sums, differences = indicator_moments(survey, [w.id for w in waves], countries, baseline_of if paired else None)
    results = []
    for indicator in survey.indicators:
        result = IndicatorResult(indicator)
        for series in all_series:
            figures = []
            for wave in series:
                figure = WaveFigure(wave, wave_figure(indicator, sums.get((wave.id, indicator.id), Sums())))
                if wave.id in baseline_of:
                    figure.change, figure.paired = change_figure(
                        indicator, sums.get((baseline_of[wave.id], indicator.id), Sums()),
                        sums.get((wave.id, indicator.id), Sums()), differences.get((wave.id, indicator.id)))
                figures.append(figure)
            result.series.append(figures)
        results.append(result)
    return results


def scale_of(indicator: SurveyIndicator, scale: Scale | None) -> Scale | None:
    return Scale(0.0, 1.0) if indicator.kind == "share" else scale


def mean_shift(indicator: SurveyIndicator, sums: Sums, scale: Scale) -> float:
    """The noise on a wave's sum of answers divided by its n: what moves the published mean from the exact one."""
    n = sums.moments.n
    return disclosure.noise(sums.key, n, scale.width, f"mean:{indicator.question_code}") / n if n else 0.0


def noisy_squares(moments: Moments, key: int, bounds: tuple[float, float], purpose: str) -> Moments:
    """The moments with noise on their sum of squares, uniform over as wide a range as one value's square can
    take, drawn from the cell key. The interval drawn from them then tells no more of one person's answer than
    the moved mean does: an exact interval moved with the mean kept the exact spread, and with every other
    answer known (accounts a trainer made) gave the last one (tester C)."""
    low, high = bounds
    top = max(low * low, high * high)
    bottom = 0.0 if low <= 0 <= high else min(low * low, high * high)
    if not moments.n:
        return moments
    return replace(moments, squares=max(0.0, moments.squares + disclosure.noise(key, moments.n, top - bottom,
                                                                                 purpose)))


def wave_moments(indicator: SurveyIndicator, sums: Sums, scale: Scale) -> Moments:
    """A wave's moments as every published figure reads them: the sum of squares moved (``noisy_squares``)."""
    return noisy_squares(sums.moments, sums.key, (scale.low, scale.high), f"squares:{indicator.question_code}")


def published_estimate(indicator: SurveyIndicator, sums: Sums, scale: Scale | None) -> Estimate:
    """A wave's figure as published: n rounded; a share from rounded counts, or a mean moved by noise."""
    n = sums.people.published
    if n < MIN_SHOWN:
        return Estimate(n, None, None, None)
    if indicator.kind == "share":
        return statistics.wilson(min(sums.counted.published, n), n)
    if scale is None:
        return Estimate(n, None, None, None)
    return disclosure.moved(statistics.mean(wave_moments(indicator, sums, scale)), n,
                            mean_shift(indicator, sums, scale), 1, (scale.low, scale.high),
                            disclosure.uniform_variance(scale.width / sums.moments.n))


def published_change(indicator: SurveyIndicator, before: Sums, after: Sums, pairs: Sums | None,
                     scale: Scale | None) -> tuple[Estimate, bool]:
    """The change from baseline as published: paired where at least MIN_SHOWN pairs are published, else between
    the two waves as published (Newcombe's interval from their rounded counts, or Welch's moved with the means).

    A paired change adds its own noise to the sum of the differences, as wide as a difference can range.
    """
    scale = scale_of(indicator, scale)
    share = indicator.kind == "share"
    if pairs is not None and pairs.people.published >= MIN_SHOWN and scale is not None:
        n = pairs.moments.n
        shift = disclosure.noise(pairs.key, n, 2 * scale.width, f"change:{indicator.question_code}") / n
        differences = noisy_squares(pairs.moments, pairs.key, (-scale.width, scale.width),
                                    f"change-squares:{indicator.question_code}")
        return disclosure.moved(statistics.paired_change(differences), pairs.people.published, shift,
                                2 if share else 1, (-scale.width, scale.width),
                                disclosure.uniform_variance(2 * scale.width / n)), True
    first, second = before.people.published, after.people.published
    if first < MIN_SHOWN or second < MIN_SHOWN or scale is None:
        return Estimate(first + second, None, None, None), False
    if share:
        changed = statistics.share_change(min(before.counted.published, first), first,
                                          min(after.counted.published, second), second)
        return replace(changed, value=round(changed.value, 2), low=round(changed.low, 2),
                       high=round(changed.high, 2)), False
    shift = mean_shift(indicator, after, scale) - mean_shift(indicator, before, scale)
    return disclosure.moved(statistics.welch_change(wave_moments(indicator, before, scale),
                                                    wave_moments(indicator, after, scale)),
                            first + second, shift, 1, (-scale.width, scale.width),
                            disclosure.uniform_variance(scale.width / before.moments.n,
                                                        scale.width / after.moments.n)), False


def indicator_moments(survey: Survey, wave_ids: list[int], countries: list[str] | None,
                      baseline_of: dict[int, int] | None = None, submitted_by: date | None = None,
                      submitted_from: date | None = None, conditions: tuple = ()
                      ) -> tuple[dict[tuple[int, int], Sums], dict[tuple[int, int], Sums]]:
    """Per (wave id, indicator id): the Sums of the respondents' values and, for the waves in ``baseline_of``
    (wave -> its baseline wave), those of each person's change from their own baseline answer. Only the responses
    submitted in the days given count, and those that meet ``conditions`` (SQL on survey_responses).

    From the sums the scheduler keeps per wave and country where they are current and no day limits the answers,
    else from the answers (lms/surveys/indicator_sums.py): the same sums either way.
    """
    if submitted_by is not None:
        conditions += (SurveyResponse.submitted_on <= submitted_by,)
    if submitted_from is not None:
        conditions += (SurveyResponse.submitted_on >= submitted_from,)
    cells = None if conditions else indicator_sums.kept_sums(survey, wave_ids, countries, baseline_of)
    if cells is None:
        cells = indicator_sums.answer_sums(survey, wave_ids, countries, baseline_of, conditions)
    found: dict[str, dict[tuple[int, int], Sums]] = {"wave": {}, "pair": {}}
    for (kind, wave_id, _base, _country, _base_country), by_indicator in cells.items():
        for indicator_id, figure in by_indicator.items():
            found[kind][(wave_id, indicator_id)] = figure
    return found["wave"], found["pair"]


def yearly_indicator_moments(survey: Survey, wave_ids: list[int], baseline_ids: list[int], year: int
                             ) -> dict[tuple[int, int], Sums]:
    """Per (wave id, indicator id): the Sums of the values of every country's responses to the waves in
    ``baseline_ids`` submitted by the end of ``year`` and to the other waves submitted in it (the donor's yearly
    file): from the sums the scheduler keeps per wave and year where they are current, else from the answers."""
    cells = indicator_sums.kept_yearly_sums(survey, wave_ids, baseline_ids, year)
    if cells is None:
        cells = indicator_sums.answer_sums(survey, wave_ids, None, conditions=(
            SurveyResponse.submitted_on <= date(year, 12, 31),
            sa.or_(SurveyResponse.wave_id.in_(baseline_ids), SurveyResponse.submitted_on >= date(year, 1, 1))))
    return {(wave_id, indicator_id): figure for (_kind, wave_id, *_rest), by_indicator in cells.items()
            for indicator_id, figure in by_indicator.items()}


def response_counts(wave_ids: list[int], countries: list[str] | None, kept: bool | None = None) -> dict[int, int]:
    """Responses per wave, as published (``kept`` as for ``answer_counts.answer_counts``)."""
    return {wave_id: count.published
            for wave_id, count in answer_counts.response_counts(wave_ids, countries, kept=kept).items()}


def response_countries(wave_ids: list[int], countries: list[str] | None) -> list[str]:
    """The countries the responses of these waves count for (within ``countries``, if given), as published:
    a country whose responses round to 0 is not offered, so a list never tells a few answers from none."""
    found = sorted(country for country, count in answer_counts.response_counts(wave_ids, None, by_country=True).items()
                   if country is not None and count.published)
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


@dataclass(frozen=True)
class GainSums:
    """What a knowledge gain is made of: the people paired (with their cell key), the sums of each person's mean
    score before and after, and the Moments of their change.

    The noise is drawn from the people's cell key only, never from the quiz attempts': the same people give
    the same noise, so a member who retakes a quiz again and again averages nothing away.
    """

    people: Count = field(default_factory=Count)
    before: float = 0.0
    after: float = 0.0
    differences: Moments = field(default_factory=Moments)

    @property
    def exact(self) -> Gain:
        """For tests and checks only, never shown."""
        n = self.people.n
        if not n:
            return statistics.knowledge_gain([])
        return statistics.gain_of(self.before / n, self.after / n, self.differences)

    @property
    def published(self) -> Gain:
        """n rounded; mean scores before and after moved by noise (up to 100 points on each sum) and rounded
        to whole points; the gain is after minus before, its interval moved with it."""
        n, exact_n = self.people.published, self.people.n
        if n < MIN_SHOWN or not exact_n:
            return Gain(n, None, None, Estimate(n, None, None, None), None)
        width = SCORES[1] - SCORES[0]
        noise_before = disclosure.noise(self.people.key, exact_n, width, "gain:before")
        noise_after = disclosure.noise(self.people.key, exact_n, width, "gain:after")
        before = disclosure.rounded(disclosure.clamp((self.before + noise_before) / exact_n, SCORES), 0)
        after = disclosure.rounded(disclosure.clamp((self.after + noise_after) / exact_n, SCORES), 0)
        differences = noisy_squares(self.differences, self.people.key, (-width, width), "gain:squares")
        change = disclosure.moved(statistics.paired_change(differences), n,
                                  (noise_after - noise_before) / exact_n, 0, (-width, width),
                                  disclosure.uniform_variance(width / exact_n, width / exact_n))
        normalised = None if before == 100 else (after - before) / (100 - before)
        return Gain(n, before, after, replace(change, value=after - before), normalised)


def knowledge_gain(course: Course, user_ids: list[int] | None = None) -> tuple[Gain, dict[int, Gain]]:
    """Paired quiz scores before and after the lessons: for the course, and per module (by module id), exact.

    "Before" is a member's first attempt made before any lesson of the module was done; "after" is
    their latest attempt made after the lessons. Pages show ``gain_sums(...).published``.
    """
    before, after, _keys = module_scores(course, user_ids)
    per_module = {m.id: statistics.knowledge_gain([(before[k], after[k]) for k in after if k[1] == m.id])
                  for m in course.modules if m.has_quiz}
    return statistics.knowledge_gain(person_pairs(before, after)), per_module


def gain_sums(course: Course, user_ids: list[int] | None = None) -> GainSums:
    """The course's knowledge gain (of these members), with the people's cell key its publication needs."""
    before, after, person_keys = module_scores(course, user_ids)
    pairs = person_pairs(before, after)
    people = sum((Count(1, person_keys[user_id]) for user_id in {key[0] for key in after}), Count())
    return GainSums(people, sum(b for b, _a in pairs), sum(a for _b, a in pairs),
                    Moments.of([a - b for b, a in pairs]))


def knowledge_pairs(course: Course, user_ids: list[int] | None = None,
                    after_between: tuple[datetime, datetime] | None = None) -> list[tuple[float, float]]:
    """Each member's (mean score before, mean score after) over the modules they took both ways."""
    before, after, _keys = module_scores(course, user_ids, after_between)
    return person_pairs(before, after)


def module_scores(course: Course, user_ids: list[int] | None = None,
                  after_between: tuple[datetime, datetime] | None = None
                  ) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], float], dict[int, int]]:
    """(member, module) -> first score before the lessons, and -> latest score after them; member -> their record
    key."""
    modules = [m for m in course.modules if m.has_quiz]
    query = (select(QuizAttempt.user_id, QuizAttempt.module_id, QuizAttempt.score, QuizAttempt.before_lessons,
                    QuizAttempt.submitted_at, User.record_key)
             .join(User, User.id == QuizAttempt.user_id)
             .where(QuizAttempt.module_id.in_([m.id for m in modules]))
             .order_by(QuizAttempt.submitted_at, QuizAttempt.id))
    if user_ids is not None:
        query = query.where(QuizAttempt.user_id.in_(user_ids))
    before: dict[tuple[int, int], float] = {}
    after: dict[tuple[int, int], float] = {}
    people: dict[int, int] = {}
    for user_id, module_id, score, is_before, submitted_at, person_key in db.session.execute(query):
        key = (user_id, module_id)
        people[user_id] = person_key
        if is_before:
            before.setdefault(key, score)
        elif key in before and (after_between is None or in_window(submitted_at, after_between)):
            after[key] = score
    return before, after, people


def in_window(moment: datetime, window: tuple[datetime, datetime]) -> bool:
    return window[0] <= clock.as_utc(moment) <= window[1]


def person_pairs(before: dict, after: dict) -> list[tuple[float, float]]:
    per_person: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for key, score in after.items():
        per_person[key[0]].append((before[key], score))
    return [(sum(b for b, _a in scores) / len(scores), sum(a for _b, a in scores) / len(scores))
            for scores in per_person.values()]
