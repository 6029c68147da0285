"""The generation of each promotion, computed from the records in one recursive query (lms/reports/cascade.py
says what a generation is; lms/reports/summaries/generations.py keeps them for the periods that have ended)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from lms.models import TrainerPromotion, TrainingGroup


def made_before(earlier, later) -> sa.ColumnElement[bool]:
    """Promotion ``earlier`` was made before ``later``: by time, then by id (a strict order: no promotion is
    before itself, so no chain of them loops)."""
    return sa.or_(earlier.promoted_at < later.promoted_at,
                  sa.and_(earlier.promoted_at == later.promoted_at, earlier.id < later.id))


def computed_promotion_generations(end: datetime):
    """(promotion_id, generation) of every promotion made by ``end``, from one recursive query (a subquery)."""
    promotion, earlier, group = aliased(TrainerPromotion), aliased(TrainerPromotion), aliased(TrainingGroup)
    first = (select(promotion.id.label("promotion_id"), sa.literal_column("1", sa.Integer).label("generation"))
             .join(group, group.id == promotion.group_id)
             .where(promotion.promoted_at <= end,
                    ~select(earlier.id).where(earlier.user_id == group.trainer_id, made_before(earlier, promotion))
                    .exists()))
    chains = first.cte("chains", recursive=True)
    trainer_promotion, after, group = aliased(TrainerPromotion), aliased(TrainerPromotion), aliased(TrainingGroup)
    # From a promotion of a trainer to the promotions made later after that trainer's groups. UNION (not ALL) keeps
    # each (promotion, generation) once: at most as many rows as promotions times generations.
    chains = chains.union(
        select(after.id, chains.c.generation + sa.literal_column("1", sa.Integer)).select_from(chains)
        .join(trainer_promotion, trainer_promotion.id == chains.c.promotion_id)
        .join(group, group.trainer_id == trainer_promotion.user_id)
        .join(after, sa.and_(after.group_id == group.id, after.promoted_at <= end,
                             made_before(trainer_promotion, after))))
    return (select(chains.c.promotion_id, func.min(chains.c.generation).label("generation"))
            .group_by(chains.c.promotion_id).subquery("promotion_generation"))
