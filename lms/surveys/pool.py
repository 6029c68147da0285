"""The mixing pool: a response waits here, sealed, until its batch holds at least RELEASE_BATCH of them and
its wave's release is due; then the whole batch is published at once, shuffled, under new random ids and one
date, the day of release.

An open wave's release is due once per checkpoint, every RELEASE_EVERY_DAYS days on a calendar only the
server's settings move, and a closed wave's at once: answers given after a checkpoint's release wait for the
next checkpoint, whether or not their batch has grown to RELEASE_BATCH. Without checkpoints, whoever watches
the pool could fill a batch that holds one stranger's answer with four of their own (docs/privacy.md).

A batch is the responses of one wave and version, from one country, from one source (web or import), in
the survey's own language (the language it was read in is kept nowhere, so readers of five languages share
one): everything a published response shows in clear besides its answers, so no response of a batch can be
told apart from the others by its columns. Answers entered on a tablet are batched per account
that entered them, too: another trainer's entries cannot make up a batch around one worker's. Whoever reads
the database, a backup or the logs can then tie an answer to no fewer than RELEASE_BATCH respondents
(docs/privacy.md).

A new version of a survey takes effect at the next checkpoint while the survey has an open wave
(lms/surveys/building.py ``publish``): every answer of a checkpoint period is then of one version, and its batch
holds every respondent of the period, however often the author publishes.

A batch that can no longer reach RELEASE_BATCH is deleted unpublished: its wave or version is gone, its
version is no longer in effect (new answers take the newer one; at a checkpoint, after that checkpoint's
release), or its wave closed more than KEEP_AFTER_CLOSE_DAYS ago (time for answers collected offline to be
imported).
"""
from __future__ import annotations

import secrets
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from lms.database import storage
from lms.extensions import db
from lms.models import PooledResponse, SurveyAnswer, SurveyQuestion, SurveyResponse, SurveyVersion, SurveyWave
from lms.models.record_keys import new_record_key
from lms.models.surveys import MAX_NUMBER_CHARS, MAX_TEXT_CHARS
from lms.surveys import indicator_sums
from lms.surveys.results import RELEASE_BATCH
from lms.surveys.sealing import as_json, pool_key, seal, unseal

#: A closed wave's answers still short of a batch wait this long for answers collected offline.
KEEP_AFTER_CLOSE_DAYS = 30
#: Rows per INSERT when a batch is published (SQLite limits the parameters of one statement).
INSERT_CHUNK = 200
#: The longest a number's text can be: as typed (MAX_NUMBER_CHARS), or a whole number written out in full.
NUMBER_CHARS = max(MAX_NUMBER_CHARS, len(str(int(-sys.float_info.max))))
#: Pseudonyms are 32 hexadecimal characters (lms/surveys/answering.py, and erasure's new ones).
PSEUDONYM_CHARS = 32
#: The longest JSON of each part of a sealed response: a character written \u0000 (6 bytes, more than any
#: character takes in UTF-8 or escaped), an integer wider than 64 bits, the longest float.
WIDEST_CHAR, WIDEST_INT, WIDEST_FLOAT = "\0", -(10 ** 19), -1.2345678901234567e-308


class BatchTooSmall(Exception):
    """Fewer than the minimum were taken from the pool (another runner took them first): roll back."""


@dataclass(frozen=True)
class Batch:
    """What a response shows in clear besides its answers; responses are published per batch."""

    wave_id: int
    version_id: int
    country: str | None
    language: str
    source: str
    #: Who entered the answers on a tablet; None for a member's own answers and for imports.
    collector_id: int | None = None

    def rows(self):
        """SQL: the pool rows of this batch."""
        country = (PooledResponse.country.is_(None) if self.country is None
                   else PooledResponse.country == self.country)
        collector = (PooledResponse.collector_id.is_(None) if self.collector_id is None
                     else PooledResponse.collector_id == self.collector_id)
        return sa.and_(PooledResponse.wave_id == self.wave_id, PooledResponse.version_id == self.version_id,
                       country, PooledResponse.language == self.language, PooledResponse.source == self.source,
                       collector)

    def associated(self, row_id: uuid.UUID) -> bytes:
        """The associated data a row is sealed with: its id and batch, so it opens nowhere else."""
        fields = (row_id.hex, self.wave_id, self.version_id, self.country or "", self.language, self.source)
        if self.collector_id is not None:  # rows sealed before collectors were kept have none
            fields += (f"collector {self.collector_id}",)
        return "|".join(str(field) for field in fields).encode()


def batch_of(row: PooledResponse) -> Batch:
    return Batch(row.wave_id, row.version_id, row.country, row.language, row.source, row.collector_id)


def answer_chars(question: SurveyQuestion) -> int:
    """The most characters an answer to ``question`` can hold (lms/surveys/answering.py ``check_answer``)."""
    if question.kind == "text":
        return MAX_TEXT_CHARS
    if question.kind == "number":
        return NUMBER_CHARS
    if question.kind == "date":
        return len("2000-01-01")
    if not question.answered:
        return 0
    codes = question.choice_codes
    if question.kind == "multiple":
        return len(" ".join(codes))
    return max((len(code) for code in codes), default=0)


def sealed_length(version_id: int) -> int:
    """The length every response to this version is padded to before sealing: that of the longest content its
    questions allow, so that a sealed row's length says nothing of what it holds."""
    version = db.session.get(SurveyVersion, version_id)
    widest = {"answers": [[WIDEST_INT, WIDEST_CHAR * answer_chars(question), WIDEST_FLOAT]
                          for question in version.questions],
              "user_id": WIDEST_INT, "pseudonym": WIDEST_CHAR * PSEUDONYM_CHARS}
    return len(as_json(widest)) + 1


def add(*, wave_id: int, version_id: int, country: str | None, language: str, source: str,
        answers: Iterable[tuple[int, str, float | None]], user_id: int | None = None,
        pseudonym: str | None = None, collector_id: int | None = None) -> PooledResponse:
    """Seal one response into the pool: answers as (question id, value, number); flushes."""
    row = PooledResponse(id=uuid.uuid4(), wave_id=wave_id, version_id=version_id, country=country,
                         language=language, source=source, collector_id=collector_id)
    row.sealed = seal({"answers": [list(a) for a in answers], "user_id": user_id, "pseudonym": pseudonym},
                      batch_of(row).associated(row.id), sealed_length(version_id))
    db.session.add(row)
    db.session.flush()
    return row


def last_checkpoint(today: date, every_days: int) -> date:
    """The latest checkpoint on or before ``today``: one every ``every_days`` days counted from Monday 1 January of
    year 1 (so on Mondays for a week), the same for every wave and every runner."""
    return date.fromordinal((today.toordinal() - 1) // every_days * every_days + 1)


def next_checkpoint(today: date, every_days: int) -> date:
    """The first checkpoint after ``today``."""
    return last_checkpoint(today, every_days) + timedelta(days=every_days)


def claim_releases(checkpoint: date, today: date) -> set[int]:
    """Mark released ``today`` every open wave not released since ``checkpoint``; the ids of the waves this call
    marked (a second runner at the same time marks none of them), whose batches it then releases; flushes."""
    still_open = sa.or_(SurveyWave.closes_on.is_(None), SurveyWave.closes_on >= today)
    claimed = db.session.execute(sa.update(SurveyWave).where(SurveyWave.released_on < checkpoint, still_open)
                                 .values(released_on=today).returning(SurveyWave.id)
                                 .execution_options(synchronize_session=False)).scalars().all()
    db.session.flush()
    return set(claimed)


def closed_waves(today: date) -> set[int]:
    """The waves whose last day has passed: no more answers from the web, their batches are released at once."""
    return set(db.session.scalars(select(SurveyWave.id).where(SurveyWave.closes_on < today)))


def release_note(every_days: int, batch: int = RELEASE_BATCH) -> str:
    """What pages tell members and staff of when answers reach the results."""
    if every_days == 7:
        return _("Answers are added to the results once a week and when the wave closes, in batches of at least "
                 "%(n)d from the same wave and country, so that no figure moves with one person's "
                 "answer: the latest answers may not be counted yet.", n=batch)
    return ngettext("Answers are added to the results every %(num)d day and when the wave closes, in batches of at "
                    "least %(n)d from the same wave and country, so that no figure moves with one "
                    "person's answer: the latest answers may not be counted yet.",
                    "Answers are added to the results every %(num)d days and when the wave closes, in batches of "
                    "at least %(n)d from the same wave and country, so that no figure moves with one "
                    "person's answer: the latest answers may not be counted yet.", every_days, n=batch)


def waiting_batches() -> list[tuple[Batch, int]]:
    """Every batch with answers waiting, and how many; only those whose wave and version still exist."""
    columns = (PooledResponse.wave_id, PooledResponse.version_id, PooledResponse.country, PooledResponse.language,
               PooledResponse.source, PooledResponse.collector_id)
    query = (select(*columns, func.count()).join(SurveyWave, SurveyWave.id == PooledResponse.wave_id)
             .join(SurveyVersion, SurveyVersion.id == PooledResponse.version_id).group_by(*columns))
    found = [(Batch(*row[:6]), row[6]) for row in db.session.execute(query)]
    return sorted(found, key=lambda item: (item[0].wave_id, item[0].version_id, item[0].country or "",
                                           item[0].language, item[0].source, item[0].collector_id or 0))


def release_batch(batch: Batch, today: date, minimum: int = RELEASE_BATCH) -> int:
    """Publish every answer waiting in ``batch``: shuffled, new ids, all dated ``today``; flushes.

    The rows are deleted first and only those this call actually deleted are published: if another runner
    took some of them, fewer than ``minimum`` remain and ``BatchTooSmall`` asks the caller to roll back.
    ``minimum`` below RELEASE_BATCH is for tests only.
    """
    taken = db.session.execute(sa.delete(PooledResponse).where(batch.rows())
                               .returning(PooledResponse.id, PooledResponse.sealed)
                               .execution_options(synchronize_session=False)).all()
    storage.after_commit(storage.POOL)  # the deleted rows' old versions, once published
    if len(taken) < max(minimum, 1):
        raise BatchTooSmall(len(taken))
    key = pool_key()
    contents = [unseal(sealed, batch.associated(row_id), key) for row_id, sealed in taken]
    contents = without_second_answers(batch.wave_id, contents)
    if len(contents) < max(minimum, 1):
        raise BatchTooSmall(len(contents))
    secrets.SystemRandom().shuffle(contents)
    responses, answers = [], []
    for content in contents:
        response_id = uuid.uuid4()
        responses.append({"id": response_id, "wave_id": batch.wave_id, "version_id": batch.version_id,
                          "user_id": content["user_id"], "pseudonym": content["pseudonym"],
                          "language": batch.language, "country": batch.country, "submitted_on": today,
                          "source": batch.source, "record_key": new_record_key()})
        answers.extend({"response_id": response_id, "question_id": question_id, "value": value, "number": number}
                       for question_id, value, number in content["answers"])
    # In the shuffled order, in explicit statements: the order rows are stored in is the shuffle's.
    for table, rows in ((SurveyResponse.__table__, responses), (SurveyAnswer.__table__, answers)):
        for start in range(0, len(rows), INSERT_CHUNK):
            db.session.execute(sa.insert(table).values(rows[start:start + INSERT_CHUNK]))
    indicator_sums.stale([batch.wave_id])
    return len(responses)


def without_second_answers(wave_id: int, contents: list[dict]) -> list[dict]:
    """Drop a second answer of one account or pseudonym to a wave (the invitation's claim prevents them;
    this keeps the table's one-answer rule from failing a whole batch)."""
    taken_users = set(db.session.scalars(select(SurveyResponse.user_id).where(
        SurveyResponse.wave_id == wave_id, SurveyResponse.user_id.is_not(None))))
    taken_pseudonyms = set(db.session.scalars(select(SurveyResponse.pseudonym).where(
        SurveyResponse.wave_id == wave_id, SurveyResponse.pseudonym.is_not(None))))
    kept = []
    for content in contents:
        user_id, pseudonym = content["user_id"], content["pseudonym"]
        if (user_id is not None and user_id in taken_users) or (
                pseudonym is not None and pseudonym in taken_pseudonyms):
            continue
        taken_users.add(user_id)
        taken_pseudonyms.add(pseudonym)
        kept.append(content)
    return kept


def discard_stale(today: date, minimum: int = RELEASE_BATCH) -> int:
    """Delete, unpublished, the waiting answers of batches that can no longer reach ``minimum``; flushes."""
    # SQLite does not enforce the foreign keys that delete them with their wave or version.
    discarded = db.session.execute(sa.delete(PooledResponse).where(sa.or_(
        PooledResponse.wave_id.not_in(select(SurveyWave.id)),
        PooledResponse.version_id.not_in(select(SurveyVersion.id)))).execution_options(
        synchronize_session=False)).rowcount
    for batch, count in waiting_batches():
        if count >= minimum:
            continue
        wave = db.session.get(SurveyWave, batch.wave_id)
        in_effect = wave.survey.version_in_effect(today)
        closed = wave.closes_on is not None and wave.closes_on + timedelta(days=KEEP_AFTER_CLOSE_DAYS) < today
        if closed or in_effect is None or in_effect.id != batch.version_id:
            discarded += db.session.execute(sa.delete(PooledResponse).where(batch.rows()).execution_options(
                synchronize_session=False)).rowcount
    if discarded:
        storage.after_commit(storage.POOL)
    db.session.flush()
    return discarded


def find_waiting(wave_ids, match: Callable[[PooledResponse, dict], bool]) -> list[tuple[PooledResponse, dict]]:
    """The waiting rows of these waves for which ``match(row, opened content)`` holds, each with its content."""
    key = pool_key()
    found = []
    for row in db.session.scalars(select(PooledResponse).where(PooledResponse.wave_id.in_(wave_ids))):
        content = unseal(row.sealed, batch_of(row).associated(row.id), key)
        if match(row, content):
            found.append((row, content))
    return found


def remove_waiting(wave_ids, match: Callable[[PooledResponse, dict], bool]) -> int:
    """Delete the waiting answers of these waves that ``match`` (a member withdrawing); flushes."""
    rows = [row for row, _content in find_waiting(wave_ids, match)]
    for row in rows:
        db.session.delete(row)
    if rows:
        storage.after_commit(storage.POOL)
    db.session.flush()
    return len(rows)


def reseal(rows: list[tuple[PooledResponse, dict]]) -> None:
    """Seal again each row with its new content, under a new nonce (erasure makes a member's answers
    nobody's, and reseals every row of the waves concerned so that hers are not the only ones written); flushes."""
    for row, content in rows:
        row.sealed = seal(content, batch_of(row).associated(row.id), sealed_length(row.version_id))
    if rows:
        storage.after_commit(storage.POOL)
    db.session.flush()
