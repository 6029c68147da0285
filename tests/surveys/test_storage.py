"""What the database's storage keeps of answers: each test is an attack by someone holding the database with
its system columns, the SQLite file with its ``-wal``, or PostgreSQL's pages (pageinspect).

- every sealed row of a survey version has one length, whatever was answered (a long free-text answer
  would otherwise single out its pool row, and the pool row its invitation);
- after a withdrawal, an erasure or a release, no old version of a row is left in the files: no byte of a
  withdrawn or erased answer, no dead row version whose ``xmax`` ties it to the member's invitation;
- an erasure writes every response of the surveys concerned, not hers alone, so that the ``xmin`` of the
  tombstone does not point at her responses.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import make_url

from lms.extensions import db
from lms.learn import services as learning
from lms.models import PooledResponse, SurveyInvitation, SurveyWave
from lms.models.surveys import MAX_NUMBER_CHARS, MAX_TEXT_CHARS
from lms.privacy.services import erase_account
from lms.surveys import answering, pool, sealing
from tests.helpers import BUNDLED_COURSE, csrf_token, dead_versions, dialect, release_any, sign_in
from tests.surveys.helpers import members_answer

Answer = answering.Answer
PUBLISHED = ("survey_responses", "survey_answers", "survey_response_pool")


def database_files() -> bytes:
    """The SQLite file and its -wal as a copy of the disk holds them (read by another process: see
    tests/privacy/test_unlinkable.py on POSIX locks)."""
    path = Path(make_url(str(db.engine.url)).database)
    files = [str(p) for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]
    return subprocess.run(["cat", *files], check=True, capture_output=True).stdout


def raw_pages(table: str) -> bytes:
    """Every page of a PostgreSQL table as its file holds it."""
    with db.engine.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        pages = conn.execute(sa.text(
            "SELECT get_raw_page(CAST(:t AS text), n::int) "
            "FROM generate_series(0, pg_relation_size(:t) / 8192 - 1) AS n"),
            {"t": table}).scalars().all()
        conn.commit()
    return b"".join(bytes(page) for page in pages)


def stored_anywhere(marker: bytes) -> list[str]:
    """Where ``marker`` is in the database's storage: the SQLite files, or PostgreSQL's raw pages of the
    survey tables."""
    db.session.commit()
    if dialect() == "sqlite":
        return ["the SQLite file or its -wal"] if marker in database_files() else []
    return [table for table in PUBLISHED if marker in raw_pages(table)]


@pytest.fixture(autouse=True)
def patient_clean_up(monkeypatch):
    """Clean-ups wait up to a minute for older transactions, not two seconds: the other pytest worker's tests
    run on the same PostgreSQL server, and one of its transactions open for longer (a summary built in one)
    would leave the old versions to the next clean-up, which these tests do not wait for."""
    from lms.database import storage

    monkeypatch.setattr(storage, "SNAPSHOT_WAIT_SECONDS", 60.0)


@pytest.fixture
def course(app_ctx, library):
    return learning.find_course(BUNDLED_COURSE)


def test_every_sealed_row_of_a_version_has_one_length_whatever_was_answered(course, make_survey):
    made = make_survey(course=course, waves=["baseline"])
    version = made.published_version
    questions = {q.code: q for q in version.questions}
    texts = ["", "ok", "x" * MAX_TEXT_CHARS, "\U0001F600" * MAX_TEXT_CHARS, '"\\' * (MAX_TEXT_CHARS // 2),
             "a\u0301\n\t" * (MAX_TEXT_CHARS // 4), "l\u2028ínea " * 250, "Здравствуйте, 工会"]
    numbers = ["0", "1e300", "-" + "0." + "0" * (MAX_NUMBER_CHARS - 4) + "1", "99.5"]
    lengths = set()
    for text in texts:
        for number in numbers:
            raw = {"safe": "5", "union": "no", "voice": "never", "issues": "wages safety hours", "hours": number,
                   "comment": text}
            questions["hours"].min_value = questions["hours"].max_value = None  # unbounded: 1e300 in full too
            answers = {code: answering.check_answer(questions[code], value) for code, value in raw.items()}
            row = answering.submit_response(wave=made.waves[0], version=version, answers=answers,
                                            country="PE", source="import")
            lengths.add(len(row.sealed))
    db.session.rollback()
    assert len(lengths) == 1, sorted(lengths)
    # Nothing longer gets in: a form, a tablet and an import all check answers with check_answer.
    for too_long, code in (("x" * (MAX_TEXT_CHARS + 1), "comment"), ("1" * (MAX_NUMBER_CHARS + 1), "hours")):
        with pytest.raises(ValueError):
            answering.check_answer(questions[code], too_long)
    for unstorable in ("a\0b", "a\x1bb", "a\ud800b"):
        with pytest.raises(ValueError, match="control character"):
            answering.check_answer(questions["comment"], unstorable)
    # And if code ever sealed more than the bound, it would refuse, not seal a longer row.
    with pytest.raises(sealing.TooLong):
        pool.add(wave_id=made.waves[0].id, version_id=version.id, country="PE", language="en", source="web",
                 answers=[(questions["comment"].id, "\0" * pool.sealed_length(version.id), None)])
    db.session.rollback()


def test_a_long_answer_is_refused_with_a_message_and_changes_nothing(client, course, create_user, make_survey):
    made = make_survey(course=course, waves=["baseline"])
    member = create_user("amina")
    learning.enrol(member.id, course)
    db.session.commit()
    invitation = db.session.scalar(select(SurveyInvitation).join(SurveyWave).where(SurveyWave.survey_id == made.id))
    sign_in(client, "amina")
    consent = f"/surveys/invitations/{invitation.id}"
    client.post(consent, data={"decision": "agree", "csrf_token": csrf_token(client, consent)})
    path = f"{consent}/answer"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "q_safe": "4", "q_union": "yes",
                                       "q_voice": "often", "q_hours": "40", "q_comment": "x" * (MAX_TEXT_CHARS + 1)})
    assert response.status_code == 400
    assert "characters or fewer" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(sa.func.count()).select_from(PooledResponse)) == 0


def test_a_withdrawn_answer_leaves_no_byte_and_no_dead_row_version(client, course, create_user, make_survey):
    made = make_survey(code="s-pseudo", course=course, waves=["baseline"], privacy="pseudonymous", indicators=False)
    members = [create_user(f"member{i}") for i in range(6)]
    for member in members:
        learning.enrol(member.id, course)
    db.session.commit()
    members_answer(made, members, lambda member: f"withdrawn-marker-{member.username}")
    release_any()
    assert stored_anywhere(b"withdrawn-marker-member3")  # published: in the files, as it must be
    sign_in(client, "member3")
    # No transaction of the test's own is open (a snapshot it held would keep the old versions alive: the
    # clean-up's limit, docs/privacy.md).
    withdraw = "/surveys/s-pseudo/withdraw"  # the confirmation page's form
    response = client.post(withdraw, data={"csrf_token": csrf_token(client, withdraw)})
    assert response.status_code == 302
    release_any()  # the withdrawal reaches published answers with the release
    assert stored_anywhere(b"withdrawn-marker-member3") == []
    assert stored_anywhere(b"withdrawn-marker-member2")  # the others' answers stay
    if dialect() == "postgresql":
        for table in PUBLISHED:
            assert dead_versions(table) == [], table


def test_a_withdrawn_answer_still_waiting_leaves_no_dead_pool_row(client, course, create_user, make_survey):
    made = make_survey(code="s-named", course=course, waves=["baseline"], privacy="identified", indicators=False)
    members = [create_user(f"member{i}") for i in range(2)]
    for member in members:
        learning.enrol(member.id, course)
    db.session.commit()
    members_answer(made, members, lambda member: f"marker-{member.username}")
    sign_in(client, "member1")
    db.session.commit()
    client.post("/surveys/s-named/withdraw", data={"csrf_token": csrf_token(client, "/surveys/s-named/withdraw")})
    assert db.session.scalar(select(sa.func.count()).select_from(PooledResponse)) == 1
    if dialect() == "postgresql":
        # A dead pool row's xmax would be the xmin of her invitation rows, written by the same withdrawal.
        assert dead_versions("survey_response_pool") == []
    else:
        assert stored_anywhere(b"marker-member1") == []


def test_after_a_release_no_old_pool_row_is_left_in_the_files(course, make_survey):
    made = make_survey(course=course, waves=["baseline"])
    sealed = []
    for number in range(5):
        row = answering.submit_response(wave=made.waves[0], version=made.published_version,
                                        answers={"safe": Answer("4", 4.0), "union": Answer("yes"),
                                                 "voice": Answer("often"), "hours": Answer(str(number), number)},
                                        country="PE")
        sealed.append(bytes(row.sealed)[:64])
    db.session.commit()
    assert release_any() == 5
    db.session.commit()
    if dialect() == "postgresql":
        assert dead_versions("survey_response_pool") == []
    for data in sealed:
        assert stored_anywhere(data) == []


def test_an_erasure_marks_every_response_of_the_survey_alike_and_leaves_no_old_pseudonym(
        course, create_user, make_survey):
    made = make_survey(code="s-pseudo", course=course, waves=["baseline", "endline"], privacy="pseudonymous",
                       indicators=False)
    others = make_survey(code="s-other", course=course, waves=["baseline"], privacy="pseudonymous",
                         indicators=False)
    members = [create_user(f"member{i}") for i in range(6)]
    for member in members:
        learning.enrol(member.id, course)
    db.session.commit()
    members_answer(made, members, lambda member: f"erased-marker-{member.username}")
    members_answer(others, members[1:], lambda member: "")
    release_any()
    rosa = members[0]
    old_pseudonym = answering.pseudonym_for(made, rosa.id).encode()
    assert stored_anywhere(old_pseudonym) and stored_anywhere(b"erased-marker-member0")
    erase_account(rosa)
    db.session.commit()
    assert stored_anywhere(old_pseudonym) == []
    assert stored_anywhere(b"erased-marker-member0") == []
    assert stored_anywhere(b"erased-marker-member1")
    if dialect() != "postgresql":
        return
    for table in PUBLISHED:
        assert dead_versions(table) == [], table
    with db.engine.connect() as conn:
        tombstone = conn.execute(sa.text("SELECT xmin::text FROM users WHERE id = :id"), {"id": rosa.id}).scalar()
        for table, survey_of in (
                ("survey_responses", "SELECT w.survey_id FROM survey_waves w WHERE w.id = t.wave_id"),
                ("survey_answers", "SELECT w.survey_id FROM survey_responses r JOIN survey_waves w "
                                   "ON w.id = r.wave_id WHERE r.id = t.response_id")):
            rows = conn.execute(sa.text(f"SELECT ({survey_of}) AS survey, t.xmin::text AS xmin FROM {table} t")).all()
            for survey in {row.survey for row in rows}:
                marks = [row.xmin == tombstone for row in rows if row.survey == survey]
                assert all(marks) or not any(marks), (table, survey)
