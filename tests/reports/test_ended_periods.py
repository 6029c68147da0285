"""Figures of a period that has ended cannot be moved by changing records afterwards.

Each published count is rounded at random with a draw keyed on the records behind it: whoever can change that set
of records after the period ended gets a fresh draw each time, and after 10-20 of them the exact small count. The
tests change records the way a member, a trainer or a pool of fake accounts can (a profile edited, an account
erased, a group joined, a group created with past dates), then read last month's published figures over HTTP
again: not one may have moved. On the old code each of them did (10 people moved, so the count moved by 10).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from lms import clock
from lms.auth import services as accounts
from lms.extensions import db
from lms.groups import services as groups
from lms.models import GroupMember, GroupSession, Organisation, PersonAttributes, TrainingGroup
from lms.privacy.services import erase_account
from tests.reports.helpers import admin_client, course, enrolled_last_month, last_month, last_month_query, read

FAKES = 10


def pages(client, *queries: str) -> dict[str, dict]:
    return {query: read(client, query) for query in queries}


def test_profile_edits_do_not_move_an_ended_period(app, library, create_user):
    """A pool of fake accounts enrolled last month toggles gender, country, birth year and union."""
    union = Organisation(name="Union of Benin", acronym="UB", country="BJ", sector="Hotels")
    db.session.add(union)
    db.session.commit()
    for i in range(3):
        enrolled_last_month(create_user, f"true{i}", country="PE", gender="woman", birth_year=1990)
    fakes = [enrolled_last_month(create_user, f"fake{i}", country="PE", gender="woman", birth_year=1990)
             for i in range(FAKES)]
    client = admin_client(app, create_user)
    queries = (last_month_query(), last_month_query(country="PE", gender="woman"), last_month_query(country="BJ"),
               last_month_query(organisation=union.id), last_month_query(gender="man"))
    before = pages(client, *queries)
    for fake in fakes:
        accounts.update_profile(fake, display_name="Fake", email=None, phone=None, country="BJ", gender="man",
                                birth_year=1950, locale=None, organisation_id=union.id)
    db.session.commit()
    assert pages(client, *queries) == before


def test_erasing_accounts_does_not_move_an_ended_periods_figures_by_country_and_gender(app, library, create_user):
    """Erasure (which a member can ask for) keeps the country and gender of the periods already published.

    It takes the year of birth and the union from them too (they would single the person out beside the records
    kept), so the figures by union and age band move: docs/reports.md says what remains."""
    union = Organisation(name="Union of Peru", acronym="UP", country="PE", sector="Hotels")
    db.session.add(union)
    db.session.commit()
    fakes = [enrolled_last_month(create_user, f"fake{i}", country="PE", gender="woman", birth_year=1990,
                                 organisation_id=union.id) for i in range(FAKES)]
    client = admin_client(app, create_user)
    queries = (last_month_query(), last_month_query(country="PE", gender="woman"))
    before = pages(client, *queries)
    for fake in fakes:
        erase_account(fake)
    db.session.commit()
    after = pages(client, *queries)

    def without_age(page: dict) -> dict:
        return {cell: value for cell, value in page.items() if cell[0] != "by_age"}

    assert {q: without_age(page) for q, page in after.items()} == {q: without_age(page) for q, page in before.items()}
    assert after != before, "the age bands move: the year of birth has gone"
    kept = db.session.scalars(select(PersonAttributes).where(PersonAttributes.user_id.in_([f.id for f in fakes])))
    assert {(row.country, row.gender, row.birth_year, row.organisation_id) for row in kept} == {
        ("PE", "woman", None, None)}


def a_group(trainer, created: date, name: str = "Lima") -> TrainingGroup:
    """An in-person group in Peru from the start of the month before last to the end of next month."""
    start, _ = last_month()
    began = (start - timedelta(days=1)).replace(day=1)
    group = groups.create_group(trainer=trainer, course=course(), name=name, country="PE", place="Lima",
                                mode="in-person", starts_on=began, ends_on=clock.today() + timedelta(days=40))
    group.created_at = datetime.combine(created, datetime.min.time(), tzinfo=UTC)
    return group


def test_joining_a_group_does_not_move_an_ended_period(app, library, create_user):
    """Ten fake accounts (enrolled in the course last month) join a group that met last month."""
    start, _ = last_month()
    trainer = create_user("trainer", role="trainer")
    group = a_group(trainer, created=start - timedelta(days=20))
    members = [enrolled_last_month(create_user, f"member{i}") for i in range(7)]
    for member in members:
        groups.add_member(group, member)
    db.session.execute(update(GroupMember).where(GroupMember.group_id == group.id).values(
        joined_at=datetime.combine(start - timedelta(days=10), datetime.min.time(), tzinfo=UTC)))
    for day in (5, 19):
        session = GroupSession(group_id=group.id, held_on=start.replace(day=day), topic="Bargaining")
        db.session.add(session)
    db.session.commit()
    fakes = [enrolled_last_month(create_user, f"fake{i}") for i in range(FAKES)]
    client = admin_client(app, create_user)
    queries = (last_month_query(), last_month_query(group=group.id), last_month_query(country="PE"))
    before = pages(client, *queries)
    for fake in fakes:
        groups.add_member(group, fake)
    db.session.commit()
    assert pages(client, *queries) == before


def test_a_group_created_with_past_dates_does_not_move_an_ended_period(app, library, create_user):
    """Ten trainers each create a group today whose dates began the month before last."""
    trainers = [create_user(f"trainer{i}", role="trainer") for i in range(FAKES)]
    client = admin_client(app, create_user)
    queries = (last_month_query(), last_month_query(country="PE"))
    before = pages(client, *queries)
    for i, trainer in enumerate(trainers):
        a_group(trainer, created=clock.today(), name=f"Lima {i}")
    db.session.commit()
    assert pages(client, *queries) == before
