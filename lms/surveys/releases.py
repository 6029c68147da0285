"""Publishing the answers waiting in the pool: at each checkpoint (the scheduler), or at once (the operator's
``flask jobs run-once release-answers``). Each batch is published in its own transaction, so these commit."""
from __future__ import annotations

import logging
from datetime import date

from flask import current_app

from lms import clock
from lms.database import storage
from lms.extensions import db
from lms.surveys import kept_figures, pool, withdrawal
from lms.surveys.results import RELEASE_BATCH

log = logging.getLogger(__name__)


def release_answers(today: date | None = None, minimum: int = RELEASE_BATCH) -> int:
    """Publish now every batch of at least ``minimum`` answers waiting in the pool, without waiting for a
    checkpoint: the operator's ``flask jobs run-once release-answers``, the demo's and the tests' release. It
    counts as this checkpoint's release of every open wave, and carries out every pending withdrawal.
    ``minimum`` below RELEASE_BATCH: tests only."""
    today = today or clock.today()
    pool.claim_releases(today, today)
    db.session.commit()
    return publish_batches(pool.waiting_batches(), today, minimum, withdrawals_due_by=None)


def release_at_checkpoints(today: date | None = None) -> int:
    """The scheduler's release-answers job: an open wave's batches of at least RELEASE_BATCH are published at the
    first run after each checkpoint (every RELEASE_EVERY_DAYS days), a closed wave's at every run (answers
    imported late). Smaller batches, and answers given after their wave's release, wait for the next checkpoint.
    Withdrawals are carried out at the first run on or after the checkpoint they wait for, with its release.

    Two runners at once: whichever marks a wave released publishes its batches; of a closed wave's batch,
    whichever deletes its rows first."""
    today = today or clock.today()
    checkpoint = pool.last_checkpoint(today, current_app.config["RELEASE_EVERY_DAYS"])
    due = pool.claim_releases(checkpoint, today)
    db.session.commit()  # the claim first: a run that fails after it waits for the next checkpoint
    due |= pool.closed_waves(today)
    released = publish_batches([(b, n) for b, n in pool.waiting_batches() if b.wave_id in due], today, RELEASE_BATCH,
                               withdrawals_due_by=today)
    # Old versions of pool rows that a clean-up after a release or withdrawal could not remove (another
    # transaction still saw them) go now: the pool is small.
    storage.clean(db.engine, storage.POOL)
    return released


def publish_batches(batches: list[tuple[pool.Batch, int]], today: date, minimum: int,
                    withdrawals_due_by: date | None) -> int:
    """Publish each batch of at least ``minimum`` answers, each in one transaction, shuffled and dated today;
    carry out the pending withdrawals due by ``withdrawals_due_by`` (every one if None) in the first of those
    transactions, or in the last one when no batch is published; then delete, unpublished, the batches that can
    no longer grow that far; how many answers were published.

    Of two runners releasing a batch at once, whichever deletes its rows first publishes it; the other takes
    fewer than ``minimum`` (or none), rolls back and publishes nothing. Likewise of a withdrawal request."""
    released = 0
    withdrawals_done = False
    for batch, count in batches:
        if count < minimum:
            continue
        try:
            if not withdrawals_done:
                withdrawal.carry_out(withdrawals_due_by)
            released += pool.release_batch(batch, today, minimum)
        except pool.BatchTooSmall:
            db.session.rollback()  # taken by another runner: never published twice, nor under the minimum
            continue
        except BaseException:
            db.session.rollback()  # a seal that does not open (another key): the answers stay in the pool
            raise
        db.session.commit()
        withdrawals_done = True
    try:
        if not withdrawals_done:
            withdrawal.carry_out(withdrawals_due_by)
        discarded = pool.discard_stale(today, minimum)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    kept_figures.add_up_waves()  # at once, rather than at the add-up-answers job's next run
    if discarded:
        log.info("release-answers: %d waiting answers discarded, their batch can no longer reach %d", discarded,
                 minimum)
    return released
