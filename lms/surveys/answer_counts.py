"""The counts behind a survey's results per question (lms/surveys/distributions.py) and its responses per wave:
read from the answers, or kept per wave and country (table survey_answer_counts) by the scheduler with the
indicator sums (lms/surveys/kept_figures.py), and read from there where every wave asked for is summed.

A kept row counts, in one wave and country, the responses (no question), those that answered a question, those
whose answer holds one of its choices (a multiple choice's choices one by one, never their combinations), or
the numbers in one bin of a number question (with their sum and sum of squares): each a count the results
publish per wave and country, and nothing finer.
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy import func, select

from lms.disclosure import Count
from lms.extensions import db
from lms.models import AnswerCount, SummedWave, SurveyAnswer, SurveyQuestion, SurveyResponse
from lms.models.record_keys import KEY_SPACE
from lms.surveys.indicator_sums import Scale, Sums
from lms.surveys.statistics import Moments

CHOICE_KINDS = ("single", "multiple", "likert", "yes_no")
#: A number question with both bounds is shown in this many bins of equal width between them.
BINS = 5
#: The item of a kept row that counts the responses that answered its question.
ANSWERED = ""
#: (wave id, question code) -> item (ANSWERED, or a choice code) -> the responses counted.
Counts = dict[tuple[int, str], dict[str, Count]]
#: (wave id, question code) -> bin -> the Sums of the numbers in it (bin -1: a question without bounds).
Bins = dict[tuple[int, str], dict[int, Sums]]


def scoped(query, countries: list[str] | None):
    return query if countries is None else query.where(SurveyResponse.country.in_(countries))


def summed(wave_ids: list[int]) -> bool:
    """Whether every wave's kept counts are current."""
    found = db.session.scalar(select(func.count()).select_from(SummedWave)
                              .where(SummedWave.wave_id.in_(set(wave_ids))))
    return found == len(set(wave_ids))


def kept_counts(wave_ids: list[int], kept: bool | None) -> bool:
    """Whether to read the kept counts: ``kept`` if the caller has read ``summed`` already, else ``summed``."""
    return summed(wave_ids) if kept is None else kept


def bin_edges(scale: Scale) -> list[float]:
    """The BINS + 1 edges of a number question's bins, from its smallest to its largest value."""
    width = scale.width / BINS
    return [scale.low + i * width for i in range(BINS)] + [scale.high]


def items_of(value: str, kind: str, choices: set[str]) -> set[str]:
    """The choices an answer gives: a multiple choice's codes are space-separated; any other answer is one."""
    return (set(value.split()) if kind == "multiple" else {value}) & choices


def answer_counts(wave_ids: list[int], countries: list[str] | None, kinds: dict[str, str],
                  choices: dict[str, set[str]], kept: bool | None = None) -> Counts:
    """The responses that answered each choice, free-text and date question, and that gave each choice, per wave and
    question code. ``kinds``: each code's kind (its newest version's), which says whether an answer holds several
    choices; ``choices``: each code's choices shown. Kept where every wave is summed (``kept``: whether they are, if
    the caller has read it), else from the answers."""
    if kept_counts(wave_ids, kept):
        found: Counts = defaultdict(dict)
        query = (select(AnswerCount.wave_id, SurveyQuestion.code, AnswerCount.item, func.sum(AnswerCount.n),
                        func.sum(AnswerCount.key_sum))
                 .join(SurveyQuestion, SurveyQuestion.id == AnswerCount.question_id)
                 .where(AnswerCount.wave_id.in_(wave_ids), SurveyQuestion.kind != "number")
                 .group_by(AnswerCount.wave_id, SurveyQuestion.code, AnswerCount.item))
        if countries is not None:
            query = query.where(AnswerCount.country.in_(countries))
        for wave_id, code, item, n, key in db.session.execute(query):
            found[(wave_id, code)][item] = Count.of(n, key)
        return dict(found)
    return counts_from_answers(wave_ids, countries, kinds, choices)


def counts_from_answers(wave_ids: list[int], countries: list[str] | None, kinds: dict[str, str],
                        choices: dict[str, set[str]], by: tuple = ()) -> dict:
    """``answer_counts`` read from the answers: one row per distinct answer, never per response. With ``by``
    (columns), per (their values..., wave id, question code) instead."""
    value = sa.case((SurveyQuestion.kind.in_(("text", "date")), sa.literal("")), else_=SurveyAnswer.value)
    query = scoped(select(*by, SurveyResponse.wave_id, SurveyQuestion.code, value.label("value"), func.count(),
                          func.sum(SurveyResponse.record_key))
                   .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                   .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
                   .where(SurveyResponse.wave_id.in_(wave_ids),
                          SurveyQuestion.kind.in_((*CHOICE_KINDS, "text", "date")))
                   .group_by(*by, SurveyResponse.wave_id, SurveyQuestion.code, value), countries)
    found: dict = defaultdict(dict)
    for *cell, answer, n, key in db.session.execute(query):
        counts, count = found[tuple(cell)], Count.of(n, key)
        code = cell[-1]
        counts[ANSWERED] = counts.get(ANSWERED, Count()) + count
        for item in items_of(answer, kinds.get(code, ""), choices.get(code, set())):
            counts[item] = counts.get(item, Count()) + count
    return dict(found)


def bin_column(scales: dict[str, Scale]):
    """SQL: the bin of a number answer by its question's scale; -1 for a question without one."""
    whens = []
    for code, scale in scales.items():
        edges = bin_edges(scale)
        whens += [(sa.and_(SurveyQuestion.code == code, SurveyAnswer.number < edges[i + 1]), i)
                  for i in range(BINS - 1)]
        whens.append((SurveyQuestion.code == code, BINS - 1))
    return sa.case(*whens, else_=-1) if whens else sa.literal(-1)


def number_sums(wave_ids: list[int], countries: list[str] | None, scales: dict[str, Scale],
                kept: bool | None = None) -> Bins:
    """(wave id, question code) -> bin -> the Sums of the numbers in it. Kept where every wave is summed (``kept``
    as for ``answer_counts``)."""
    found: Bins = defaultdict(dict)
    if kept_counts(wave_ids, kept):
        query = (select(AnswerCount.wave_id, SurveyQuestion.code, AnswerCount.item, AnswerCount.n, AnswerCount.total,
                        AnswerCount.squares, AnswerCount.key_sum)
                 .join(SurveyQuestion, SurveyQuestion.id == AnswerCount.question_id)
                 .where(AnswerCount.wave_id.in_(wave_ids), SurveyQuestion.kind == "number"))
        if countries is not None:
            query = query.where(AnswerCount.country.in_(countries))
        for wave_id, code, item, n, total, squares, key in db.session.execute(query):
            bins = found[(wave_id, code)]
            bins[int(item)] = bins.get(int(item), Sums()) + Sums(Moments(n, total, squares), key % KEY_SPACE)
        return dict(found)
    for (wave_id, code, index), sums in numbers_from_answers(wave_ids, countries, scales).items():
        found[(wave_id, code)][index] = sums
    return dict(found)


def numbers_from_answers(wave_ids: list[int], countries: list[str] | None, scales: dict[str, Scale],
                         by: tuple = ()) -> dict[tuple, Sums]:
    """(values of ``by``..., wave id, question code, bin) -> the Sums of the numbers, read from the answers."""
    bin_of = bin_column(scales)
    number = SurveyAnswer.number
    query = scoped(select(*by, SurveyResponse.wave_id, SurveyQuestion.code, bin_of.label("bin"), func.count(number),
                          func.sum(number), func.sum(number * number), func.sum(SurveyResponse.record_key))
                   .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                   .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
                   .where(SurveyResponse.wave_id.in_(wave_ids), SurveyQuestion.kind == "number", number.is_not(None))
                   .group_by(*by, SurveyResponse.wave_id, SurveyQuestion.code, bin_of), countries)
    return {tuple(cell): Sums(Moments(n, float(total or 0), float(squares or 0)), Count.of(n, key).key)
            for *cell, n, total, squares, key in db.session.execute(query)}


def response_counts(wave_ids: list[int], countries: list[str] | None, by_country: bool = False,
                    kept: bool | None = None) -> dict:
    """Wave id (or with ``by_country``, country) -> the responses (a Count). Kept where every wave is summed
    (``kept`` as for ``answer_counts``)."""
    group = AnswerCount.country if by_country else AnswerCount.wave_id
    if kept_counts(wave_ids, kept):
        query = (select(group, func.sum(AnswerCount.n), func.sum(AnswerCount.key_sum))
                 .where(AnswerCount.wave_id.in_(wave_ids), AnswerCount.question_id.is_(None)))
        if countries is not None:
            query = query.where(AnswerCount.country.in_(countries))
    else:
        group = SurveyResponse.country if by_country else SurveyResponse.wave_id
        query = scoped(select(group, func.count(), func.sum(SurveyResponse.record_key))
                       .where(SurveyResponse.wave_id.in_(wave_ids)), countries)
    return {place: Count.of(n, key) for place, n, key in db.session.execute(query.group_by(group))}


def add_up(wave_ids: list[int], kinds: dict[str, str], choices: dict[str, set[str]], scales: dict[str, Scale]
           ) -> None:
    """Write the kept counts of these waves (whose old rows are gone) per wave, country and question; flushes."""
    place = SurveyResponse.country
    rows = [{"wave_id": wave_id, "question_id": None, "country": country, "item": ANSWERED, "n": n,
             "key_sum": Count.of(n, key).key, "total": 0.0, "squares": 0.0}
            for wave_id, country, n, key in db.session.execute(
                select(SurveyResponse.wave_id, place, func.count(), func.sum(SurveyResponse.record_key))
                .where(SurveyResponse.wave_id.in_(wave_ids)).group_by(SurveyResponse.wave_id, place))]
    by = (SurveyAnswer.question_id, place)
    for (question_id, country, wave_id, _code), counts in counts_from_answers(wave_ids, None, kinds, choices,
                                                                            by).items():
        rows += [{"wave_id": wave_id, "question_id": question_id, "country": country, "item": item, "n": count.n,
                  "key_sum": count.key, "total": 0.0, "squares": 0.0} for item, count in counts.items()]
    for (question_id, country, wave_id, _code, index), sums in numbers_from_answers(wave_ids, None, scales,
                                                                                     by).items():
        rows.append({"wave_id": wave_id, "question_id": question_id, "country": country, "item": str(index),
                     "n": sums.moments.n, "key_sum": sums.key, "total": sums.moments.total,
                     "squares": sums.moments.squares})
    for start in range(0, len(rows), 5_000):
        db.session.execute(sa.insert(AnswerCount), rows[start:start + 5_000])
    db.session.flush()
