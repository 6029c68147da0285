"""The figures the scheduler keeps per wave and country (lms/surveys/kept_figures.py) are those read from the
answers: the indicator sums, both the sums worked out here in Python from every response (count, sum, sum of
squares and cell keys, per wave and per pair of a wave and its baseline), and the results per question, for all
countries and for some."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.learn import services as learning
from lms.models import AnswerCount, IndicatorSum, SummedWave, SurveyAnswer, SurveyQuestion, SurveyResponse, SurveyWave
from lms.models.record_keys import KEY_SPACE
from lms.surveys import building, distributions, indicator_sums, kept_figures, pool, results, withdrawal
from lms.surveys.building import QuestionSpec
from tests.helpers import BUNDLED_COURSE

COUNTRIES = ["PE", "BJ", "KH", None]


@pytest.fixture
def answered(app_ctx, library, make_survey):
    """A pseudonymous survey with three waves and four indicators (a share and a mean as made, a share of a
    multiple choice counting two choices, a mean of a scale), answered by 80 people, a few of whom moved country
    between waves or skipped a question or a wave."""
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline", "endline", "follow_up"],
                         privacy="pseudonymous")
    building.add_indicator(survey, code="wages_or_hours", question_code="issues", kind="share",
                           choice_codes=["wages", "hours"], direction="up", title="Wages or hours", language="en")
    building.add_indicator(survey, code="mean_safe", question_code="safe", kind="mean", choice_codes=[],
                           direction="up", title="Feeling safe", language="en")
    rng = random.Random(20)
    questions = {q.code: q.id for q in survey.published_version.questions}
    for person in range(80):  # some answer all three waves, and the text, in Peru: texts are listed
        home = rng.choice(COUNTRIES)
        for wave in survey.waves:
            if rng.random() < 0.15:
                continue
            response = SurveyResponse(wave_id=wave.id, version_id=survey.published_version.id, language="en",
                                      pseudonym=f"person-{person}", source="import",
                                      country=home if rng.random() < 0.85 else rng.choice(COUNTRIES),
                                      submitted_on=clock.today() - timedelta(days=rng.randint(0, 400)))
            db.session.add(response)
            db.session.flush()
            safe = rng.randint(1, 5)
            given = {"safe": (str(safe), float(safe)), "union": (rng.choice(["yes", "no"]), None),
                     "issues": (" ".join(rng.sample(["wages", "safety", "hours"], rng.randint(1, 3))), None),
                     "hours": (str(h := rng.randint(0, 200) / 2), h), "comment": (f"text {person}", None)}
            db.session.add_all(SurveyAnswer(response_id=response.id, question_id=questions[code], value=value,
                                            number=number)
                               for code, (value, number) in given.items() if rng.random() < 0.9)
    db.session.commit()
    return survey


def reference(survey, countries=None, submitted_from=None, ids=None) -> tuple[dict, dict]:
    """Per (wave id, indicator id): (n, total, squares, key, counted key) of the values, and of each person's
    change from their baseline answer, from every response read one by one."""
    baseline_of = indicator_sums.baselines(survey.waves)
    questions = {q.id: q for version in survey.versions for q in version.questions}
    responses = {}
    for response in db.session.scalars(select(SurveyResponse).join(SurveyWave)
                                       .where(SurveyWave.survey_id == survey.id)):
        if (countries is None or response.country in countries) and (
                submitted_from is None or response.submitted_on >= submitted_from) and (
                ids is None or response.id in ids):
            responses[response.id] = (response, {})
    for answer in db.session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id.in_(list(responses)))):
        question = questions[answer.question_id]
        for indicator in survey.indicators:
            if question.code != indicator.question_code:
                continue
            if indicator.kind == "share":
                chosen = set(answer.value.split())
                responses[answer.response_id][1][indicator.id] = float(bool(chosen & set(indicator.choice_codes)))
            elif question.kind in ("number", "likert"):
                responses[answer.response_id][1][indicator.id] = answer.number

    def add(sums, cell, value, key):
        n, total, squares, keys, counted = sums.get(cell, (0, 0.0, 0.0, 0, 0))
        sums[cell] = (n + 1, total + value, squares + value * value, (keys + key) % KEY_SPACE,
                      (counted + (key if value == 1 else 0)) % KEY_SPACE)

    waves, pairs = {}, {}
    by_person = {(r.wave_id, r.pseudonym): (r, values) for r, values in responses.values()}
    for response, values in responses.values():
        for indicator_id, value in values.items():
            add(waves, (response.wave_id, indicator_id), value, response.record_key)
        base = by_person.get((baseline_of.get(response.wave_id), response.pseudonym))
        if base is not None:
            for indicator_id, value in values.items():
                if indicator_id in base[1]:
                    add(pairs, (response.wave_id, indicator_id), value - base[1][indicator_id],
                        response.record_key + base[0].record_key)
    return waves, pairs


def as_tuples(sums: dict) -> dict:
    return {cell: (s.moments.n, s.moments.total, s.moments.squares, s.key, s.counted_key)
            for cell, s in sums.items() if s.moments.n}


def moments(survey, countries=None, **dates):
    ids = [w.id for w in survey.waves]
    waves, pairs = results.indicator_moments(survey, ids, countries, indicator_sums.baselines(survey.waves), **dates)
    return as_tuples(waves), as_tuples(pairs)


def summed(survey) -> int:
    return db.session.scalar(select(func.count()).select_from(SummedWave).join(
        SurveyWave, SurveyWave.id == SummedWave.wave_id).where(SurveyWave.survey_id == survey.id))


@pytest.mark.parametrize("countries", [None, ["PE"], ["PE", "BJ"]])
def test_the_answers_and_the_kept_sums_give_the_sums_of_every_response(answered, countries):
    expected = reference(answered, countries)
    assert expected[0] and expected[1]  # pairs across waves, and some
    assert summed(answered) == 0
    assert moments(answered, countries) == expected  # from the answers
    assert kept_figures.add_up_waves() == 3 and summed(answered) == 3
    assert indicator_sums.kept_sums(answered, [w.id for w in answered.waves], countries,
                                    indicator_sums.baselines(answered.waves)) is not None
    assert moments(answered, countries) == expected  # kept


def test_a_day_limit_reads_the_answers(answered):
    kept_figures.add_up_waves()
    since = clock.today() - timedelta(days=200)
    assert moments(answered, submitted_from=since) == reference(answered, submitted_from=since)


def test_published_figures_are_the_same_from_the_kept_sums(answered):
    def published():
        return [[[(f.estimate, f.change, f.paired) for f in series] for series in result.series]
                for result in results.indicator_results(answered, answered.waves, ["PE", "BJ", "KH"])]

    from_answers = published()
    kept_figures.add_up_waves()
    assert published() == from_answers


def test_kept_sums_hold_no_more_than_wave_and_country(answered):
    kept_figures.add_up_waves()
    columns = set(IndicatorSum.__table__.columns.keys())
    assert columns == {"id", "wave_id", "indicator_id", "base_wave_id", "country", "base_country", "year", "n",
                       "total", "squares", "key_sum", "counted_key_sum"}
    cells = db.session.execute(select(IndicatorSum.wave_id, IndicatorSum.indicator_id, IndicatorSum.base_wave_id,
                                      IndicatorSum.country, IndicatorSum.base_country, IndicatorSum.year)).all()
    assert len(cells) == len(set(cells))  # one row per wave, indicator and country (or pair of countries), or year
    yearly = [cell for cell in cells if cell.year is not None]
    assert yearly and all(cell.country is None and cell.base_wave_id is None for cell in yearly)


def yearly_reference(survey, year: int) -> dict:
    """The sums of the donor's file from every response read one by one: the baseline's given by the end of
    ``year``, the other waves' given in it."""
    baseline = {w.id for w in survey.waves if w.kind == "baseline"}
    found = {}
    for response in db.session.scalars(select(SurveyResponse).join(SurveyWave)
                                       .where(SurveyWave.survey_id == survey.id)):
        submitted = response.submitted_on.year
        if submitted > year or (response.wave_id not in baseline and submitted != year):
            continue
        found[response.id] = response
    waves, _pairs = reference(survey, ids=set(found))
    return waves


@pytest.mark.parametrize("kept", [False, True])
def test_the_yearly_sums_of_the_donors_file_are_those_of_every_response(answered, kept):
    if kept:
        kept_figures.add_up_waves()
    ids = [w.id for w in answered.waves]
    baseline = [w.id for w in answered.waves if w.kind == "baseline"]
    years = sorted({r.submitted_on.year for r in db.session.scalars(select(SurveyResponse))})
    assert len(years) >= 2  # answers over two years
    for year in years:
        assert (indicator_sums.kept_yearly_sums(answered, ids, baseline, year) is not None) == kept
        found = as_tuples(results.yearly_indicator_moments(answered, ids, baseline, year))
        assert found == yearly_reference(answered, year), year


def test_whatever_changes_the_answers_or_indicators_makes_the_sums_stale_until_added_up(answered):
    kept_figures.add_up_waves()
    building.add_indicator(answered, code="union_members", question_code="union", kind="share", choice_codes=["yes"],
                           direction="up", title="Union members", language="en")
    db.session.commit()
    assert summed(answered) == 0
    assert moments(answered) == reference(answered)  # the new indicator, from the answers
    kept_figures.add_up_waves()
    assert moments(answered) == reference(answered)

    questions = {q.code: q.id for q in answered.published_version.questions}
    for person in range(5):
        pool.add(wave_id=answered.waves[1].id, version_id=answered.published_version.id, country="PE",
                 language="en", source="web",
                 answers=[(questions["safe"], "5", 5.0), (questions["union"], "yes", None)],
                 pseudonym=f"newcomer-{person}")
    db.session.commit()
    for batch, _count in pool.waiting_batches():
        pool.release_batch(batch, clock.today())
    db.session.commit()
    assert summed(answered) == 0
    assert moments(answered) == reference(answered)
    kept_figures.add_up_waves()
    assert moments(answered) == reference(answered)

    assert withdrawal.delete_published({"survey_id": answered.id, "user_id": None, "pseudonym": "person-3"})
    db.session.commit()
    assert summed(answered) == 0
    kept_figures.add_up_waves()
    assert moments(answered, ["PE", "KH"]) == reference(answered, ["PE", "KH"])

    building.delete_indicator(answered, "union_members")
    db.session.commit()
    assert summed(answered) == 0
    kept_figures.add_up_waves()
    assert moments(answered) == reference(answered)


def test_a_wave_added_since_is_read_from_the_answers(answered):
    kept_figures.add_up_waves()
    wave = building.add_wave(answered, kind="follow_up", course=answered.waves[0].course, days_after=180)
    db.session.commit()
    assert wave in answered.waves
    assert indicator_sums.kept_sums(answered, [w.id for w in answered.waves], None) is None
    assert moments(answered) == reference(answered)


@pytest.mark.parametrize("countries", [None, ["PE"], ["BJ", "KH"]])
def test_the_results_per_question_are_the_same_from_the_kept_counts(answered, countries):
    def shown():
        ids = [w.id for w in answered.waves]
        figures = distributions.survey_figures(answered, answered.waves, countries, language="en", figures=True)
        return (figures.waves, [(q.code, q.bounded, q.waves) for q in figures.questions],
                results.response_countries(ids, countries), results.response_counts(ids, countries))

    from_answers = shown()
    waves, questions, _countries, answered_per_wave = from_answers
    assert any(bar.count for _code, _bounded, per_wave in questions for figure in per_wave for bar in figure.bars)
    assert any(figure.texts for code, _b, per_wave in questions if code == "comment" for figure in per_wave)
    assert any(answered_per_wave.values())
    kept_figures.add_up_waves()
    assert shown() == from_answers
    assert db.session.scalar(select(func.count()).select_from(AnswerCount)) > 0


def test_kept_counts_keep_each_choice_of_a_multiple_choice_never_their_combinations(answered):
    kept_figures.add_up_waves()
    items = set(db.session.scalars(select(AnswerCount.item).join(SurveyQuestion)
                                   .where(SurveyQuestion.code == "issues")))
    assert items == {"", "wages", "safety", "hours"}
    assert not db.session.scalar(select(func.count()).select_from(AnswerCount).join(SurveyQuestion)
                                 .where(SurveyQuestion.kind == "text", AnswerCount.item != ""))


def test_a_published_version_makes_the_figures_stale(answered):
    kept_figures.add_up_waves()
    building.update_question(answered, "voice", QuestionSpec(
        code="voice", kind="single", label="How often are workers heard?",
        choices=[("never", "Never"), ("sometimes", "Sometimes"), ("often", "Often"), ("always", "Always")]))
    building.publish(answered)
    db.session.commit()
    assert summed(answered) == 0


@pytest.fixture
def other_survey(answered, make_survey):
    """A second survey whose question codes are those of ``answered`` with other kinds, choices and bounds (hours
    up to 300, voice a number, issues one choice of others), answered by 40 people in its baseline."""
    survey = make_survey(code="other-voice", course=learning.find_course(BUNDLED_COURSE), waves=["baseline"],
                         publish=False, indicators=False)
    version = survey.versions[0]
    for question in list(version.questions):
        if question.code in ("hours", "voice", "issues"):
            building.delete_question(survey, question.code)
    for spec in (QuestionSpec(code="hours", kind="number", label="Hours", min_value=0, max_value=300),
                 QuestionSpec(code="voice", kind="number", label="Voice", min_value=1, max_value=10),
                 QuestionSpec(code="issues", kind="single", label="Issue",
                              choices=[("pay", "Pay"), ("leave", "Leave")])):
        building.add_question(survey, spec)
    building.publish(survey)
    db.session.commit()
    rng = random.Random(21)
    questions = {q.code: q.id for q in survey.published_version.questions}
    for _person in range(40):
        response = SurveyResponse(wave_id=survey.waves[0].id, version_id=survey.published_version.id, language="en",
                                  source="import", country=rng.choice(COUNTRIES), submitted_on=clock.today())
        db.session.add(response)
        db.session.flush()
        given = {"hours": (str(h := rng.randint(0, 300)), float(h)), "voice": (str(v := rng.randint(1, 10)), float(v)),
                 "issues": (rng.choice(["pay", "leave"]), None), "union": (rng.choice(["yes", "no"]), None)}
        db.session.add_all(SurveyAnswer(response_id=response.id, question_id=questions[code], value=value,
                                        number=number) for code, (value, number) in given.items())
    db.session.commit()
    return survey


@pytest.mark.parametrize("countries", [None, ["PE", "BJ"]])
def test_surveys_read_together_have_each_their_own_figures(answered, other_survey, countries):
    """Read together (a report's downloads), each survey's figures are those it has alone, though the two share
    question codes of other kinds and bounds; from the kept counts, two surveys take the statements of one."""
    pair = [(answered, answered.waves, True), (other_survey, other_survey.waves, True)]

    def alone():
        return [distributions.survey_figures(s, waves, countries, language="en", figures=True, texts=False)
                for s, waves, _figures in pair]

    def together(chosen=pair):
        return distributions.surveys_figures(chosen, countries, language="en", texts=False)

    def statements(read) -> int:
        seen = []

        def count(*_args):
            seen.append(1)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            read()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    from_answers = alone()
    assert any(q.code == "hours" and any(f.mean is not None and f.mean.n for f in q.waves)
               for figures in from_answers for q in figures.questions)
    assert together() == from_answers
    kept_figures.add_up_waves()
    assert together() == from_answers
    assert statements(together) == statements(lambda: together(pair[:1]))
