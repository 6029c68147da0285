"""Withdrawals cannot re-draw published figures: each test is an attack, and each failed on the code that
deleted a withdrawing member's published responses at once (lms/surveys/withdrawal.py says why).

The tester's attack: 20 fake accounts answer a pseudonymous survey and are published with a few strangers; they
withdraw one at a time, and each withdrawal gave a fresh rounding of a known offset of the strangers' count.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.learn import services as learning
from lms.models import SurveyInvitation, SurveyResponse, User
from lms.privacy.services import erase_account
from lms.surveys import answering, results
from lms.surveys.answering import pseudonym_for
from lms.surveys.releases import release_at_checkpoints
from tests.helpers import BUNDLED_COURSE, csrf_token, release_any, sign_in

Answer = answering.Answer
FAKES = 8


def answer(survey, member, safe: str = "4", comment: str = "") -> None:
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == member.id,
                                                                  SurveyInvitation.wave_id == survey.waves[0].id))
    answering.submit_response(wave=invitation.wave, version=survey.published_version, user=member,
                              invitation=invitation, answers={"safe": Answer(safe, float(safe)),
                                                              "union": Answer("yes"), "voice": Answer("often"),
                                                              "hours": Answer("40", 40.0),
                                                              "comment": Answer(comment)})
    db.session.commit()


def members(create_user, course, prefix: str, n: int) -> list[User]:
    made = [create_user(f"{prefix}{i}", country="PE") for i in range(n)]
    for member in made:
        learning.enrol(member.id, course)
    db.session.commit()
    return made


def published_figures(survey) -> list:
    """Every figure of the results page, as published."""
    db.session.expire_all()
    return [(figure.estimate.value, figure.estimate.n)
            for result in results.indicator_results(survey, list(survey.waves)) for series in result.series
            for figure in series]


def withdraw_over_http(app, username: str, code: str):
    client = app.test_client()
    sign_in(client, username)
    withdraw = f"/surveys/{code}/withdraw"  # the confirmation page's form
    return client.post(withdraw, data={"csrf_token": csrf_token(client, withdraw)},
                       follow_redirects=True)


def responses() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def test_fakes_withdrawing_one_by_one_between_checkpoints_move_no_figure_and_the_checkpoint_moves_it_once(
        app, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(code="s-pseudo", privacy="pseudonymous", course=course, waves=["baseline"])
    for number, stranger in enumerate(members(create_user, course, "stranger", 10)):
        answer(survey, stranger, "5" if number < 2 else "2")
    fakes = members(create_user, course, "fake", FAKES)
    for fake in fakes:
        answer(survey, fake)
    release_any()
    before = published_figures(survey)
    assert responses() == 10 + FAKES
    today = clock.today()
    for fake in fakes:
        page = withdraw_over_http(app, fake.username, survey.code).get_data(as_text=True)
        assert release_at_checkpoints(today) == 0  # the scheduler runs between checkpoints
        assert published_figures(survey) == before  # no re-draw: the same records, the same figures
        assert "still count" in page
    assert responses() == 10 + FAKES
    # The checkpoint: every withdrawal of the period at once, in the release.
    from lms.surveys.withdrawal import next_checkpoint

    release_at_checkpoints(next_checkpoint(today))
    assert responses() == 10
    after = published_figures(survey)
    release_at_checkpoints(next_checkpoint(today))  # a second run at the same checkpoint changes nothing
    assert published_figures(survey) == after


def test_a_pending_withdrawal_is_sealed_to_one_length_with_no_account_pseudonym_or_time_in_clear(
        app, library, create_user, make_survey):
    from lms.models import PendingWithdrawal

    course = learning.find_course(BUNDLED_COURSE)
    surveys = [make_survey(code=f"s-{mode}", privacy=mode, course=course, waves=["baseline"], indicators=False)
               for mode in ("identified", "pseudonymous")]
    people = members(create_user, course, "member", 3)
    for made in surveys:
        for member in people:
            answer(made, member)
    release_any()
    for made in surveys:
        for member in people[:2]:
            withdraw_over_http(app, member.username, made.code)
    columns = {c.name: c for c in PendingWithdrawal.__table__.columns}
    assert set(columns) == {"id", "sealed"}
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM survey_withdrawals")).all()
        if conn.dialect.name == "sqlite":
            created = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'survey_withdrawals'"))
            assert "WITHOUT ROWID" in created.scalar().upper()
    assert len(rows) == 4
    assert len({len(bytes(row.sealed)) for row in rows}) == 1
    pseudonyms = [pseudonym_for(surveys[1], member.id) for member in people]
    for row in rows:
        held = bytes(row.sealed) + str(row.id).encode()
        assert not any(p.encode() in held for p in pseudonyms)
        assert not any(member.username.encode() in held for member in people)
    assert responses() == 6  # nothing is deleted before the checkpoint
    release_any()
    assert responses() == 2
    assert db.session.scalar(select(func.count()).select_from(PendingWithdrawal)) == 0


def test_the_copy_of_ones_data_says_when_withdrawn_answers_are_deleted(app, client, library, create_user,
                                                                      make_survey):
    from lms.surveys.withdrawal import next_checkpoint

    course = learning.find_course(BUNDLED_COURSE)
    survey = make_survey(code="s-pseudo", privacy="pseudonymous", course=course, waves=["baseline"])
    amina, juan = members(create_user, course, "member", 2)
    answer(survey, amina)
    answer(survey, juan)
    release_any()
    page = withdraw_over_http(app, amina.username, survey.code).get_data(as_text=True)
    assert "still count in them" in page
    sign_in(client, amina.username)
    data = client.get("/my-data/export.json").get_json()
    assert [(r["published"], r["withdrawn_deleted_on"]) for r in data["survey_responses"]] == [
        (True, next_checkpoint(clock.today()).isoformat())]
    release_any()
    assert client.get("/my-data/export.json").get_json()["survey_responses"] == []


def test_an_erased_account_with_a_pending_withdrawal_loses_its_responses_at_the_checkpoint(
        app, library, create_user, make_survey):
    from lms.surveys.withdrawal import pending

    course = learning.find_course(BUNDLED_COURSE)
    surveys = [make_survey(code=f"s-{mode}", privacy=mode, course=course, waves=["baseline"], indicators=False)
               for mode in ("identified", "pseudonymous")]
    amina, juan = members(create_user, course, "member", 2)
    for made in surveys:
        answer(made, amina, comment="marker-amina")
        answer(made, juan, comment="marker-juan")
    release_any()
    old_pseudonym = pseudonym_for(surveys[1], amina.id)
    for made in surveys:
        withdraw_over_http(app, amina.username, made.code)
    erase_account(db.session.get(User, amina.id))
    db.session.commit()
    assert responses() == 4  # her answers still count until the checkpoint, as nobody's
    assert all(content["user_id"] is None and content["pseudonym"] != old_pseudonym
               for _request, content in pending())  # re-keyed: no account id nor old pseudonym
    release_any()
    assert responses() == 2
    left = db.session.scalars(select(SurveyResponse)).all()
    assert {r.user_id for r in left if r.user_id is not None} == {juan.id}
    assert old_pseudonym not in {r.pseudonym for r in left}
