"""Trainers and their reach by country and by generation at once, from the period's summary.

Three reads:
- the groups run in the period, each with its country, its trainer (generation; record key and traits as the summary
  keeps them) and its members from the summary, added up by the database per country and per generation (4,481
  groups at 500,000 participants: their rows through Python cost as much as the statement);
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
from lms.models.report_summaries import summary_overlaps, summary_trainers
from lms.reports import figures
from lms.reports.filters import ReportFilter
from lms.reports.summaries import groups as group_summary

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
    run = groups_query(report, summary, generation).cte("run")
    active, reach, trained = (Sums(), Sums()), (Sums(), Sums()), (Sums(), Sums())
    unkept: set[tuple[str, int, int]] = set()  # (country, generation, trainer) of trainers the summary does not keep
    for part, country, level, trainer_id, n, key in db.session.execute(added_up(report, summary, run)):
        if part == UNKEPT:
            unkept.add((country, level, trainer_id))
        elif part == MEMBERS:
            reach[COUNTRY].add(country, n, key)
            reach[GENERATION].add(level, n, key)
        else:
            active[part].add(country if part == COUNTRY else level, n, key)
    if unkept:
        looked_up = trainers_now(report, {trainer for _country, _level, trainer in unkept})
        per_generation = {}
        for country, level, trainer_id in unkept:
            trainer_key, matches = looked_up.get(trainer_id, (None, None))
            if matches is True and trainer_key is not None:
                active[COUNTRY].add(country, 1, trainer_key)
                per_generation[(level, trainer_id)] = trainer_key
        for (level, _trainer), trainer_key in per_generation.items():
            active[GENERATION].add(level, 1, trainer_key)
    take_overlaps(report, summary, run, reach)
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


def groups_query(report: ReportFilter, summary: ReportSummary, generation):
    """Per group run: id, country, trainer, the trainer's generation (0 if never promoted), whether the summary keeps
    the trainer, their record key and whether they have the report's traits."""
    kept = summary_trainers.c
    matches = sa.and_(*trait_conditions(report, summary_trainers)) if figures.has_trait_filters(report) else sa.true()
    return (select(TrainingGroup.id, TrainingGroup.country, TrainingGroup.trainer_id,
                   func.coalesce(generation.c.generation, 0).label("level"), kept.trainer_id.label("kept"),
                   kept.record_key.label("trainer_key"), matches.label("matches"))
            .select_from(TrainingGroup)
            .outerjoin(summary_trainers,
                       sa.and_(kept.summary_id == summary.id, kept.trainer_id == TrainingGroup.trainer_id))
            .outerjoin(generation, generation.c.user_id == TrainingGroup.trainer_id)
            .where(*figures.run_in(report)))


#: The parts of ``added_up``: trainers by country, by generation (COUNTRY, GENERATION), members, unkept trainers.
MEMBERS, UNKEPT = 2, 3


def added_up(report: ReportFilter, summary: ReportSummary, run):
    """The groups run (``groups_query``) added up in one statement, as rows of (part, country, generation, trainer,
    n, key sum): the kept trainers of the report's traits by country and by generation, each counted once per key;
    the members per country and generation; and, one row each, the trainers the summary does not keep."""
    none_text, none_int = sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.Integer)

    def trainers(kind: int, key):
        distinct = (select(key.label("key"), run.c.trainer_id, run.c.trainer_key)
                    .where(run.c.kept.is_not(None), run.c.matches.is_(True)).distinct().subquery())
        columns = (distinct.c.key, none_int) if kind == COUNTRY else (none_text, distinct.c.key)
        return select(sa.literal(kind), *columns, none_int, func.count(), func.sum(distinct.c.trainer_key)).group_by(
            distinct.c.key)

    table = group_summary.member_rows(report)
    m = table.c
    members = (select(sa.literal(MEMBERS), run.c.country, run.c.level, none_int, func.sum(m.members),
                      func.sum(m.members_key))
               .select_from(run).join(table, m.group_id == run.c.id)
               .where(m.summary_id == summary.id, *trait_conditions(report, table))
               .group_by(run.c.country, run.c.level))
    unkept = (select(sa.literal(UNKEPT), run.c.country, run.c.level, run.c.trainer_id, none_int, none_int)
              .where(run.c.trainer_id.is_not(None), run.c.kept.is_(None)).distinct())
    return sa.union_all(trainers(COUNTRY, run.c.country), trainers(GENERATION, run.c.level), members, unkept)


def trainers_now(report: ReportFilter, trainer_ids: set[int]) -> dict[int, tuple[int, bool | None]]:
    """Trainer -> (record key, whether they have the report's traits), looked up in the records."""
    matches = figures.traits_match(report, User.id) if figures.has_trait_filters(report) else sa.true()
    return {user_id: (key, match) for user_id, key, match in db.session.execute(
        select(User.id, User.record_key, matches).where(User.id.in_(trainer_ids)))}


def take_overlaps(report: ReportFilter, summary: ReportSummary, run, reach: tuple[Sums, Sums]) -> None:
    """Count once each person reached through several groups of the same key: take away the other times."""
    o = summary_overlaps.c
    times: Counter = Counter()
    for country, level, user_id, person_key in db.session.execute(
            select(run.c.country, run.c.level, o.user_id, o.person_key).join(run, run.c.id == o.group_id)
            .where(o.summary_id == summary.id, *trait_conditions(report, summary_overlaps))):
        times[(COUNTRY, country, user_id, person_key)] += 1
        times[(GENERATION, level, user_id, person_key)] += 1
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
