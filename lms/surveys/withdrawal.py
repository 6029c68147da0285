"""Withdrawing from a survey: her answers still waiting go at once, her published responses at the next checkpoint.

Published figures move only when a checkpoint's release publishes answers (lms/surveys/pool.py). If a withdrawal
deleted published responses at once, each one would draw the figures' rounding afresh (lms/disclosure.py): fake
respondents withdrawing one by one would re-draw a figure once per account, and enough readings give a small
count exactly. So a withdrawal deletes at once only her answers still waiting in the pool (they count in no
figure), and writes a sealed request for the rest: the release at the next checkpoint opens every request due and
deletes the responses each names, in the transaction that publishes the checkpoint's answers, so the figures move
once per checkpoint whatever the number of withdrawals, and no database reader sees which published responses a
request names before they go. Until then her published answers still count (the confirmation says so).

A request is sealed like a pool row (lms/surveys/sealing.py): a random id, no time column, and the survey, the
account (identified surveys) or pseudonym (pseudonymous ones) and the day of the checkpoint sealed, padded to one
length. Erasure re-keys a pending request with her responses (lms/privacy/services.py ``forget_survey_answers``).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select

from lms import clock
from lms.database import storage
from lms.extensions import db
from lms.models import PendingWithdrawal, Survey, SurveyAnswer, SurveyInvitation, SurveyResponse, SurveyWave, User
from lms.surveys import indicator_sums, pool
from lms.surveys.answering import pseudonym_for
from lms.surveys.sealing import as_json, pool_key, seal, unseal

#: Every sealed request is padded to this length: that of the widest survey id, account id, pseudonym and day.
SEALED_LENGTH = len(as_json({"survey_id": pool.WIDEST_INT, "user_id": pool.WIDEST_INT,
                             "pseudonym": pool.WIDEST_CHAR * pool.PSEUDONYM_CHARS, "due_on": "9999-12-31"})) + 1


@dataclass(frozen=True)
class Withdrawn:
    #: Her answers still waiting in the pool, deleted now.
    deleted: int
    #: The day of the checkpoint whose release deletes her published responses; None for an anonymous survey.
    published_deleted_on: date | None


def associated(request_id: uuid.UUID) -> bytes:
    """What a request is sealed with: its id and what it is, so that neither a pool row nor another request's
    content opens in its place."""
    return f"withdrawal|{request_id.hex}".encode()


def next_checkpoint(today: date) -> date:
    """The first checkpoint after ``today``: a withdrawal made today reaches the published responses then."""
    every_days = current_app.config["RELEASE_EVERY_DAYS"]
    return pool.last_checkpoint(today, every_days) + timedelta(days=every_days)


def whose(survey: Survey, user: User) -> dict:
    """What names the member's responses to ``survey`` in a request: her account or her pseudonym."""
    if survey.privacy == "identified":
        return {"user_id": user.id, "pseudonym": None}
    return {"user_id": None, "pseudonym": pseudonym_for(survey, user.id)}


def write_request(content: dict, request_id: uuid.UUID | None = None) -> PendingWithdrawal:
    """Seal ``content`` (survey_id, user_id, pseudonym, due_on) into a request; flushes."""
    request = PendingWithdrawal(id=request_id or uuid.uuid4())
    request.sealed = seal(content, associated(request.id), SEALED_LENGTH)
    db.session.add(request)
    db.session.flush()
    return request


def withdraw(survey: Survey, user: User, today: date | None = None) -> Withdrawn:
    """Stop every wave of the survey for this member; delete now her answers still waiting in the pool, and ask
    the next checkpoint's release to delete her published ones (identified and pseudonymous surveys); flushes."""
    today = today or clock.today()
    waves = select(SurveyWave.id).where(SurveyWave.survey_id == survey.id)
    deleted, deleted_on = 0, None
    if survey.privacy != "anonymous":
        hers = whose(survey, user)
        deleted = pool.remove_waiting(waves, lambda _row, content: (
            content["user_id"] == hers["user_id"] if hers["user_id"] is not None
            else content["pseudonym"] == hers["pseudonym"]))
        deleted_on = next_checkpoint(today)
        # Written whether or not she has published responses: a request says nothing of what it will find.
        write_request({"survey_id": survey.id, **hers, "due_on": deleted_on.isoformat()})
    db.session.execute(sa.update(SurveyInvitation).where(SurveyInvitation.wave_id.in_(waves),
                                                         SurveyInvitation.user_id == user.id)
                       .values(consent="withdrawn").execution_options(synchronize_session=False))
    db.session.flush()
    db.session.expire_all()
    return Withdrawn(deleted, deleted_on)


def pending() -> list[tuple[PendingWithdrawal, dict]]:
    """Every pending request, opened: ``SealBroken`` if one does not open (another key)."""
    key = pool_key()
    return [(request, unseal(request.sealed, associated(request.id), key))
            for request in db.session.scalars(select(PendingWithdrawal))]


def carry_out(due_by: date | None = None) -> int:
    """Delete the published responses named by every pending request due by ``due_by`` (every one if None), and
    the requests; how many responses went; flushes. Run by the release, in its transaction.

    Only the requests this call actually deleted are carried out: a second runner at the same time deletes none.
    """
    opened = {request.id: content for request, content in pending()
              if due_by is None or date.fromisoformat(content["due_on"]) <= due_by}
    if not opened:
        return 0
    taken = db.session.execute(sa.delete(PendingWithdrawal).where(PendingWithdrawal.id.in_(list(opened)))
                               .returning(PendingWithdrawal.id).execution_options(synchronize_session=False)
                               ).scalars().all()
    deleted = sum(delete_published(opened[request_id]) for request_id in taken)
    if taken:  # the deleted responses' and requests' old versions, in the files until cleaned
        storage.after_commit(storage.PUBLISHED)
    db.session.flush()
    return deleted


def delete_published(content: dict) -> int:
    """Delete the published responses (and their answers) a request names."""
    waves = select(SurveyWave.id).where(SurveyWave.survey_id == content["survey_id"])
    named = (SurveyResponse.user_id == content["user_id"] if content["user_id"] is not None
             else SurveyResponse.pseudonym == content["pseudonym"])
    ids = list(db.session.scalars(select(SurveyResponse.id).where(SurveyResponse.wave_id.in_(waves), named)))
    if not ids:
        return 0
    db.session.execute(sa.delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(ids))
                       .execution_options(synchronize_session=False))
    indicator_sums.stale(db.session.scalars(waves).all())
    return db.session.execute(sa.delete(SurveyResponse).where(SurveyResponse.id.in_(ids))
                              .execution_options(synchronize_session=False)).rowcount


def pending_of(user: User) -> dict[int, date]:
    """The surveys the member has withdrawn from whose published responses are still to go: survey id -> the day
    they go (for her copy of her data)."""
    surveys = {s.id: s for s in db.session.scalars(select(Survey).where(Survey.privacy != "anonymous"))}
    found = {}
    for _request, content in pending():
        survey = surveys.get(content["survey_id"])
        if survey is not None and {k: content[k] for k in ("user_id", "pseudonym")} == whose(survey, user):
            found[survey.id] = date.fromisoformat(content["due_on"])
    return found


def rekey(renamed, is_hers) -> None:
    """Erasure: the member's pending requests name her responses' new pseudonym (``renamed(survey_id)``) instead of
    her account or old pseudonym, so they still delete them at the checkpoint; every request is sealed again
    under a new nonce, so that hers are not the only ones written; flushes."""
    requests = pending()
    if not any(is_hers(content) for _request, content in requests):
        return
    for request, content in requests:
        if is_hers(content):
            content = {**content, "user_id": None, "pseudonym": renamed(content["survey_id"])}
        request.sealed = seal(content, associated(request.id), SEALED_LENGTH)
    storage.after_commit(storage.PUBLISHED)
    db.session.flush()
