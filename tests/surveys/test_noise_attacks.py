"""The outside tester's attacks on the noise of published means: each reads the same exact sum twice under two
different noises and solves for it. Each must fail now.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.learn import services as learning
from lms.models import SurveyQuestion, SurveyVersion
from lms.surveys import building, results
from lms.surveys.building import QuestionSpec, SurveyError
from tests.helpers import BUNDLED_COURSE
from tests.surveys.helpers import answer


def published_hours(survey) -> float:
    db.session.expire_all()
    found = results.indicator_results(survey, list(survey.waves))
    hours = next(r for r in found if r.indicator.code == "mean_hours")
    return hours.series[0][0].estimate.value


def test_a_new_version_cannot_widen_a_number_questions_range_to_solve_for_the_mean(app_ctx, library, make_survey):
    """F7: the mean of hours 0-100 read once; widen the range to 0-200 and read it again. The noise is the same
    draw times the width, so 2·first − second is the exact mean (to the rounding of the two readings)."""
    survey = make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"], privacy="anonymous")
    values = [31.0, 37.0, 40.0, 42.0, 44.0, 45.0, 48.0, 50.0, 52.0, 55.0, 60.0, 71.0]
    for i, hours in enumerate(values):
        answer(survey, survey.waves[0], "PE", 2 + i % 3, hours)
    db.session.commit()
    exact = sum(values) / len(values)
    first = published_hours(survey)
    versions = db.session.scalar(select(func.count()).select_from(SurveyVersion))
    widened = QuestionSpec(code="hours", kind="number", label="Hours worked last week", min_value=0, max_value=200)
    try:
        building.update_question(survey, "hours", widened)
        building.publish(survey)
        db.session.commit()
    except SurveyError as error:
        assert "hours" in str(error) and "0" in str(error) and "100" in str(error), str(error)
        db.session.rollback()
    else:
        second = published_hours(survey)
        assert abs((2 * first - second) - exact) > 0.2, ("the two readings give the exact mean", first, second, exact)
    # Nothing was written: no new version, the question keeps its range, the figure is the same.
    assert db.session.scalar(select(func.count()).select_from(SurveyVersion)) == versions
    assert {(q.min_value, q.max_value) for q in db.session.scalars(
        select(SurveyQuestion).where(SurveyQuestion.code == "hours"))} == {(0, 100)}
    assert published_hours(survey) == first


def test_a_new_version_may_keep_a_number_questions_range_and_the_first_version_is_free(app_ctx, make_survey):
    survey = make_survey(publish=False, indicators=False)
    building.update_question(survey, "hours", QuestionSpec(code="hours", kind="number", label="Hours",
                                                           min_value=0, max_value=80))  # not published yet
    building.publish(survey)
    building.update_question(survey, "hours", QuestionSpec(code="hours", kind="number", label="Hours last week",
                                                           min_value=0, max_value=80))
    building.publish(survey)
    db.session.commit()
    with pytest.raises(SurveyError, match="hours"):
        building.add_question(survey, QuestionSpec(code="hours2", kind="number", label="x", min_value=0,
                                                   max_value=80))  # another code is free
        building.delete_question(survey, "hours")
        building.add_question(survey, QuestionSpec(code="hours", kind="number", label="Hours", min_value=1,
                                                   max_value=80))  # deleted and added back: still its range
    db.session.rollback()


def test_retaking_a_quiz_does_not_draw_the_knowledge_gain_again(app_ctx, library, create_user):
    """F8: a member retakes a quiz with the same answers, again and again; the exact figures stay the same, so
    the published ones must too (on the old code each retake drew a new noise, to be averaged away)."""
    course = learning.find_course(BUNDLED_COURSE)
    module = next(m for m in course.modules if m.has_quiz)
    wrong = {q.slug: [next(c.slug for c in q.choices if not c.correct)] for q in module.questions}
    right = {q.slug: [c.slug for c in q.choices if c.correct] for q in module.questions}
    start = datetime.now(UTC) - timedelta(days=10)
    members = []
    for i in range(12):
        user = create_user(f"member{i}")
        learning.submit_quiz(user.id, course, module, wrong, at=start)
        for lesson in module.lessons:
            learning.mark_lesson_done(user.id, course, lesson, at=start + timedelta(hours=1))
        learning.submit_quiz(user.id, course, module, right if i % 2 else wrong, at=start + timedelta(hours=2))
        members.append(user)
    db.session.commit()
    seen = set()
    for retake in range(12):
        learning.submit_quiz(members[0].id, course, module, wrong, at=start + timedelta(hours=3 + retake))
        db.session.commit()
        gain = results.gain_sums(course).published
        assert gain.n >= 10 and gain.mean_after is not None
        seen.add((gain.mean_before, gain.mean_after))
    assert len(seen) == 1, seen


T975_9 = 2.2621571627409915  # Student's t, 97.5th percentile, 9 degrees of freedom


def half_width(victim: float) -> float:
    """The exact interval's half-width over nine answers of 0 and the victim's."""
    values = [0.0] * 9 + [victim]
    mean = sum(values) / 10
    return T975_9 * (sum((v - mean) ** 2 for v in values) / 9 / 10) ** 0.5


def test_the_interval_of_a_mean_does_not_give_the_one_answer_its_author_did_not_write(app_ctx, library,
                                                                                      make_survey):
    """Tester C: the interval was the exact Student-t interval moved with the mean, so high − mean was the exact
    half-width. Nine answers of 0 hours (accounts a trainer made for her group) and one member's: the half-width
    gave the member's exact hours in 5 of 8 trials."""
    course = learning.find_course(BUNDLED_COURSE)
    found = []
    for trial, victim in enumerate([7, 23, 38, 48, 55, 61, 72, 90]):
        survey = make_survey(code=f"hours-{trial}", course=course, waves=["baseline"], privacy="anonymous")
        for _ in range(9):
            answer(survey, survey.waves[0], "PE", 3, 0.0)
        answer(survey, survey.waves[0], "PE", 3, float(victim))
        db.session.commit()
        hours = next(r for r in results.indicator_results(survey, list(survey.waves))
                     if r.indicator.code == "mean_hours")
        estimate = hours.series[0][0].estimate
        if estimate.high is None or estimate.value is None:
            continue
        spread = estimate.high - estimate.value
        found.append([c for c in range(101) if abs(half_width(c) - spread) <= 0.1] == [victim])
    assert found and sum(found) <= 1, f"the interval named the member's answer in {sum(found)} of {len(found)}"
