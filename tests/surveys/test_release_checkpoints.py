"""The scheduler publishes a wave's answers at fixed checkpoints (every RELEASE_EVERY_DAYS days) and when the wave
closes, never as soon as a batch holds five: whoever watches the pool cannot fill a batch around one stranger's
answer with four of their own (the "n-1" attack, docs/privacy.md)."""
from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from lms import UnsafeConfiguration, clock, create_app
from lms.config import TestConfig
from lms.extensions import db
from lms.jobs import JOBS
from lms.learn import services as learning
from lms.models import PooledResponse, SurveyInvitation, SurveyResponse
from lms.surveys import answering
from lms.surveys.results import RELEASE_BATCH
from tests.helpers import BUNDLED_COURSE, at_once, published_texts, sign_in

Answer = answering.Answer
#: The first Monday after today: a checkpoint with the default RELEASE_EVERY_DAYS of 7, after the waves' creation.
CHECKPOINT = clock.today() + timedelta(days=7 - clock.today().weekday())


def scheduled_release(today: date) -> int:
    """The release-answers job as the scheduler runs it, on a simulated day."""
    return JOBS["release-answers"](today)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def course(app_ctx, library):
    return learning.find_course(BUNDLED_COURSE)


@pytest.fixture
def survey(course, make_survey):
    return make_survey(course=course, waves=["baseline"], indicators=False)


@pytest.fixture
def answer(survey, create_user, course):
    """``answer("name")``: a member enrolled in the course (so invited to its baseline) answers it on the web."""

    def give(username: str) -> None:
        member = create_user(username, country="PE")
        learning.enrol(member.id, course)
        invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == member.id))
        answering.submit_response(
            wave=invitation.wave, version=survey.published_version, user=member, invitation=invitation,
            answers={"safe": Answer("4", 4.0), "union": Answer("yes"), "voice": Answer("often"),
                     "hours": Answer("40", 40.0), "comment": Answer(f"marker-{username}")})
        db.session.commit()

    return give


def test_the_n_1_attack_publishes_the_victim_only_at_the_checkpoint_with_every_real_answer_of_the_period(answer):
    for n in range(RELEASE_BATCH):
        answer(f"early-{n}")
    assert scheduled_release(CHECKPOINT) == RELEASE_BATCH  # the checkpoint's release: the batch is empty again
    # The victim answers right after it, and the attacker at once with four accounts invited to the same wave.
    answer("victim")
    for n in range(RELEASE_BATCH - 1):
        answer(f"attacker-{n}")
    published = published_texts()
    for day in range(7):  # the job runs on and on before the next checkpoint: a full batch, and nothing published
        assert scheduled_release(CHECKPOINT + timedelta(days=day)) == 0
        assert scheduled_release(CHECKPOINT + timedelta(days=day)) == 0
        if day == 3:
            answer("colleague-1")  # other real members answer during the period
            answer("colleague-2")
    assert published_texts() == published and count(PooledResponse) == RELEASE_BATCH + 2
    # At the checkpoint, the victim's answer is published among every real answer of the period, not alone.
    assert scheduled_release(CHECKPOINT + timedelta(days=7)) == RELEASE_BATCH + 2
    new = sorted(set(published_texts()) - set(published))
    assert new == sorted(["marker-victim", "marker-colleague-1", "marker-colleague-2"]
                         + [f"marker-attacker-{n}" for n in range(RELEASE_BATCH - 1)])
    assert count(PooledResponse) == 0


def test_answers_after_a_checkpoints_release_wait_for_the_next_checkpoint_even_as_a_full_batch(answer):
    for n in range(RELEASE_BATCH):
        answer(f"first-{n}")
    assert scheduled_release(clock.today()) == 0  # a new wave: its first release is at the first checkpoint after it
    assert scheduled_release(CHECKPOINT) == RELEASE_BATCH
    for n in range(RELEASE_BATCH):
        answer(f"second-{n}")  # a second full batch, the same day
    assert scheduled_release(CHECKPOINT) == 0
    assert scheduled_release(CHECKPOINT + timedelta(days=6)) == 0
    assert count(SurveyResponse) == RELEASE_BATCH and count(PooledResponse) == RELEASE_BATCH
    assert scheduled_release(CHECKPOINT + timedelta(days=7)) == RELEASE_BATCH
    assert count(SurveyResponse) == 2 * RELEASE_BATCH and count(PooledResponse) == 0


def test_a_smaller_batch_waits_at_its_checkpoint_and_is_published_at_the_next_once_full(answer):
    for n in range(RELEASE_BATCH - 1):
        answer(f"first-{n}")
    assert scheduled_release(CHECKPOINT) == 0 and count(PooledResponse) == RELEASE_BATCH - 1
    answer("fifth")  # the batch is full after its checkpoint: it waits for the next one
    assert scheduled_release(CHECKPOINT + timedelta(days=1)) == 0
    assert scheduled_release(CHECKPOINT + timedelta(days=7)) == RELEASE_BATCH


def test_a_closed_wave_is_released_at_once_and_each_late_import_at_once(survey, answer):
    from lms.surveys.response_import import import_responses

    wave = survey.waves[0]
    wave.closes_on = CHECKPOINT + timedelta(days=2)
    db.session.commit()
    assert scheduled_release(CHECKPOINT) == 0
    for n in range(RELEASE_BATCH):
        answer(f"last-days-{n}")
    assert scheduled_release(wave.closes_on) == 0  # its last day: still open
    assert scheduled_release(wave.closes_on + timedelta(days=1)) == RELEASE_BATCH  # closed: at once
    rows = "".join(f"4,yes,often,40,marker-import-{n}\n" for n in range(RELEASE_BATCH))
    import_responses(wave, BytesIO(f"safe,union,voice,hours,comment\n{rows}".encode()), "late.csv", keyless=True)
    db.session.commit()
    assert scheduled_release(wave.closes_on + timedelta(days=2)) == RELEASE_BATCH  # each import: one release
    assert count(SurveyResponse) == 2 * RELEASE_BATCH and count(PooledResponse) == 0


def test_two_scheduled_releases_at_once_publish_each_batch_once(app, data_app, answer):
    for n in range(2 * RELEASE_BATCH):
        answer(f"member-{n}")
    results = at_once((app, data_app), lambda: scheduled_release(CHECKPOINT))
    assert sorted(results) == [0, 2 * RELEASE_BATCH]
    assert count(SurveyResponse) == 2 * RELEASE_BATCH and count(PooledResponse) == 0


def test_the_checkpoints_follow_the_setting_and_a_period_below_one_day_is_refused(app_ctx, answer):
    app_ctx.config["RELEASE_EVERY_DAYS"] = 3
    try:
        for n in range(RELEASE_BATCH):
            answer(f"member-{n}")
        day = clock.today() + timedelta(days=1)
        while (day.toordinal() - 1) % 3:
            day += timedelta(days=1)  # the next checkpoint of a three-day period
        assert scheduled_release(day - timedelta(days=1)) == 0
        assert scheduled_release(day) == RELEASE_BATCH
    finally:
        app_ctx.config["RELEASE_EVERY_DAYS"] = 7

    class EveryZeroDays(TestConfig):
        RELEASE_EVERY_DAYS = 0

    with pytest.raises(UnsafeConfiguration, match="RELEASE_EVERY_DAYS must be 1 or more"):
        create_app(EveryZeroDays)


def test_pages_say_when_answers_reach_the_results(client, survey, create_user):
    create_user("coord-pe", role="coordinator", coordinated_countries=["PE"])
    sign_in(client, "coord-pe")
    page = client.get(f"/surveys/manage/{survey.code}/results").get_data(as_text=True)
    assert "once a week and when the wave closes, in batches of at least 5" in page
