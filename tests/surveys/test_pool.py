"""The mixing pool: answers wait sealed, and are published in shuffled batches of at least five of the
same wave, version, country, language and source, each exactly once."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.jobs import JOBS
from lms.learn import services as learning
from lms.models import PooledResponse, SurveyInvitation, SurveyResponse, SurveyWave
from lms.surveys import answering, building, pool, sealing
from lms.surveys.building import QuestionSpec
from lms.surveys.releases import release_answers
from lms.surveys.results import RELEASE_BATCH
from tests.helpers import BUNDLED_COURSE, ROOT, at_once, csrf_token, published_texts, release_any, sign_in

Answer = answering.Answer


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def give(survey, text: str = "", *, country: str = "PE", source: str = "web", **options):
    """One response to the survey's first wave, as a tablet or an import gives it (no invitation)."""
    answers = {"safe": Answer("4", 4.0), "union": Answer("yes"), "voice": Answer("often"),
               "hours": Answer("40", 40.0), "comment": Answer(text)}
    row = answering.submit_response(wave=survey.waves[0], version=survey.published_version, answers=answers,
                                    country=country, source=source, **options)
    db.session.commit()
    return row


@pytest.fixture
def survey(app_ctx, library, make_survey):
    return make_survey(course=learning.find_course(BUNDLED_COURSE), waves=["baseline"])


def test_a_sealed_row_shows_nothing_in_clear_and_one_length_per_survey_version(survey, create_user):
    member = create_user("amina")
    identified = building.create_survey(code="named", title="Named", description="", language="en",
                                        privacy="identified", subject="participant", creator=None)
    building.add_question(identified, QuestionSpec(code="comment", kind="text", label="Anything?", required=False))
    building.publish(identified)
    building.add_wave(identified, kind="baseline", course=survey.waves[0].course)
    db.session.commit()
    short = give(survey, "marker-short")
    long = give(survey, "marker-" + "x" * 800)
    named = answering.submit_response(wave=identified.waves[0], version=identified.published_version,
                                      answers={"comment": Answer("marker-named")}, user=member)
    db.session.commit()
    with db.engine.connect() as conn:
        rows = {uuid.UUID(str(row["id"])).hex: row
                for row in conn.execute(sa.text("SELECT * FROM survey_response_pool")).mappings()}
    assert len(rows) == 3
    sealed = {row_id: bytes(row["sealed"]) for row_id, row in rows.items()}
    for data in sealed.values():
        assert b"marker" not in data and b"answers" not in data and b"user_id" not in data
    # A dozen characters or 800: the same length; only the batch is in clear.
    length = sealing.NONCE_BYTES + 16 + pool.sealed_length(survey.published_version.id)
    assert len(sealed[short.id.hex]) == len(sealed[long.id.hex]) == length
    assert set(next(iter(rows.values())).keys()) == {"id", "wave_id", "version_id", "country", "language", "source",
                                                     "collector_id", "sealed"}
    assert {row["collector_id"] for row in rows.values()} == {None}  # members' own answers: nobody entered them
    # With the key, the server opens them, each in its own batch only.
    content = sealing.unseal(named.sealed, pool.batch_of(named).associated(named.id))
    assert content["user_id"] == member.id and content["answers"][0][1] == "marker-named"
    moved = pool.Batch(short.wave_id, short.version_id, "BJ", short.language, short.source)
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(short.sealed, moved.associated(short.id))
    tampered = bytearray(short.sealed)
    tampered[-1] ^= 1
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(bytes(tampered), pool.batch_of(short).associated(short.id))


def test_the_pool_has_a_random_key_no_time_and_on_sqlite_no_rowid(app_ctx):
    columns = {c.name: c for c in PooledResponse.__table__.columns}
    assert not [c for c in columns.values() if isinstance(c.type, sa.Date | sa.DateTime | sa.Time)]
    assert isinstance(columns["id"].type, sa.Uuid) and columns["id"].primary_key
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            created = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'survey_response_pool'"))
            assert "WITHOUT ROWID" in created.scalar().upper()  # as the migration made it
            with pytest.raises(sa.exc.OperationalError, match="rowid"):
                conn.execute(sa.text("SELECT rowid FROM survey_response_pool"))


def test_a_wrong_key_fails_loudly_and_loses_nothing(survey):
    for n in range(RELEASE_BATCH):
        give(survey, f"marker-{n}")
    key = current_app.config["PSEUDONYM_KEY"]
    current_app.config["PSEUDONYM_KEY"] = "not-the-key-the-answers-were-sealed-with"
    try:
        with pytest.raises(sealing.SealBroken, match="PSEUDONYM_KEY"):
            release_answers()
    finally:
        current_app.config["PSEUDONYM_KEY"] = key
    assert count(PooledResponse) == RELEASE_BATCH and count(SurveyResponse) == 0
    assert release_answers() == RELEASE_BATCH
    assert published_texts() == [f"marker-{n}" for n in range(RELEASE_BATCH)]


def test_a_batch_of_four_is_never_released_and_the_fifth_answer_releases_all(survey):
    for n in range(RELEASE_BATCH - 1):
        give(survey, f"marker-{n}")
    for _run in range(3):
        assert release_answers() == 0
    assert count(SurveyResponse) == 0 and count(PooledResponse) == RELEASE_BATCH - 1
    give(survey, f"marker-{RELEASE_BATCH - 1}")
    assert release_answers() == RELEASE_BATCH
    assert count(PooledResponse) == 0
    responses = list(db.session.scalars(select(SurveyResponse)))
    assert {r.submitted_on for r in responses} == {clock.today()}
    assert published_texts() == [f"marker-{n}" for n in range(RELEASE_BATCH)]


def test_countries_and_sources_are_released_separately(survey):
    for n in range(RELEASE_BATCH):
        give(survey, f"marker-pe-en-{n}")
    for n in range(RELEASE_BATCH - 1):
        give(survey, f"marker-bj-en-{n}", country="BJ")
        give(survey, f"marker-pe-import-{n}", source="import")
    assert release_answers() == RELEASE_BATCH
    assert published_texts() == sorted(f"marker-pe-en-{n}" for n in range(RELEASE_BATCH))
    # One more from Benin releases Benin's five; the four imported ones still wait.
    give(survey, "marker-bj-en-4", country="BJ")
    assert release_answers() == RELEASE_BATCH
    db.session.expire_all()
    assert {(r.country, r.language, r.source) for r in db.session.scalars(select(SurveyResponse))} == {
        ("PE", "en", "web"), ("BJ", "en", "web")}
    assert count(PooledResponse) == RELEASE_BATCH - 1


def test_members_reading_in_five_languages_make_one_batch(client, app, survey, create_user):
    """Outside tester G: nine members of a Peruvian group, reading French, Spanish, Arabic, Khmer and Vietnamese,
    answered; nothing was published, since batches were per reading language and none reached 5. A response now
    keeps the survey's language, the same for all, and the language it was read in nowhere."""
    from tests.helpers import GOOD_ANSWERS

    course = survey.waves[0].course
    for n, language in enumerate(["fr", "es", "ar", "km", "vi"]):
        member = create_user(f"reader{n}", locale=language)
        learning.enrol(member.id, course)
        db.session.commit()
        invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == member.id))
        browser = app.test_client()
        sign_in(browser, f"reader{n}")
        url = f"/surveys/invitations/{invitation.id}"
        browser.post(url, data={"decision": "agree", "csrf_token": csrf_token(browser, url)})
        response = browser.post(f"{url}/answer", data={**GOOD_ANSWERS, "q_comment": f"marker-{language}",
                                                       "csrf_token": csrf_token(browser, f"{url}/answer")})
        assert response.status_code == 302
    with db.engine.connect() as conn:
        assert {row[0] for row in conn.execute(sa.text("SELECT language FROM survey_response_pool"))} == {"en"}
    assert release_any(minimum=RELEASE_BATCH) == RELEASE_BATCH
    assert published_texts() == sorted(f"marker-{language}" for language in ["fr", "es", "ar", "km", "vi"])
    assert set(db.session.scalars(select(SurveyResponse.language))) == {"en"}


def test_two_release_jobs_at_once_publish_each_answer_exactly_once(survey, database_url, tmp_path):
    countries = ["PE", "BJ", "KH", "ID", "VN", "NE", "ML", "TN"]
    for country in countries:
        for n in range(RELEASE_BATCH + 1):
            give(survey, f"marker-{country}-{n}", country=country)
    total = len(countries) * (RELEASE_BATCH + 1)
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
           "PSEUDONYM_KEY": current_app.config["PSEUDONYM_KEY"]}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run-once", "release-answers"]
    runners = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [runner.communicate(timeout=180) for runner in runners]
    assert all(runner.returncode == 0 for runner in runners), outputs
    released = [int(out.split("release-answers: ")[1].split()[0]) for out, _err in outputs]
    assert sum(released) == total, outputs
    assert count(PooledResponse) == 0 and count(SurveyResponse) == total
    assert published_texts() == sorted(f"marker-{c}-{n}" for c in countries for n in range(RELEASE_BATCH + 1))


def test_two_release_jobs_in_threads_never_publish_a_batch_twice(survey, app, data_app):
    """The same race inside one process: two threads, two sessions, one batch."""
    for n in range(2 * RELEASE_BATCH):
        give(survey, f"marker-{n}")
    results = at_once((app, data_app), lambda: release_answers())
    assert sorted(results) == [0, 2 * RELEASE_BATCH]
    assert count(SurveyResponse) == 2 * RELEASE_BATCH and count(PooledResponse) == 0


def test_withdrawing_deletes_the_members_answers_still_waiting(client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    surveys = [make_survey(code=f"s-{mode}", course=course, waves=["baseline"], privacy=mode, indicators=False)
               for mode in ("identified", "pseudonymous")]
    amina, juan = create_user("amina"), create_user("juan")
    for member in (amina, juan):
        learning.enrol(member.id, course)
    db.session.commit()
    for made in surveys:
        for member in (amina, juan):
            invitation = db.session.scalar(select(SurveyInvitation).join(SurveyWave).where(
                SurveyWave.survey_id == made.id, SurveyInvitation.user_id == member.id))
            answering.submit_response(wave=made.waves[0], version=made.published_version,
                                      answers={"safe": Answer("4", 4.0), "union": Answer("yes"),
                                               "voice": Answer("often"), "hours": Answer("40", 40.0),
                                               "comment": Answer(f"marker-{member.username}-{made.privacy}")},
                                      user=member, invitation=invitation)
    db.session.commit()
    assert count(PooledResponse) == 4
    sign_in(client, "amina")
    for made in surveys:
        withdraw = f"/surveys/{made.code}/withdraw"  # the confirmation page's form
        response = client.post(withdraw, data={"csrf_token": csrf_token(client, withdraw)},
                               follow_redirects=True)
        assert "Your answers not yet in the results were deleted now" in response.get_data(as_text=True)
    assert count(PooledResponse) == 2
    release_any()
    assert published_texts() == ["marker-juan-identified", "marker-juan-pseudonymous"]


def test_an_erased_accounts_waiting_identified_answer_goes_with_it(app_ctx, library, create_user, make_survey):
    from lms.privacy.services import erase_account

    course = learning.find_course(BUNDLED_COURSE)
    made = make_survey(course=course, waves=["baseline"], privacy="identified")
    amina = create_user("amina")
    learning.enrol(amina.id, course)
    db.session.commit()
    invitation = db.session.scalar(select(SurveyInvitation))
    answering.submit_response(wave=made.waves[0], version=made.published_version, user=amina,
                              invitation=invitation, answers={"safe": Answer("4", 4.0), "union": Answer("no"),
                                                              "voice": Answer("often"), "hours": Answer("9", 9.0)})
    db.session.commit()
    erase_account(amina)
    db.session.commit()
    assert db.session.scalar(select(sa.func.count()).select_from(PooledResponse)) == 0
    release_any()
    assert db.session.scalar(select(SurveyResponse)) is None


def test_the_copy_of_ones_data_lists_answers_still_waiting(client, library, create_user, make_survey):
    course = learning.find_course(BUNDLED_COURSE)
    made = make_survey(course=course, waves=["baseline"], privacy="pseudonymous")
    amina = create_user("amina")
    learning.enrol(amina.id, course)
    db.session.commit()
    invitation = db.session.scalar(select(SurveyInvitation))
    answering.submit_response(wave=made.waves[0], version=made.published_version, user=amina,
                              invitation=invitation, answers={"safe": Answer("4", 4.0), "union": Answer("no"),
                                                              "voice": Answer("often"), "hours": Answer("9", 9.0)})
    give(made, "marker-someone-else")
    sign_in(client, "amina")
    data = client.get("/my-data/export.json").get_json()
    assert data["survey_responses"] == [{
        "survey": made.code, "privacy": "pseudonymous", "wave": "baseline", "submitted_on": None, "language": "en",
        "country": "PE", "answers": {"safe": "4", "union": "no", "voice": "often", "hours": "9"},
        "published": False, "withdrawn_deleted_on": None}]


def test_batches_that_can_no_longer_reach_five_are_deleted_unpublished(survey, make_survey):
    closed = make_survey(code="closed", course=survey.waves[0].course, waves=["baseline"], indicators=False)
    for n in range(RELEASE_BATCH - 1):
        give(survey, f"marker-old-version-{n}")
        give(closed, f"marker-closed-{n}")
    closed.waves[0].closes_on = clock.today() - timedelta(days=pool.KEEP_AFTER_CLOSE_DAYS - 1)
    db.session.commit()
    assert release_answers() == 0 and count(PooledResponse) == 2 * (RELEASE_BATCH - 1)  # both may still grow
    # A new version, published while the wave is open: it takes effect at the next checkpoint.
    building.update_question(survey, "comment", QuestionSpec(code="comment", kind="text", label="Anything more?",
                                                             required=False))
    building.publish(survey)
    # The closed wave's time for answers collected offline is over.
    closed.waves[0].closes_on = clock.today() - timedelta(days=pool.KEEP_AFTER_CLOSE_DAYS + 1)
    db.session.commit()
    assert release_answers() == 0
    assert count(PooledResponse) == RELEASE_BATCH - 1  # the old version's batch can still grow until then
    # At the checkpoint the new version takes effect: answers to the old one can no longer be joined by others.
    checkpoint = pool.next_checkpoint(clock.today(), current_app.config["RELEASE_EVERY_DAYS"])
    assert JOBS["release-answers"](checkpoint) == 0
    assert count(PooledResponse) == 0 and count(SurveyResponse) == 0


def test_answers_of_a_wave_that_is_gone_are_deleted_unpublished(survey):
    for n in range(RELEASE_BATCH):
        give(survey, f"marker-{n}")
    db.session.execute(sa.delete(SurveyWave))  # SQLite keeps the pool rows (no foreign keys), PostgreSQL not
    db.session.commit()
    assert release_answers() == 0
    assert count(PooledResponse) == 0 and count(SurveyResponse) == 0


def test_an_import_is_sealed_all_or_nothing_and_released_by_batches(survey):
    from io import BytesIO

    from lms.surveys.response_import import ResponseImportError, import_responses

    rows = "".join(f"4,yes,often,40,marker-{n}\n" for n in range(7))
    bad = f"safe,union,voice,hours,comment\n{rows}9,yes,often,40,marker-bad\n"
    with pytest.raises(ResponseImportError):
        import_responses(survey.waves[0], BytesIO(bad.encode()), "kobo.csv", keyless=True)
    db.session.rollback()
    assert count(PooledResponse) == 0
    assert import_responses(survey.waves[0], BytesIO(f"safe,union,voice,hours,comment\n{rows}".encode()),
                            "kobo.csv", keyless=True).new == 7
    db.session.commit()
    give(survey, "marker-web")  # a web answer is a batch of its own: "web" is written in clear
    assert count(PooledResponse) == 8 and count(SurveyResponse) == 0
    assert release_answers() == 7
    assert published_texts() == sorted(f"marker-{n}" for n in range(7))
    assert {r.source for r in db.session.scalars(select(SurveyResponse))} == {"import"}
    assert len({r.id for r in db.session.scalars(select(SurveyResponse))}) == 7
    assert all(isinstance(r.id, uuid.UUID) for r in db.session.scalars(select(SurveyResponse)))
