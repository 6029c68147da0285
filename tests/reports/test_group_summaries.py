"""The group figures of the ended periods' summaries give the figures computed from the records, n and key.

On generated data (groups of every mode in four countries, of two courses and unions or none, created before or
after they start; members who joined before, during and after a group's dates; sessions and attendance, presences
of members who joined after the session included; trainings of trainers and promotions over generations, some
revoked; histories of attributes and people without any), for every year, quarter and month and every filter:
attendance, trainers, the cascade by generation and the family tree. Then: a write that moves an ended period's
group figures makes its summary not current until it is built again.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from unittest import mock

import sqlalchemy as sa
from sqlalchemy import select

from lms.extensions import db
from lms.models import (
    Attendance,
    GroupMember,
    GroupSession,
    PersonAttributes,
    TrainerPromotion,
    TrainingGroup,
    User,
)
from lms.permissions import Scope
from lms.reports import cascade, figures
from lms.reports.filters import ReportFilter, parse_age_bands
from lms.reports.forms import QUARTERS, last_day
from lms.reports.summaries import generations as kept_generations
from lms.reports.summaries import groups as group_summary
from lms.reports.summaries import refresh
from tests.reports.helpers import at, computed

BANDS = tuple(parse_age_bands("15-24,25-35,36+"))
def periods() -> list[tuple[date, date]]:
    found = []
    for year in (2024, 2025):
        found.append((date(year, 1, 1), date(year, 12, 31)))
        found += [(date(year, first, 1), last_day(year, last)) for first, last in QUARTERS.values()]
        found += [(date(year, month, 1), last_day(year, month)) for month in range(1, 13)]
    return found


def filters(courses, unions, group_id: int) -> list[dict]:
    one, other = courses
    return [{}, {"countries": ("PE",)}, {"countries": ("BJ", "KH")}, {"organisation_id": unions[0].id},
            {"course_id": one.id}, {"topic": "social-dialogue"}, {"group_id": group_id}, {"gender": "woman"},
            {"age_band": "25-35"}, {"age_band": "36+"},
            {"scope": Scope(countries=frozenset({"KH"}), organisations=frozenset({unions[0].id}))},
            {"countries": ("PE", "NL"), "gender": "man", "course_id": other.id},
            {"age_band": "15-24", "organisation_id": unions[1].id}]


def group_figures(report: ReportFilter) -> tuple:
    tree = [(line.trainer.id, line.trainer.generation, line.trainer.groups, line.trainer.reached,
             line.trainer.revoked, line.depth) for line in cascade.family_tree(report)]
    return (figures.attendance(report), figures.trainers(report), cascade.by_generation(report),
            cascade.trainers_and_generations(report), tree)


def test_group_summaries_give_the_computed_figures_for_every_period_and_filter(cascade_data):
    courses, unions = cascade_data
    assert refresh() > 0
    busiest = db.session.scalar(select(GroupMember.group_id).group_by(GroupMember.group_id)
                                .order_by(sa.func.count().desc(), GroupMember.group_id).limit(1))
    counted = 0
    every = filters(courses, unions, busiest)
    for start, end in periods():
        # Every filter for years and quarters; for months (the cheaper periods), those of the other dimensions.
        for chosen in every if end.month - start.month > 0 else [every[i] for i in (0, 2, 3, 6, 8, 10)]:
            report = ReportFilter(start=start, end=end, age_bands=BANDS, **chosen)
            assert group_summary.period_summary(report) is not None
            assert kept_generations.kept(figures.period_bounds(report)[1]) is not None
            fast = group_figures(report)
            with computed():
                assert fast == group_figures(report), report
            counted += sum(len(part) for part in fast)
    assert counted > 2000  # the comparison is not of empty dictionaries
    year = ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31), age_bands=BANDS)
    assert max(cascade.by_generation(year)) >= 3  # generations over several trainings of trainers
    overlaps = db.session.scalar(select(sa.func.count()).select_from(group_summary.summary_overlaps))
    assert overlaps > 50  # people in several groups, counted once


def test_traits_of_the_people_counted_give_the_figures_of_everyones(cascade_data):
    """Trainers, reach and new trainers with a gender or age band look up the attributes of the people they count
    only: the same figures as joining everyone's attributes at the period's end."""
    def everyones(report, query, person_id):
        if not figures.has_trait_filters(report):
            return query
        person = figures.attributes(report)
        return query.join(person, person.c.user_id == person_id).where(*figures.trait_filters(report, person))

    reports = [ReportFilter(start=start, end=end, age_bands=BANDS, **chosen) for start, end in periods()[:8]
               for chosen in ({"gender": "woman"}, {"age_band": "36+"}, {"age_band": "25-35", "countries": ("PE",)})]
    with computed():
        narrow = [group_figures(r)[1:] for r in reports]
        with mock.patch.object(figures, "with_traits", everyones):
            assert narrow == [group_figures(r)[1:] for r in reports]
    assert sum(len(trainers) for trainers, _generations, _both, _tree in narrow) > 20


def current(year: ReportFilter) -> bool:
    return group_summary.period_summary(year) is not None


def figures_of(year: ReportFilter) -> list[tuple]:
    return [group_figures(year), group_figures(replace(year, gender="another")),
            group_figures(replace(year, age_band="36+"))]


def test_writes_that_move_an_ended_periods_group_figures_are_followed(cascade_data):
    """Each write below moves a figure of 2025: the summary stops being read at once; once built again, it gives
    the computed figures. A member joining today moves no ended period."""
    year = ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31), age_bands=BANDS)
    refresh()
    group = db.session.scalar(select(TrainingGroup).where(TrainingGroup.starts_on >= date(2025, 2, 1),
                                                          TrainingGroup.trains_trainers.is_(False),
                                                          TrainingGroup.mode == "in-person")
                              .order_by(TrainingGroup.starts_on))
    session = db.session.scalar(select(GroupSession).where(GroupSession.group_id == group.id))
    member, other = db.session.scalars(select(GroupMember).where(GroupMember.group_id == group.id)
                                       .order_by(GroupMember.user_id).limit(2))
    outsider = db.session.scalar(select(User.id).where(User.username == "g5"))
    attended = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id))

    def add_session():
        db.session.add(GroupSession(group_id=group.id, topic="Extra", held_on=group.ends_on))

    def attend():
        present = set(db.session.scalars(select(Attendance.user_id).where(Attendance.session_id == session.id)))
        absent = next(m.user_id for m in group.members if m.user_id not in present)  # 60 % attend
        db.session.add(Attendance(session_id=session.id, user_id=absent))

    def new_attributes():
        db.session.add(PersonAttributes(user_id=other.user_id, counts_from=date(2025, 6, 1), country="PE",
                                        gender="another", birth_year=1950, organisation_id=None))

    def move_group():
        group.starts_on, group.ends_on = date(2026, 1, 10), date(2026, 2, 1)

    writes = [
        ("a session", add_session), ("a presence", attend), ("a presence deleted", lambda: db.session.delete(attended)),
        ("a session moved", lambda: setattr(session, "held_on", date(2024, 3, 3))),
        ("a member who joined in 2025", lambda: db.session.add(GroupMember(
            group_id=group.id, user_id=outsider, joined_at=at(group.starts_on)))),
        ("a member's day of joining", lambda: setattr(member, "joined_at", at(date(2026, 1, 5)))),
        ("a group's dates", move_group),
        ("a member's attributes", new_attributes),
        ("a group deleted", lambda: db.session.delete(group)),
    ]
    for name, write in writes:
        before = figures_of(year)
        write()
        db.session.commit()
        assert not current(year), name
        with computed():
            moved = figures_of(year)
        assert moved != before, name
        assert refresh() > 0
        assert current(year) and figures_of(year) == moved, name
    today = db.session.scalar(select(TrainingGroup).order_by(TrainingGroup.starts_on.desc()))
    newcomer = db.session.scalar(select(User.id).where(User.username == "g6"))
    db.session.add(GroupMember(group_id=today.id, user_id=newcomer, joined_at=datetime(2026, 3, 2, tzinfo=UTC)))
    db.session.commit()
    assert current(year)


def test_writes_that_move_a_kept_generation_are_followed(cascade_data):
    """Each write below may move a promotion's generation: the kept generations stop being read at once, the
    cascade is computed meanwhile, and once built again they give the computed figures. A promotion made this
    month moves none of them."""
    year = ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31), age_bands=BANDS)
    refresh()
    assert kept_generations.kept_through() == datetime(2026, 3, 1, tzinfo=UTC)  # the clock's month
    promotions = list(db.session.scalars(select(TrainerPromotion).order_by(TrainerPromotion.promoted_at,
                                                                           TrainerPromotion.id)))
    first, later = promotions[0], promotions[len(promotions) // 2]
    trained = db.session.get(TrainingGroup, later.group_id)
    someone = db.session.scalar(select(User.id).where(User.username == "g7"))

    def cascade_figures():
        return cascade.by_generation(year), [(line.trainer.id, line.trainer.generation, line.depth)
                                             for line in cascade.family_tree(year)]

    writes = [
        ("a promotion recorded late", lambda: db.session.add(TrainerPromotion(
            user_id=someone, group_id=first.group_id, promoted_at=first.promoted_at))),
        ("a promotion's time", lambda: setattr(later, "promoted_at", datetime(2024, 1, 2, tzinfo=UTC))),
        ("a group's trainer", lambda: setattr(trained, "trainer_id", later.user_id)),
        ("a promotion deleted", lambda: db.session.delete(first)),
    ]
    moving = 0
    for name, write in writes:
        before = cascade_figures()
        write()
        db.session.commit()
        assert kept_generations.kept_through() is None, name
        with computed():
            moved = cascade_figures()
        moving += moved != before
        assert cascade_figures() == moved, name
        assert refresh() >= 0 and kept_generations.kept_through() is not None, name
        assert cascade_figures() == moved, name
    assert moving >= 3  # the writes do move generations
    db.session.add(TrainerPromotion(user_id=someone, group_id=trained.id, promoted_at=datetime(2026, 3, 2, tzinfo=UTC)))
    db.session.commit()
    assert kept_generations.kept_through() is not None
