"""The generation of every promotion made before this month, kept by the scheduler for the reports of ended periods.

A promotion's generation is fixed when it is made: it depends only on the promotions made before it
(lms/reports/cascade.py), so one kept generation serves every period that has ended. The cascade's figures and the
family tree read them where they are current and reach the period's end, instead of the recursive query over every
promotion (40 ms, three times per dashboard, at 500,000 participants); they give the same generations
(tests/reports/test_group_summaries.py compares every figure, read both ways, for every period and filter).

They are current while no write that may move one has happened since they were built: database triggers (migration
0040) raise ``kept_generations.changes`` when a promotion made before ``through`` is inserted, changed (its time,
person or group) or deleted, and when the trainer of a group with such a promotion changes. A promotion made today
moves none of them. ``keep`` (the scheduler's ``report-summaries`` job, with the summaries) builds them again.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import KeptGenerations
from lms.models.report_summaries import promotion_generations
from lms.reports.generations import computed_promotion_generations

#: The one row of ``kept_generations`` (migration 0040).
ROW = 1


def kept_through() -> datetime | None:
    """The moment before which every promotion's generation is kept and current; None if they are not."""
    through = db.session.scalar(select(KeptGenerations.through).where(
        KeptGenerations.id == ROW, KeptGenerations.built_from == KeptGenerations.changes))
    return None if through is None else clock.as_utc(through)


def kept(end: datetime):
    """(promotion_id, generation) of every promotion kept, those made by ``end`` among them (a subquery as
    ``computed_promotion_generations`` gives, with later promotions too: the caller keeps to those made by ``end``,
    as it joins them to the promotions); None where they are not current or do not reach ``end``."""
    through = kept_through()
    if through is None or end >= through:
        return None
    return select(promotion_generations.c.promotion_id, promotion_generations.c.generation).subquery(
        "promotion_generation")


def state_row() -> None:
    """Make the row of ``kept_generations`` if it is missing (committed, so that the triggers see it)."""
    if db.session.get(KeptGenerations, ROW) is not None:
        return
    db.session.add(KeptGenerations(id=ROW, changes=0))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # another build made it at the same moment
        db.session.rollback()


def keep(through: datetime) -> bool:
    """Keep the generation of every promotion made before ``through`` if they are not current or stop short of it;
    whether they were built (the caller commits). The row is locked first: two builds at once take turns, and a
    write committed meanwhile leaves them not current (built from the change count read before the records)."""
    state_row()
    state = db.session.scalar(select(KeptGenerations).where(KeptGenerations.id == ROW).with_for_update()
                              .execution_options(populate_existing=True))
    if state.built_from == state.changes and state.through is not None and clock.as_utc(state.through) == through:
        return False
    observed = state.changes
    db.session.execute(sa.delete(promotion_generations))
    computed = computed_promotion_generations(through - timedelta(microseconds=1))
    db.session.execute(sa.insert(promotion_generations).from_select(
        ["promotion_id", "generation"], select(computed.c.promotion_id, computed.c.generation)))
    db.session.execute(sa.update(KeptGenerations).where(KeptGenerations.id == ROW).values(
        through=through, built_from=observed, built_at=clock.utcnow()).execution_options(synchronize_session=False))
    return True
