"""The sums behind the outcome indicators: per wave, the count, sum and sum of squares of the respondents' values
with their cell keys, and per later wave, those of each person's change from their own baseline answer.

Two ways to the same sums:
- from the answers (``answer_sums``): grouped queries that read every answer to the indicators' questions;
- kept per wave and country (``kept_sums``, table survey_indicator_sums): the scheduler adds each wave up again
  (lms/surveys/kept_figures.py) after whatever changed its answers or its survey's indicators, which deletes the wave's
  ``SummedWave`` row in its own transaction (``stale``). A report reads the kept sums where every wave it asks
  for is summed, and no day limits the answers; else the answers. The donor's yearly file (lms/reports/iati.py)
  reads its own rows, kept per wave and year of submission, pooled over countries (``kept_yearly_sums``).

Kept sums are never finer than a figure the results publish per wave and country, or the donor's file per year: no
response, day or order.
A pair's sums are kept per country of its two responses, since a report counts a pair where both are in its
countries. Float sums of whole numbers (shares, scales, whole-number answers) are the same either way; sums of
other numbers may differ in their last bits, far below any published decimal.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import func, select

from lms.disclosure import Count
from lms.extensions import db
from lms.models import (
    IndicatorSum,
    SummedWave,
    Survey,
    SurveyAnswer,
    SurveyIndicator,
    SurveyQuestion,
    SurveyResponse,
    SurveyVersion,
    SurveyWave,
)
from lms.models.record_keys import KEY_SPACE
from lms.surveys.building import INDICATOR_QUESTION_KINDS
from lms.surveys.statistics import Moments

#: The two parts of ``kept_sums``'s statement: a wave that is summed, a kept row.
SUMMED, SUMS = 0, 1
WAVE_ORDER = {"baseline": 0, "endline": 1, "follow_up": 2}


@dataclass(frozen=True)
class Sums:
    """One figure's sums from the database: the Moments of the values, the cell key of the responses (or pairs
    of responses) that gave a value, and for a share the cell key of those counted in it (value 1)."""

    moments: Moments = field(default_factory=Moments)
    key: int = 0
    counted_key: int = 0

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.moments + other.moments, (self.key + other.key) % KEY_SPACE,
                    (self.counted_key + other.counted_key) % KEY_SPACE)

    @property
    def people(self) -> Count:
        return Count(self.moments.n, self.key)

    @property
    def counted(self) -> Count:
        return Count(round(self.moments.total), self.counted_key)


@dataclass(frozen=True)
class Scale:
    """The values one person's answer to an indicator can take; its width is the most they move a sum."""

    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def wave_sort_key(wave: SurveyWave) -> tuple:
    return (wave.opens_on is not None, wave.opens_on or wave.created_at.date(), WAVE_ORDER[wave.kind],
            wave.days_after or 0, wave.id)


def series_of(waves: list[SurveyWave]) -> list[list[SurveyWave]]:
    """Waves grouped by what they are tied to (course, group, workplace), each group in time order."""
    grouped: dict[tuple, list[SurveyWave]] = defaultdict(list)
    for wave in waves:
        grouped[(wave.course_id, wave.group_id, wave.workplace_id)].append(wave)
    return [sorted(group, key=wave_sort_key) for group in grouped.values()]


def baselines(waves: list[SurveyWave]) -> dict[int, int]:
    """Wave id -> the id of the wave its change is measured from: its series' baseline (its first wave without
    one), for every wave of ``waves`` but those baselines."""
    baseline_of = {}
    for series in series_of(waves):
        baseline = next((w for w in series if w.kind == "baseline" and w.workplace_id is None), series[0])
        baseline_of.update({w.id: baseline.id for w in series if w is not baseline})
    return baseline_of


def question_ids(survey: Survey) -> dict[tuple[str, str], list[int]]:
    """(question code, indicator kind) -> the ids of the questions with that code, in every version of the
    survey, whose kind that indicator may read (``INDICATOR_QUESTION_KINDS``): never a free-text question."""
    query = (select(SurveyQuestion.code, SurveyQuestion.kind, SurveyQuestion.id).join(SurveyVersion)
             .where(SurveyVersion.survey_id == survey.id,
                    SurveyQuestion.code.in_({i.question_code for i in survey.indicators})))
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    for code, kind, question_id in db.session.execute(query):
        for indicator_kind, readable in INDICATOR_QUESTION_KINDS.items():
            if kind in readable:
                found[(code, indicator_kind)].append(question_id)
    return found


def indicator_value(indicator: SurveyIndicator, questions: dict[tuple[str, str], list[int]]):
    """SQL: for an answer to the indicator's question, 1 or 0 for a share, the number for a mean; else NULL."""
    if indicator.kind == "share":
        padded = sa.literal(" ") + SurveyAnswer.value + sa.literal(" ")
        counted = [padded.contains(f" {code} ", autoescape=True) for code in indicator.choice_codes]
        value = sa.case((sa.or_(*counted), 1.0), else_=0.0) if counted else sa.literal(0.0)
    else:
        value = SurveyAnswer.number
    return sa.case((SurveyAnswer.question_id.in_(questions.get((indicator.question_code, indicator.kind), [])),
                    value))


def sums_columns(values: list, keys: list) -> list:
    """Per value: its count, sum and sum of squares, the cell key of the records that have one, and the cell
    key of those whose value is 1 (counted in a share)."""
    return [column for value, key in zip(values, keys, strict=True) for column in (
        func.count(value), func.sum(value), func.sum(value * value),
        func.sum(sa.case((value.is_not(None), key), else_=0)), func.sum(sa.case((value == 1, key), else_=0)))]


def sums_of(row, indicators: list[SurveyIndicator]) -> dict[int, Sums]:
    """Indicator id -> Sums, from a row of ``sums_columns``."""
    found = {}
    for i, indicator in enumerate(indicators):
        n, total, squares, key, counted_key = row[5 * i:5 * i + 5]
        found[indicator.id] = Sums(Moments(n, float(total or 0), float(squares or 0)),
                                   Count.of(n, key).key, Count.of(n, counted_key).key)
    return found


#: (kind: "wave" or "pair", wave id, baseline wave id of a pair, country, baseline country) -> indicator id -> Sums.
#: Countries are None unless asked for per country.
Cells = dict[tuple[str, int, int | None, str | None, str | None], dict[int, Sums]]


def year_of(day):
    """The year of a date column, as an integer, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(func.extract("year", day), sa.Integer)
    return sa.cast(func.strftime("%Y", day), sa.Integer)


def answer_sums(survey: Survey, wave_ids: list[int], countries: list[str] | None,
                baseline_of: dict[int, int] | None = None, conditions: tuple = (), by_country: bool = False,
                by_year: bool = False) -> Cells:
    """The sums read from the answers: per wave, and per wave of ``baseline_of`` (wave -> its baseline wave) those
    of each person's change from their own baseline answer; per country of the responses with ``by_country``; per
    year they were submitted in with ``by_year`` (cells ("year", wave, year, None, None), no pairs).
    ``conditions``: on the responses that count (the days they were submitted).

    A wave's sums take one pass over the answers, one value per answer: a response answers at most one of an
    indicator's questions (one question per code and version). Pairs add the answers up per response first. A
    person is their account (identified surveys) or their pseudonym; each answers a wave at most once. A
    response's key is its record key; a pair's, the sum of its two responses' keys.
    """
    indicators = list(survey.indicators)
    questions = question_ids(survey)
    asked = [i for ids in questions.values() for i in ids]

    def scoped(query, waves):
        query = query.join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id).where(
            SurveyResponse.wave_id.in_(waves), SurveyAnswer.question_id.in_(asked))
        if countries is not None:
            query = query.where(SurveyResponse.country.in_(countries))
        return query.where(*conditions)

    place = [SurveyResponse.country] if by_country else []
    values = [indicator_value(indicator, questions) for indicator in indicators]
    found: Cells = {}
    if by_year:
        year = year_of(SurveyResponse.submitted_on).label("year")
        per_year = scoped(select(SurveyResponse.wave_id, year,
                                 *sums_columns(values, [SurveyResponse.record_key] * len(values))), wave_ids)
        for wave_id, submitted, *row in db.session.execute(per_year.group_by(SurveyResponse.wave_id, year)):
            found[("year", wave_id, submitted, None, None)] = sums_of(row, indicators)
        return found
    per_wave = scoped(select(SurveyResponse.wave_id, *place,
                             *sums_columns(values, [SurveyResponse.record_key] * len(values))), wave_ids)
    for wave_id, *row in db.session.execute(per_wave.group_by(SurveyResponse.wave_id, *place)):
        country = row.pop(0) if by_country else None
        found[("wave", wave_id, None, country, None)] = sums_of(row, indicators)
    if not baseline_of:
        return found
    paired = set(wave_ids) & (set(baseline_of) | set(baseline_of.values()))
    person = func.coalesce(sa.literal("u") + sa.cast(SurveyResponse.user_id, sa.String), SurveyResponse.pseudonym)
    per_response = scoped(select(SurveyResponse.wave_id, person.label("person"), SurveyResponse.record_key,
                                 SurveyResponse.country,
                                 *[func.max(v).label(f"v{i}") for i, v in enumerate(values)]), paired).group_by(
        SurveyResponse.id, SurveyResponse.wave_id, person, SurveyResponse.record_key, SurveyResponse.country
    ).cte("per_response")
    later, base = per_response.alias("later"), per_response.alias("base")
    differences = [later.c[f"v{i}"] - base.c[f"v{i}"] for i in range(len(indicators))]
    pair_key = sa.cast(later.c.record_key, sa.BigInteger) + base.c.record_key  # past 2^31 on PostgreSQL
    countries_of = [later.c.country, base.c.country] if by_country else []
    pairs = (select(later.c.wave_id, base.c.wave_id, *countries_of,
                    *sums_columns(differences, [pair_key] * len(differences)))
             .join(base, sa.and_(base.c.person == later.c.person,
                                 base.c.wave_id == sa.case(baseline_of, value=later.c.wave_id)))
             .where(later.c.wave_id.in_(list(baseline_of)))
             .group_by(later.c.wave_id, base.c.wave_id, *countries_of))
    for wave_id, base_wave_id, *row in db.session.execute(pairs):
        country, base_country = (row.pop(0), row.pop(0)) if by_country else (None, None)
        found[("pair", wave_id, base_wave_id, country, base_country)] = sums_of(row, indicators)
    return found


def kept_sums(survey: Survey, wave_ids: list[int], countries: list[str] | None,
              baseline_of: dict[int, int] | None = None) -> Cells | None:
    """The same sums as ``answer_sums`` (countries None), from the kept sums; None unless every wave is summed
    with the pairs asked for. One statement: the waves' ``SummedWave`` rows, then the kept rows."""
    row = IndicatorSum
    query = select(sa.literal(SUMS), row.wave_id, row.base_wave_id, row.indicator_id, row.n, row.total, row.squares,
                   row.key_sum, row.counted_key_sum).where(row.wave_id.in_(wave_ids),
                                                          row.indicator_id.in_([i.id for i in survey.indicators]))
    query = query.where(row.year.is_(None))
    if not baseline_of:
        query = query.where(row.base_wave_id.is_(None))
    if countries is not None:
        query = query.where(row.country.in_(countries), sa.or_(row.base_wave_id.is_(None),
                                                               row.base_country.in_(countries)))
    nothing = [sa.cast(sa.null(), kind) for kind in (sa.Integer, sa.Integer, sa.Float, sa.Float, sa.BigInteger,
                                                      sa.BigInteger)]
    marks = select(sa.literal(SUMMED), SummedWave.wave_id, SummedWave.base_wave_id, *nothing).where(
        SummedWave.wave_id.in_(wave_ids))
    summed: dict[int, int | None] = {}
    kept = []
    for part, wave_id, base_wave_id, *sums in db.session.execute(sa.union_all(marks, query)):
        if part == SUMMED:
            summed[wave_id] = base_wave_id
        else:
            kept.append((wave_id, base_wave_id, *sums))
    pairs = (baseline_of or {}).items()
    if len(summed) < len(set(wave_ids)) or any(summed.get(w) != b or b not in summed for w, b in pairs):
        return None
    found: Cells = defaultdict(dict)
    for wave_id, base_wave_id, indicator_id, *sums in kept:
        cell = ("wave", wave_id, None, None, None) if base_wave_id is None else ("pair", wave_id, base_wave_id, None,
                                                                                 None)
        add_kept(found, cell, indicator_id, *sums)
    return dict(found)


def add_kept(found: Cells, cell: tuple, indicator_id: int, n: int, total: float, squares: float, key: int,
             counted_key: int) -> None:
    """Add one kept row's sums to the indicator's figure in ``cell``."""
    sums = Sums(Moments(n, total, squares), key % KEY_SPACE, counted_key % KEY_SPACE)
    found[cell][indicator_id] = found[cell].get(indicator_id, Sums()) + sums


def kept_yearly_sums(survey: Survey, wave_ids: list[int], baseline_ids: list[int], year: int) -> Cells | None:
    """The sums of the donor's yearly file from the kept sums: per wave, its responses submitted by the end of
    ``year`` for the waves in ``baseline_ids``, and those submitted in ``year`` for the others, all countries (cells
    as ``answer_sums`` gives them); None unless every wave is summed."""
    summed = db.session.scalars(select(SummedWave.wave_id).where(SummedWave.wave_id.in_(wave_ids))).all()
    if len(summed) < len(set(wave_ids)):
        return None
    row = IndicatorSum
    query = select(row.wave_id, row.indicator_id, row.n, row.total, row.squares, row.key_sum,
                   row.counted_key_sum).where(
        row.wave_id.in_(wave_ids), row.indicator_id.in_([i.id for i in survey.indicators]),
        sa.or_(sa.and_(row.wave_id.in_(baseline_ids), row.year <= year),
               sa.and_(row.wave_id.not_in(baseline_ids), row.year == year)))
    found: Cells = defaultdict(dict)
    for wave_id, indicator_id, *sums in db.session.execute(query):
        add_kept(found, ("wave", wave_id, None, None, None), indicator_id, *sums)
    return dict(found)


def stale(wave_ids) -> None:
    """The kept figures of these waves' surveys no longer hold: pages read the answers until they are added up
    again (lms/surveys/kept_figures.py). Call in the transaction that changes the answers, indicators or published
    versions; flushes.

    The waves are locked first (on PostgreSQL): ``kept_figures.add_up`` locks them too, so whichever comes second
    sees what the other committed, and no figure is ever marked current over answers it did not read."""
    surveys = select(SurveyWave.survey_id).where(SurveyWave.id.in_(list(wave_ids))).scalar_subquery()
    locked = list(db.session.scalars(select(SurveyWave.id).where(SurveyWave.survey_id.in_(surveys))
                                     .order_by(SurveyWave.id).with_for_update()))
    if locked:
        db.session.execute(sa.delete(SummedWave).where(SummedWave.wave_id.in_(locked))
                           .execution_options(synchronize_session=False))
    db.session.flush()


def survey_stale(survey: Survey) -> None:
    """``stale`` for every wave of the survey (its indicators changed)."""
    stale(db.session.scalars(select(SurveyWave.id).where(SurveyWave.survey_id == survey.id)).all())


def add_up(survey: Survey, waves: list[SurveyWave]) -> dict[int, int]:
    """Write the kept sums of these waves (whose old rows are gone), per wave, country and indicator, per pair of
    their series' waves (identified and pseudonymous surveys), and per wave, year and indicator (all countries, for
    the donor's file); wave id -> the baseline it is paired with."""
    baseline_of = baselines(waves) if survey.privacy != "anonymous" else {}
    ids = [w.id for w in waves]
    cells = {**answer_sums(survey, ids, None, baseline_of, by_country=True), **answer_sums(survey, ids, None,
                                                                                            by_year=True)}
    rows = [{"wave_id": wave_id, "indicator_id": indicator_id, "base_wave_id": other if kind == "pair" else None,
             "year": other if kind == "year" else None, "country": country, "base_country": base_country,
             "n": sums.moments.n, "total": sums.moments.total, "squares": sums.moments.squares, "key_sum": sums.key,
             "counted_key_sum": sums.counted_key}
            for (kind, wave_id, other, country, base_country), by_indicator in cells.items()
            for indicator_id, sums in by_indicator.items() if sums.moments.n]
    if rows:
        db.session.execute(sa.insert(IndicatorSum), rows)
    return baseline_of
