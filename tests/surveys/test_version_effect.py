"""A new version of a survey takes effect at the next checkpoint while the survey has an open wave: its author
cannot split one period's respondents into batches of their choosing by publishing versions, and so cannot
isolate one member's anonymous answer among four of their own (docs/privacy.md, the n-1 attack)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import format_date
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.jobs import JOBS, RUN_ONCE
from lms.learn import services as learning
from lms.models import PooledResponse, Survey, SurveyAnswer, SurveyInvitation, SurveyResponse, User
from lms.surveys.results import RELEASE_BATCH
from tests.helpers import BUNDLED_COURSE, GOOD_ANSWERS, csrf_token, sign_in

#: The first checkpoint after today with the default RELEASE_EVERY_DAYS of 7 (a Monday).
CHECKPOINT = clock.today() + timedelta(days=7 - clock.today().weekday())


@pytest.fixture
def course(app_ctx, library):
    return learning.find_course(BUNDLED_COURSE)


@pytest.fixture
def author(app, create_user):
    """The survey's author, signed in: a trainer who (in the attack) also reads the database."""
    create_user("author", role="trainer")
    client = app.test_client()
    sign_in(client, "author")
    return client


@pytest.fixture
def survey(author, course, make_survey):
    creator = db.session.scalar(select(User).where(User.username == "author"))
    return make_survey(course=course, waves=["baseline"], indicators=False, creator=creator)


@pytest.fixture
def answer(app, survey, course, create_user):
    """``answer("name", union)``: a member enrolled in the course answers its baseline in the browser, the version
    the portal gives them."""

    def give(username: str, union: str = "no") -> None:
        member = create_user(username, country="PE")
        learning.enrol(member.id, course)
        db.session.commit()
        invitation_id = db.session.scalar(select(SurveyInvitation.id).where(SurveyInvitation.user_id == member.id))
        client = app.test_client()
        sign_in(client, username)
        consent = f"/surveys/invitations/{invitation_id}"
        client.post(consent, data={"decision": "agree", "csrf_token": csrf_token(client, consent)})
        response = client.post(f"{consent}/answer", data={
            **GOOD_ANSWERS, "q_union": union, "q_comment": f"marker-{username}",
            "csrf_token": csrf_token(client, f"{consent}/answer")})
        assert response.status_code == 302

    return give


def publish_new_version(author, hint: str) -> None:
    """The author's trivial edit (a hint), then publish: what any author may do at any time."""
    page = "/surveys/manage/workers-voice"
    path = f"{page}/questions/voice"
    author.post(path, data={"question-label": "How often are workers heard?", "question-hint": hint,
                            "question-code": "voice", "question-kind": "single", "question-required": "y",
                            "question-choices": "never Never\nsometimes Sometimes\noften Often",
                            "csrf_token": csrf_token(author, path)})
    response = author.post(f"{page}/publish", data={"csrf_token": csrf_token(author, page)})
    assert response.status_code == 302


def published_markers(version_number: int | None = None) -> list[str]:
    db.session.expire_all()
    query = select(SurveyAnswer.value).join(SurveyResponse).where(SurveyAnswer.value.like("marker-%"))
    if version_number is not None:
        survey = db.session.scalar(select(Survey))
        query = query.where(SurveyResponse.version_id == survey.versions[version_number - 1].id)
    return sorted(db.session.scalars(query))


def test_publishing_versions_mid_period_does_not_split_the_periods_respondents(author, survey, answer):
    for n in range(RELEASE_BATCH):
        answer(f"early-{n}")
    assert RUN_ONCE["release-answers"]() == RELEASE_BATCH  # a release: the pool is empty, the period starts
    publish_new_version(author, "v2")  # just after it, the author publishes version 2...
    answer("victim", union="yes")  # ...sees the victim's invitation turn "answered"...
    for n in range(RELEASE_BATCH - 1):
        answer(f"fake-{n}")  # ...answers with four accounts of their own...
    publish_new_version(author, "v3")  # ...and publishes version 3 for everyone answering after them.
    for n in range(6):
        answer(f"colleague-{n}")
    db.session.expire_all()
    assert [v.number for v in survey.versions] == [1, 2, 3]
    # Every answer of the period is of the version in effect: one batch, published at the checkpoint.
    versions = set(db.session.scalars(select(PooledResponse.version_id)))
    assert versions == {survey.versions[0].id}
    for day in range((CHECKPOINT - clock.today()).days):
        assert JOBS["release-answers"](clock.today() + timedelta(days=day)) == 0
    assert JOBS["release-answers"](CHECKPOINT) == 1 + (RELEASE_BATCH - 1) + 6
    expected = sorted(["marker-victim"] + [f"marker-fake-{n}" for n in range(RELEASE_BATCH - 1)]
                      + [f"marker-colleague-{n}" for n in range(6)])
    assert sorted(set(published_markers(1)) - {f"marker-early-{n}" for n in range(RELEASE_BATCH)}) == expected
    assert published_markers(2) == [] and published_markers(3) == []
    # From the checkpoint, members answer the last version published; version 2 never took effect.
    assert survey.version_in_effect(CHECKPOINT) is survey.versions[2]
    assert survey.version_in_effect(CHECKPOINT - timedelta(days=1)) is survey.versions[0]


def test_the_last_answers_of_a_version_are_published_at_the_checkpoint_it_goes_out_of_effect(author, survey, answer):
    for n in range(RELEASE_BATCH - 1):
        answer(f"first-{n}")  # a lone answer of a version is not deleted when a newer one is published
    publish_new_version(author, "v2")
    assert JOBS["release-answers"](clock.today()) == 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PooledResponse)) == RELEASE_BATCH - 1
    answer("fifth")
    assert JOBS["release-answers"](CHECKPOINT) == RELEASE_BATCH  # released at its checkpoint, as a full batch
    assert len(published_markers(1)) == RELEASE_BATCH


def test_the_authoring_page_says_when_a_published_version_takes_effect(author, survey):
    publish_new_version(author, "v2")
    page = author.get("/surveys/manage/workers-voice").get_data(as_text=True)
    with author.application.test_request_context():
        day = format_date(CHECKPOINT, "medium")
    assert (f"Version 2 is published; members answer it from {day}, when the current answers are next added to "
            "the results. Until then they answer version 1.") in page


def test_a_survey_without_an_open_wave_takes_a_new_version_at_once(author, survey):
    survey.waves[0].closes_on = clock.today() - timedelta(days=1)
    db.session.commit()
    publish_new_version(author, "v2")
    db.session.expire_all()
    assert survey.version_in_effect(clock.today()) is survey.versions[1]
    page = author.get("/surveys/manage/workers-voice").get_data(as_text=True)
    assert "members answer it from" not in page
