"""The cascade of training of trainers: each trainer's generation, the figures per generation, and the family tree.

Definitions (also in docs/reports.md, "The cascade"):
- a promotion's generation is fixed when it is made: 1 after a group whose trainer had no promotion recorded before
  it (one of the organisation's own trainers), else one more than the generation of that trainer's promotions made
  before it (the smallest, for a trainer promoted more than once);
- a trainer's generation for a period is the smallest generation of their promotions made by its last day, 0 with
  none: the same records give the same generation in every view, and nothing recorded after a period moves it;
- a revoked promotion counts as any other: the training of trainers took place (the new trainers of its period
  count it, lms/reports/figures.py), and its revocation, made later, moves no published figure.

A promotion only looks back at promotions made before it (by time, then by id), so a chain of promotions never
comes back to itself: the recursive query ends on any data, cycles of people included (A trained B, who later
trained A). Every figure comes from a few grouped queries whatever the number of trainers.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func, select

from lms.database.portable import among
from lms.disclosure import Count
from lms.extensions import db
from lms.models import TrainerPromotion, TrainingGroup, User
from lms.reports import figures
from lms.reports.figures import group_filters, groups_run, people_per, period_bounds, promotions_per, reached
from lms.reports.filters import ReportFilter
from lms.reports.generations import computed_promotion_generations
from lms.reports.summaries import generations as kept_generations
from lms.reports.summaries import groups as group_summary
from lms.reports.summaries import trainers as trainer_summary


def promotion_generations(end: datetime):
    """(promotion_id, generation) of every promotion made by ``end`` (a subquery): kept by the scheduler for the
    periods that have ended (lms/reports/summaries/generations.py), else computed. The kept ones hold later
    promotions too: whoever joins them to the promotions keeps to those made by ``end``."""
    found = kept_generations.kept(end)
    return computed_promotion_generations(end) if found is None else found


def trainer_generations(end: datetime, promotions=None):
    """(user_id, generation) of everyone promoted by ``end`` (a subquery); anyone else is generation 0."""
    promotions = promotion_generations(end) if promotions is None else promotions
    return (select(TrainerPromotion.user_id, func.min(promotions.c.generation).label("generation"))
            .join(promotions, promotions.c.promotion_id == TrainerPromotion.id)
            .where(TrainerPromotion.promoted_at <= end)
            .group_by(TrainerPromotion.user_id).subquery("trainer_generation"))


def by_generation(report: ReportFilter) -> dict[int, tuple[Count, Count, Count]]:
    """Generation -> (active trainers, people they reached, new trainers), under all the report's filters.

    As ``figures.trainers`` counts them by country: active trainers ran a group of the report whose dates meet the
    period; the people reached are its members by the period's last day (someone reached by trainers of two
    generations counts in each); new trainers are the promotions made in the period after a training of trainers
    of the report's groups, in the promotion's generation. Gender and age band are each counted person's.
    Plain data: ``Count.published`` is what a page, a workbook or the IATI file shows.
    """
    _start, end = period_bounds(report)
    promotions = promotion_generations(end)
    generation = trainer_generations(end, promotions)
    groups = groups_run(report)
    of_trainer = func.coalesce(generation.c.generation, 0)
    run = select(of_trainer.label("key"), groups.c.trainer_id.label("user_id")).select_from(groups).outerjoin(
        generation, generation.c.user_id == groups.c.trainer_id)
    active = people_per(report, run)
    reach = reached(report, groups, of_trainer, [(generation, generation.c.user_id == groups.c.trainer_id)])
    trained = promotions_per(report, promotions.c.generation, sa.join(
        TrainerPromotion, promotions, promotions.c.promotion_id == TrainerPromotion.id))
    generations = sorted(set(active) | set(reach) | set(trained))
    return {g: (active.get(g, Count()), reach.get(g, Count()), trained.get(g, Count())) for g in generations}


def trainers_and_generations(report: ReportFilter) -> tuple[dict[str, tuple[Count, Count, Count]],
                                                            dict[int, tuple[Count, Count, Count]]]:
    """``figures.trainers`` and ``by_generation`` together: from one pass over the period's summary where it has a
    current one (lms/reports/summaries/trainers.py), else each computed."""
    summary = group_summary.period_summary(report)
    if summary is None:
        return figures.trainers(report), by_generation(report)
    _start, end = period_bounds(report)
    promotions = promotion_generations(end)
    return trainer_summary.by_country_and_generation(report, summary, promotions,
                                                     trainer_generations(end, promotions))


@dataclass
class Trainer:
    """A trainer in the family tree, with what they did in the period under the report's filters."""

    id: int
    name: str
    generation: int
    #: Groups of the report they ran in the period: exact (the reader sees each of them in the list of groups).
    groups: int = 0
    #: People reached in the period: a true count and its cell key; ``reached.published`` is shown.
    reached: Count = field(default_factory=Count)
    #: The promotion that places them under their trainer was revoked since.
    revoked: bool = False
    children: list[Trainer] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    """One trainer of the tree as a page lists it: ``depth`` 0 for a root, one more per generation below."""

    trainer: Trainer
    depth: int


def family_tree(report: ReportFilter) -> list[Line]:
    """Who trained which trainers, as it stood at the period's end, within the report's scope, country and
    organisation, in the order a page lists it (each trainer under the trainer whose group they were promoted
    after), with each trainer's groups and people reached in the period under all the report's filters.

    A trainer promoted more than once stands under the trainer of the promotion that gives their generation (the
    earliest of these); one whose trainer is out of sight stands at the top with their generation. Four queries.
    """
    _start, end = period_bounds(report)
    promotions = promotion_generations(end)
    edges = db.session.execute(
        select(TrainerPromotion.user_id, TrainingGroup.trainer_id, TrainerPromotion.revoked_at)
        .join(TrainingGroup, TrainingGroup.id == TrainerPromotion.group_id)
        .join(promotions, promotions.c.promotion_id == TrainerPromotion.id)
        .where(TrainerPromotion.promoted_at <= end,
               *group_filters(replace(report, course_id=None, topic=None, group_id=None)))
        .order_by(TrainerPromotion.user_id, promotions.c.generation, TrainerPromotion.promoted_at,
                  TrainerPromotion.id)).all()
    groups = groups_run(report)
    runs = dict(db.session.execute(select(groups.c.trainer_id, func.count()).group_by(groups.c.trainer_id)).all())
    reach = reached(report, groups, groups.c.trainer_id)
    placed: dict[int, tuple[int, bool]] = {}
    for user_id, trainer_id, revoked_at in edges:
        placed.setdefault(user_id, (trainer_id, revoked_at is not None))
    shown = set(runs) | set(placed) | {trainer_id for trainer_id, _revoked in placed.values()}
    if not shown:
        return []
    generation = trainer_generations(end, promotions)
    trainers = {user_id: Trainer(user_id, name, level, runs.get(user_id, 0), reach.get(user_id, Count()),
                                 placed.get(user_id, (None, False))[1])
                for user_id, name, level in db.session.execute(
                    select(User.id, User.display_name, func.coalesce(generation.c.generation, 0))
                    .outerjoin(generation, generation.c.user_id == User.id).where(among(User.id, shown)))}
    for user_id, (trainer_id, _revoked) in placed.items():
        if trainer_id != user_id:
            trainers[trainer_id].children.append(trainers[user_id])
    return lines(trainers, {user_id for user_id, (trainer_id, _r) in placed.items() if trainer_id != user_id})


def lines(trainers: dict[int, Trainer], placed_under: set[int]) -> list[Line]:
    """The tree in the order a page lists it, depth first, without recursion (a chain may be long). Trainers
    whose chain loops back (A trained B, who later trained A) start a tree of their own, so each is listed once."""
    def order(trainer: Trainer):
        return trainer.generation, trainer.name.casefold(), trainer.id

    for trainer in trainers.values():
        trainer.children.sort(key=order)
    roots = sorted((t for t in trainers.values() if t.id not in placed_under), key=order)
    waiting = sorted((t for t in trainers.values() if t.id in placed_under), key=order)
    found: list[Line] = []
    seen: set[int] = set()
    for start in [*roots, *waiting]:
        stack = [(start, 0)]
        while stack:
            trainer, depth = stack.pop()
            if trainer.id in seen:
                continue
            seen.add(trainer.id)
            found.append(Line(trainer, depth))
            stack.extend((child, depth + 1) for child in reversed(trainer.children))
    return found
