"""Trainers and their reach by country and by generation at once, from the period's summary.

Three reads, added up here:
- the groups run in the period, each with its country, its trainer (generation; record key and traits as the summary
  keeps them) and its members from the summary;
- the memberships of the people in several of these groups;
- the promotions made in the period.
A fourth looks up the trainers a group has had since the summary was built (a group moved into the period, a
trainer changed), if any: the summary keeps those it saw.

They give the same counts and cell keys as ``figures.trainers`` and ``cascade.by_generation`` compute one figure at
a time (tests/reports/test_group_summaries.py, test_trainer_summaries.py): a trainer counts once per key, and a
person reached through several groups of one key counts once, with their own record key.
"""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from sqlalchemy import func, select

from lms.disclosure import Count
from lms.extensions import db
from lms.models import ReportSummary, TrainerPromotion, TrainingGroup, User
from lms.models.report_summaries import summary_member_totals, summary_members, summary_overlaps, summary_trainers
from lms.reports import figures
from lms.reports.filters import ReportFilter

#: The two keys the figures are counted by: the group's country, its trainer's generation.
COUNTRY, GENERATION = 0, 1
Figures = dict[object, tuple[Count, Count, Count]]


class Sums:
    """Counts and raw key sums per key, made into ``Count`` at the end (``Count.of`` as the database's sums are)."""

    def __init__(self) -> None:
        self.n: Counter = Counter()
        self.key: Counter = Counter()

    def add(self, where, n: int, key: int) -> None:
        self.n[where] += n
        self.key[where] += key

    def counts(self) -> dict:
        return {where: Count.of(self.n[where], self.key[where]) for where in self.n if self.n[where]}


def by_country_and_generation(report: ReportFilter, summary: ReportSummary, promotions,
                              generation) -> tuple[Figures, Figures]:
    """(country -> (active, reach, trained), generation -> (active, reach, trained)).

    ``promotions``: (promotion_id, generation); ``generation``: (user_id, generation) of the trainers promoted by
    the period's end (lms/reports/cascade.py)."""
    run = select(TrainingGroup.id, TrainingGroup.country, TrainingGroup.trainer_id).where(
        *figures.run_in(report)).cte("run")
    keys_of: dict[int, tuple[str, int]] = {}  # group -> (country, generation)
    ran: dict[tuple[str, int, int], int] = {}  # (country, generation, trainer) -> the trainer's record key
    members, members_key = Counter(), Counter()  # (country, generation) -> the members of its groups, key sum
    # Thousands of rows at 500,000 participants: read as plain rows (the session's connection, without the ORM's
    # processing of each row, a third of the time).
    unkept: list[tuple[str, int, int]] = []  # (country, generation, trainer) of trainers the summary does not keep
    for group_id, country, trainer_id, level, kept, trainer_key, matches, n, key in db.session.connection().execute(
            groups_query(report, summary, run, generation)).all():
        keys_of[group_id] = (country, level)
        if trainer_id is not None and kept is None:
            unkept.append((country, level, trainer_id))
        elif matches is True:
            ran[(country, level, trainer_id)] = trainer_key
        if n:
            members[(country, level)] += n
            members_key[(country, level)] += key
    if unkept:
        looked_up = trainers_now(report, {trainer for _country, _level, trainer in unkept})
        for country, level, trainer_id in unkept:
            trainer_key, matches = looked_up.get(trainer_id, (None, None))
            if matches is True and trainer_key is not None:
                ran[(country, level, trainer_id)] = trainer_key
    active, reach, trained = (Sums(), Sums()), (Sums(), Sums()), (Sums(), Sums())
    by_generation = {}
    for (country, level, trainer_id), trainer_key in ran.items():
        active[COUNTRY].add(country, 1, trainer_key)
        by_generation[(level, trainer_id)] = trainer_key
    for (level, _trainer), trainer_key in by_generation.items():
        active[GENERATION].add(level, 1, trainer_key)
    for pair, n in members.items():
        for kind in (COUNTRY, GENERATION):
            reach[kind].add(pair[kind], n, members_key[pair])
    take_overlaps(report, summary, run, keys_of, reach)
    for country, level, n, key in db.session.execute(promotions_query(report, promotions)):
        trained[COUNTRY].add(country, n, key)
        if level is not None:
            trained[GENERATION].add(level, n, key)
    return tuple(joined(active[kind].counts(), reach[kind].counts(), trained[kind].counts())
                 for kind in (COUNTRY, GENERATION))


def joined(active: dict, reach: dict, trained: dict) -> Figures:
    keys = sorted(set(active) | set(reach) | set(trained))
    return {k: (active.get(k, Count()), reach.get(k, Count()), trained.get(k, Count())) for k in keys}


def trait_conditions(report: ReportFilter, table) -> list:
    """The report's gender and age band on a summary table's people; with either, people without attributes are
    left out (figures.py joins them away)."""
    traits = figures.trait_filters(report, table)
    return [*traits, table.c.gender.is_not(None)] if traits else []


def groups_query(report: ReportFilter, summary: ReportSummary, run, generation):
    """Per group run: id, country, trainer, the trainer's generation (0 if never promoted), whether the summary keeps
    the trainer, their record key and whether they have the report's traits, and the group's members of those
    traits with their key sum."""
    members = summary_members if report.age_band is not None else summary_member_totals
    m = members.c
    per_group = (select(m.group_id, func.sum(m.members).label("n"), func.sum(m.members_key).label("key"))
                 .where(m.summary_id == summary.id, *trait_conditions(report, members))
                 .group_by(m.group_id).subquery())
    kept = summary_trainers.c
    matches = sa.and_(*trait_conditions(report, summary_trainers)) if figures.has_trait_filters(report) else sa.true()
    return (select(run.c.id, run.c.country, run.c.trainer_id, func.coalesce(generation.c.generation, 0),
                   kept.trainer_id, kept.record_key, matches, per_group.c.n, per_group.c.key)
            .select_from(run)
            .outerjoin(summary_trainers, sa.and_(kept.summary_id == summary.id, kept.trainer_id == run.c.trainer_id))
            .outerjoin(generation, generation.c.user_id == run.c.trainer_id)
            .outerjoin(per_group, per_group.c.group_id == run.c.id))


def trainers_now(report: ReportFilter, trainer_ids: set[int]) -> dict[int, tuple[int, bool | None]]:
    """Trainer -> (record key, whether they have the report's traits), looked up in the records."""
    matches = figures.traits_match(report, User.id) if figures.has_trait_filters(report) else sa.true()
    return {user_id: (key, match) for user_id, key, match in db.session.execute(
        select(User.id, User.record_key, matches).where(User.id.in_(trainer_ids)))}


def take_overlaps(report: ReportFilter, summary: ReportSummary, run, keys_of: dict, reach: tuple[Sums, Sums]) -> None:
    """Count once each person reached through several groups of the same key: take away the other times."""
    o = summary_overlaps.c
    times: Counter = Counter()
    for group_id, user_id, person_key in db.session.execute(
            select(o.group_id, o.user_id, o.person_key)
            .where(o.summary_id == summary.id, o.group_id.in_(select(run.c.id)),
                   *trait_conditions(report, summary_overlaps))):
        keys = keys_of[group_id]
        for kind in (COUNTRY, GENERATION):
            times[(kind, keys[kind], user_id, person_key)] += 1
    for (kind, where, _user, person_key), seen in times.items():
        if seen > 1:
            reach[kind].add(where, -(seen - 1), -(seen - 1) * person_key)


def promotions_query(report: ReportFilter, promotions):
    """The promotions made in the period after a training of trainers among the report's groups, of people of its
    gender and age band, per country of the group and generation (None without one)."""
    start, end = figures.period_bounds(report)
    query = (select(TrainingGroup.country, promotions.c.generation, func.count(TrainerPromotion.id),
                    func.sum(TrainerPromotion.record_key))
             .select_from(TrainerPromotion)
             .join(TrainingGroup, TrainingGroup.id == TrainerPromotion.group_id)
             .outerjoin(promotions, promotions.c.promotion_id == TrainerPromotion.id)
             .where(TrainerPromotion.promoted_at.between(start, end), *figures.group_filters(report)))
    return figures.with_traits(report, query, TrainerPromotion.user_id).group_by(
        TrainingGroup.country, promotions.c.generation)
