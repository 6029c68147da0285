"""Indicators per wave and knowledge gain, checked against scipy on generated data; small cells suppressed."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sqlalchemy import select

from lms.extensions import db
from lms.learn import services as learning
from lms.models import SurveyInvitation
from lms.surveys import answering, results
from tests.conftest import BUNDLED_COURSE, csrf_token, release_answers, sign_in

Answer = answering.Answer


def respond(survey, user, kind, safe: int, hours: float):
    invitation = next(i for i in db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.user_id == user.id))
                      if i.wave.kind == kind and i.wave.survey_id == survey.id)
    answering.submit_response(
        wave=invitation.wave, version=survey.published_version, language="en", user=user, invitation=invitation,
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
            from tests.conftest import complete_course

            complete_course(user.id)
            respond(survey, user, "endline", int(after_safe[i]), float(after_hours[i]))
    db.session.commit()
    release_answers()
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
    outcomes = results.indicator_results(survey, survey.waves)
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
    _baseline, endline = by_code(results.indicator_results(survey, survey.waves), "mean_hours")
    assert not endline.paired
    interval = stats.ttest_ind(after_hours, before_hours, equal_var=False).confidence_interval()
    assert endline.change.value == pytest.approx(after_hours.mean() - before_hours.mean())
    assert (endline.change.low, endline.change.high) == pytest.approx((interval.low, interval.high), rel=1e-7)


def test_figures_from_fewer_than_five_people_are_suppressed(client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    author = create_user("author", role="trainer")
    survey = make_survey(course=course, waves=["baseline", "endline"], privacy="pseudonymous", creator=author)
    generated_waves(create_user, survey, course, 6, 9, skip_endline=2)  # 6 at baseline, 4 at endline
    baseline, endline = by_code(results.indicator_results(survey, survey.waves), "feels_safe")
    assert not baseline.suppressed and endline.suppressed and endline.change_suppressed
    sign_in(client, "author")
    page = client.get(f"/surveys/manage/{survey.code}/results").get_data(as_text=True)
    assert page.count("&lt;5") >= 2  # the endline of both indicators
    assert "<5 responses" in page.replace("&lt;", "<")


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
    for i in range(6):
        user = create_user(f"pe{i}", country="PE")
        learning.enrol(user.id, course)
        respond(survey, user, "baseline", 5, 40.0)
    db.session.commit()
    release_answers()
    create_user("coord-bj", role="coordinator", coordinated_countries=["BJ"])
    create_user("coord-pe", role="coordinator", coordinated_countries=["PE"])
    sign_in(client, "coord-bj")
    page = client.get(f"/surveys/manage/{survey.code}/results").get_data(as_text=True)
    assert "no response yet" in page and "100.0" not in page
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, "coord-pe")
    page = client.get(f"/surveys/manage/{survey.code}/results").get_data(as_text=True)
    assert "6 responses" in page and "100.0" in page
    create_user("other-trainer", role="trainer")
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, "other-trainer")
    assert client.get(f"/surveys/manage/{survey.code}/results").status_code == 403


def test_results_filter_by_country(client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    author = create_user("author", role="trainer")
    survey = make_survey(course=course, waves=["baseline"], creator=author)
    for i in range(11):
        user = create_user(f"m{i}", country="PE" if i < 6 else "BJ")
        learning.enrol(user.id, course)
        respond(survey, user, "baseline", 5 if i < 6 else 1, 40.0)
    db.session.commit()
    release_answers()
    sign_in(client, "author")
    url = f"/surveys/manage/{survey.code}/results"
    assert "11 responses" in client.get(url).get_data(as_text=True)
    peru = client.get(f"{url}?country=PE").get_data(as_text=True)
    assert "6 responses" in peru and "100.0" in peru
    benin = client.get(f"{url}?country=BJ").get_data(as_text=True)
    assert "5 responses" in benin and "0.0%" in benin
    assert client.get(f"{url}?country=KH").status_code == 404
