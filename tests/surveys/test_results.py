"""Indicators per wave and knowledge gain: exact figures against scipy on generated data; what pages publish."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import stats
from sqlalchemy import select

from lms import clock, disclosure
from lms.disclosure import Count
from lms.extensions import db
from lms.learn import services as learning
from lms.models import SurveyInvitation, SurveyResponse
from lms.surveys import answering, results, statistics
from tests.helpers import BUNDLED_COURSE, csrf_token, release_any, sign_in

Answer = answering.Answer


def respond(survey, user, kind, safe: int, hours: float):
    invitation = next(i for i in db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.user_id == user.id))
                      if i.wave.kind == kind and i.wave.survey_id == survey.id)
    answering.submit_response(
        wave=invitation.wave, version=survey.published_version, user=user, invitation=invitation,
        answers={"safe": Answer(str(safe), float(safe)), "union": Answer("yes"), "voice": Answer("often"),
                 "hours": Answer(str(hours), hours)})


def generated_waves(create_user, survey, course, people: int, seed: int, skip_endline: int = 0):
    """Baseline and endline answers for ``people`` members; the last ``skip_endline`` do not answer the endline."""
    rng = np.random.default_rng(seed)
    before_safe = rng.integers(1, 6, people)
    after_safe = np.clip(before_safe + rng.integers(-1, 3, people), 1, 5)
    before_hours = rng.normal(55, 8, people).round(1)
    after_hours = (before_hours - rng.normal(4, 3, people)).round(1)
    for i in range(people):
        user = create_user(f"worker{seed}-{i}")
        learning.enrol(user.id, course)
        respond(survey, user, "baseline", int(before_safe[i]), float(before_hours[i]))
        if i < people - skip_endline:
            from tests.helpers import complete_course

            complete_course(user.id)
            respond(survey, user, "endline", int(after_safe[i]), float(after_hours[i]))
    db.session.commit()
    release_any()
    kept = people - skip_endline
    return before_safe, after_safe[:kept], before_hours, after_hours[:kept]


def by_code(outcomes, code):
    return next(r for r in outcomes if r.indicator.code == code).series[0]


@pytest.mark.parametrize("seed", [3, 17])
def test_pseudonymous_indicators_match_scipy_with_paired_changes(app_ctx, library, create_user, make_survey, seed):
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(course=course, waves=["baseline", "endline"], privacy="pseudonymous")
    before_safe, after_safe, before_hours, after_hours = generated_waves(create_user, survey, course, 24, seed,
                                                                         skip_endline=4)
    outcomes = results.indicator_estimates(survey, survey.waves)
    baseline, endline = by_code(outcomes, "feels_safe")

    k = int((before_safe >= 4).sum())
    expected = stats.binomtest(k, len(before_safe)).proportion_ci(confidence_level=0.95, method="wilson")
    assert baseline.estimate.n == 24 and baseline.estimate.value == pytest.approx(k / 24)
    assert (baseline.estimate.low, baseline.estimate.high) == pytest.approx((expected.low, expected.high), rel=1e-9)

    # The change pairs the 20 people who answered both waves, by their pseudonym.
    paired_before = (before_safe[:20] >= 4).astype(float)
    paired_after = (after_safe >= 4).astype(float)
    differences = paired_after - paired_before
    assert endline.paired and endline.change.n == 20
    assert endline.change.value == pytest.approx(differences.mean())
    if differences.std() > 0:
        interval = stats.ttest_rel(paired_after, paired_before).confidence_interval()
        assert (endline.change.low, endline.change.high) == pytest.approx((interval.low, interval.high), rel=1e-7)

    baseline_hours, endline_hours = by_code(outcomes, "mean_hours")
    low, high = stats.t.interval(0.95, len(before_hours) - 1, loc=before_hours.mean(), scale=stats.sem(before_hours))
    assert baseline_hours.estimate.value == pytest.approx(before_hours.mean())
    assert (baseline_hours.estimate.low, baseline_hours.estimate.high) == pytest.approx((low, high), rel=1e-7)
    interval = stats.ttest_rel(after_hours, before_hours[:20]).confidence_interval()
    assert endline_hours.change.value == pytest.approx((after_hours - before_hours[:20]).mean())
    assert (endline_hours.change.low, endline_hours.change.high) == pytest.approx((interval.low, interval.high),
                                                                                  rel=1e-7)


def test_anonymous_indicators_compare_independent_samples(app_ctx, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(course=course, waves=["baseline", "endline"], privacy="anonymous")
    _before_safe, _after_safe, before_hours, after_hours = generated_waves(create_user, survey, course, 12, 5)
    _baseline, endline = by_code(results.indicator_estimates(survey, survey.waves), "mean_hours")
    assert not endline.paired
    interval = stats.ttest_ind(after_hours, before_hours, equal_var=False).confidence_interval()
    assert endline.change.value == pytest.approx(after_hours.mean() - before_hours.mean())
    assert (endline.change.low, endline.change.high) == pytest.approx((interval.low, interval.high), rel=1e-7)


def test_figures_are_shown_from_ten_published_people_on(client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    author = create_user("author", role="trainer")
    survey = make_survey(course=course, waves=["baseline", "endline"], privacy="pseudonymous", creator=author)
    generated_waves(create_user, survey, course, 6, 9, skip_endline=2)  # 6 at baseline, 4 at endline
    baseline, endline = by_code(results.indicator_results(survey, survey.waves), "feels_safe")
    assert baseline.estimate.n in (5, 10) and endline.estimate.n in (0, 5)  # published counts
    assert baseline.shown == (baseline.estimate.n == 10)
    assert not endline.shown and not endline.change_shown and endline.estimate.value is None
    sign_in(client, "author")
    page = client.get(f"/surveys/manage/{survey.code}/results").get_data(as_text=True)
    assert "&lt;5" not in page and "<5" not in page
    assert re.search(r"(0|5) responses", page) and "rounded at random to a multiple of 5" in page


def test_published_figures_follow_the_method(app_ctx, library, create_user, make_survey):
    """n is the published count of the responses; a share divides published counts; a mean moves by noise on
    its sum of at most the width of the answers' range, its interval with it (drawn from a sum of squares moved by
    noise as wide as one answer's square can range), rounded to one decimal."""
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(course=course, waves=["baseline", "endline"], privacy="pseudonymous")
    generated_waves(create_user, survey, course, 23, 4, skip_endline=3)
    exact = {r.indicator.code: r.series[0] for r in results.indicator_estimates(survey, survey.waves)}
    shown = {r.indicator.code: r.series[0] for r in results.indicator_results(survey, survey.waves)}
    sums, pairs = results.indicator_moments(survey, [w.id for w in survey.waves], None,
                                            {survey.waves[1].id: survey.waves[0].id})
    for code, indicator in (("feels_safe", survey.indicators[0]), ("mean_hours", survey.indicators[1])):
        for wave, true, published in zip(survey.waves, exact[code], shown[code], strict=True):
            figure = sums[(wave.id, indicator.id)]
            assert published.estimate.n == figure.people.published and abs(published.estimate.n - true.estimate.n) <= 4
            if code == "feels_safe":
                n, k = figure.people.published, min(figure.counted.published, figure.people.published)
                assert published.estimate.value == pytest.approx(k / n)
            else:  # hours, between 0 and 100: the noise on the sum is at most 100
                bound = 100 / true.estimate.n + 0.05
                assert abs(published.estimate.value - true.estimate.value) <= bound
                shift = published.estimate.value - true.estimate.value
                # The interval: from the moments with their sum of squares moved too, centred on the moved mean,
                # widened by the noise (uniform in ±100/n, variance (100/n)²/3) in quadrature.
                spread = statistics.mean(results.wave_moments(indicator, figure, results.Scale(0.0, 100.0)))
                sampling = (spread.high - spread.low) / 2
                margin = math.sqrt(sampling**2 + disclosure.NOISE_Z**2 * (100 / figure.moments.n) ** 2 / 3)
                assert published.estimate.low == pytest.approx(max(0.0, spread.value + shift - margin), abs=0.1)
                assert published.estimate.high == pytest.approx(min(100.0, spread.value + shift + margin), abs=0.1)
                assert round(published.estimate.value, 1) == published.estimate.value
        change, true_change = shown[code][1], exact[code][1]
        assert change.paired and change.change.n == pairs[(survey.waves[1].id, indicator.id)].people.published
        width = 1 if code == "feels_safe" else 100
        assert abs(change.change.value - true_change.change.value) <= 2 * width / true_change.change.n + 0.05
    # Asked again, the same records give the same figures.
    again = {r.indicator.code: r.series[0] for r in results.indicator_results(survey, survey.waves)}
    for code in exact:
        assert [(f.estimate, f.change) for f in again[code]] == [(f.estimate, f.change) for f in shown[code]]


def test_a_small_groups_mean_has_an_interval_as_wide_as_its_noise(app_ctx, library, create_user, make_survey):
    """Outside tester E: ten answers of 0 to 6 to a question from 0 to 100 were shown as a mean above every answer
    in an interval of width 0: the noise (up to 10 on the mean) was larger than the spread, and the noisy sum of
    squares gave no spread at all. The interval now holds the noise: it always contains the exact mean."""
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(course=course, waves=["baseline"], privacy="anonymous")
    hours = [0, 1, 1, 2, 2, 3, 3, 4, 5, 6]
    for i, value in enumerate(hours):
        user = create_user(f"worker{i}")
        learning.enrol(user.id, course)
        respond(survey, user, "baseline", 3, float(value))
    db.session.commit()
    release_any()
    figure = by_code(results.indicator_results(survey, survey.waves), "mean_hours")[0].estimate
    exact = sum(hours) / len(hours)
    assert figure.low < figure.high
    assert figure.low - 0.05 <= exact <= figure.high + 0.05
    # The margin is at least the noise's part, 1.96 × 10 / √3 = 11.3, more than the mean can move (10): however
    # the figures are then kept within 0-100, the interval reaches past the exact mean by the difference.
    beyond = disclosure.NOISE_Z * 10 / math.sqrt(3) - 10
    assert figure.high >= exact + beyond - 0.1 and (figure.low == 0 or figure.low <= exact - beyond + 0.1)


def test_knowledge_gain_pairs_scores_before_and_after_the_lessons(app_ctx, library, create_user):
    course = learning.find_course(BUNDLED_COURSE)
    module = next(m for m in course.modules if m.has_quiz)
    questions = module.questions
    rng = np.random.default_rng(7)
    pairs = []
    for i in range(8):
        user = create_user(f"learner{i}")
        right_before, right_after = sorted(rng.integers(0, len(questions) + 1, 2))
        def answers(right: int):
            return {q.slug: [c.slug for c in q.choices if c.correct == (n < right)][:1] or [q.choices[0].slug]
                    for n, q in enumerate(questions)}
        before = learning.submit_quiz(user.id, course, module, answers(right_before))
        for lesson in module.lessons:
            learning.mark_lesson_done(user.id, course, lesson)
        after = learning.submit_quiz(user.id, course, module, answers(right_after))
        assert before.before_lessons and not after.before_lessons
        pairs.append((before.score, after.score))
    db.session.commit()
    overall, per_module = results.knowledge_gain(course)
    assert results.gain_sums(course).exact == overall
    scores = np.array(pairs, dtype=float)
    assert overall.n == 8 and per_module[module.id].n == 8
    assert overall.mean_before == pytest.approx(scores[:, 0].mean())
    assert overall.change.value == pytest.approx((scores[:, 1] - scores[:, 0]).mean())
    expected_g = (scores[:, 1].mean() - scores[:, 0].mean()) / (100 - scores[:, 0].mean())
    assert overall.normalised == pytest.approx(expected_g)
    if (scores[:, 1] - scores[:, 0]).std() > 0:
        interval = stats.ttest_rel(scores[:, 1], scores[:, 0]).confidence_interval()
        assert (overall.change.low, overall.change.high) == pytest.approx((interval.low, interval.high), rel=1e-7)


def test_a_coordinator_sees_results_of_their_countries_only(client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(course=course, waves=["baseline"], privacy="anonymous")
    for i in range(12):
        user = create_user(f"pe{i}", country="PE")
        learning.enrol(user.id, course)
        respond(survey, user, "baseline", 5, 40.0)
    db.session.commit()
    release_any()
    create_user("coord-bj", role="coordinator", coordinated_countries=["BJ"])
    create_user("coord-pe", role="coordinator", coordinated_countries=["PE"])
    sign_in(client, "coord-bj")
    page = client.get(f"/surveys/manage/{survey.code}/results").get_data(as_text=True)
    assert "0 responses" in page and "100%" not in page
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, "coord-pe")
    page = client.get(f"/surveys/manage/{survey.code}/results").get_data(as_text=True)
    assert re.search(r"(10|15) responses", page) and "100%" in page  # 12, published
    create_user("other-trainer", role="trainer")
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, "other-trainer")
    assert client.get(f"/surveys/manage/{survey.code}/results").status_code == 403


def test_results_filter_by_country(client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    author = create_user("author", role="admin")  # a trainer reads no figure of an anonymous survey
    survey = make_survey(course=course, waves=["baseline"], creator=author)
    members = []
    for i in range(22):
        user = create_user(f"m{i}", country="PE" if i < 12 else "BJ")
        learning.enrol(user.id, course)
        respond(survey, user, "baseline", 5 if i < 12 else 1, 40.0)
        members.append(user)
    db.session.commit()
    release_any()
    sign_in(client, "author")
    url = f"/surveys/manage/{survey.code}/results"
    keys = {r.country: [] for r in db.session.scalars(select(SurveyResponse))}
    for response in db.session.scalars(select(SurveyResponse)):
        keys[response.country].append(response.record_key)

    def published(*countries):
        return sum((Count(1, k) for c in countries for k in keys[c]), Count()).published

    assert f"{published('PE', 'BJ')} responses" in client.get(url).get_data(as_text=True)
    peru = client.get(f"{url}?country=PE").get_data(as_text=True)
    assert f"{published('PE')} responses" in peru and "100%" in peru
    benin = client.get(f"{url}?country=BJ").get_data(as_text=True)
    assert "10 responses" in benin and "0%" in benin
    assert client.get(f"{url}?country=KH").status_code == 404



def test_a_number_without_bounds_shows_no_mean_and_a_scale_moves_by_at_most_4_on_its_sum(app_ctx, library):
    from lms.models import SurveyAnswer, SurveyQuestion
    from lms.surveys import building
    from lms.surveys.building import QuestionSpec

    survey = building.create_survey(code="open", title="Open numbers", description="", language="en",
                                    privacy="anonymous", subject="participant", creator=None)
    building.add_question(survey, QuestionSpec(code="children", kind="number", label="How many children?"))
    building.add_question(survey, QuestionSpec(code="safe", kind="likert", label="I feel safe."))
    building.publish(survey)
    wave = building.add_wave(survey, kind="baseline", course=learning.find_course(BUNDLED_COURSE))
    for code, kind in (("children", "mean"), ("safe", "mean")):
        building.add_indicator(survey, code=code, question_code=code, kind=kind, choice_codes=[], direction="up",
                               title=code, language="en")
    db.session.commit()
    questions = {q.code: q.id for q in db.session.scalars(select(SurveyQuestion))}
    rng = np.random.default_rng(1)
    for _ in range(23):
        response = SurveyResponse(wave_id=wave.id, version_id=survey.published_version.id, language="en",
                                  country="PE", submitted_on=clock.today())
        db.session.add(response)
        db.session.flush()
        children, safe = int(rng.integers(0, 4)), int(rng.integers(1, 6))
        db.session.add_all([SurveyAnswer(response_id=response.id, question_id=questions["children"],
                                         value=str(children), number=float(children)),
                            SurveyAnswer(response_id=response.id, question_id=questions["safe"], value=str(safe),
                                         number=float(safe))])
    db.session.commit()
    shown = {r.indicator.code: r.series[0][0] for r in results.indicator_results(survey, survey.waves)}
    exact = {r.indicator.code: r.series[0][0] for r in results.indicator_estimates(survey, survey.waves)}
    # One answer to an unbounded question could be any size: no noise hides it, so no mean is shown.
    assert shown["children"].estimate.n in (20, 25) and shown["children"].estimate.value is None
    assert exact["children"].estimate.value is not None
    # A 1-5 scale: noise of at most 4 on the sum of 23 answers, then one decimal.
    assert abs(shown["safe"].estimate.value - exact["safe"].estimate.value) <= 4 / 23 + 0.05
