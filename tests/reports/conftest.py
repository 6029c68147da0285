"""The reports' fixtures: a population of members enrolled over three years; training groups over two years with
members, sessions, attendance and a cascade of trainers (``cascade_data``)."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms.extensions import db
from lms.models import (
    Attendance,
    Course,
    Enrolment,
    GroupMember,
    GroupSession,
    Organisation,
    PersonAttributes,
    TrainerPromotion,
    TrainingGroup,
    User,
)
from lms.models.users import BEGINNING
from tests.helpers import BUNDLED_COURSE
from tests.reports.helpers import at


@pytest.fixture
def population(app_ctx, library, create_user):
    """80 people in 3 countries; enrolments spread over 2024-2026, some completed."""
    rng = random.Random(42)
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    people = []
    for i in range(80):
        birth = rng.choice([None, 1960, 1980, 1992, 1999, 2004])
        user = create_user(f"p{i}", country=rng.choice(["PE", "BJ", "KH"]),
                           gender=rng.choice(["woman", "woman", "man", "another"]), birth_year=birth)
        enrolled = datetime(2024, 11, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 700))
        completed = enrolled + timedelta(days=rng.randint(5, 200)) if rng.random() < 0.6 else None
        db.session.add(Enrolment(user_id=user.id, course_id=course.id, enrolled_at=enrolled, completed_at=completed,
                                 last_activity_at=enrolled))
        people.append((user, enrolled, completed))
    db.session.commit()
    return people


#: The people, countries and genders of ``cascade_data``.
COUNTRIES = ["PE", "BJ", "KH", "NL"]
GENDERS = ["woman", "man", "another", "undisclosed"]
PEOPLE = 240


@pytest.fixture
def cascade_data(app_ctx, library, frozen_clock):
    """Groups over 2024-2025 (the clock stands in March 2026), in chronological order so that trainers promoted
    after a training of trainers run later groups: generations 1 to 4 or so. Returns the courses and unions."""
    rng = random.Random(38)
    courses = list(db.session.scalars(select(Course).order_by(Course.slug)))
    unions = [Organisation(name=f"Union {c}", acronym=f"U{c}", country=c, sector="Hotels") for c in COUNTRIES[:3]]
    db.session.add_all(unions)
    db.session.flush()
    people = [{"username": f"g{i}", "display_name": f"G {i}", "role": "participant", "country": rng.choice(COUNTRIES),
               "gender": rng.choice(GENDERS), "birth_year": rng.choice([None, 1960, 1978, 1992, 2001, 2006]),
               "organisation_id": rng.choice([None, *(u.id for u in unions)]), "password_hash": "x",
               "must_change_password": False, "created_at": datetime(2023, 6, 1, tzinfo=UTC)} for i in range(PEOPLE)]
    db.session.execute(sa.insert(User.__table__), people)
    ids = [db.session.scalar(select(User.id).where(User.username == p["username"])) for p in people]
    history = []
    for n, (user_id, person) in enumerate(zip(ids, people, strict=True)):
        if n % 50 == 9:  # no attributes: left out of the figures with a gender or age band
            continue
        values = {k: person[k] for k in ("country", "gender", "birth_year", "organisation_id")}
        history.append({"user_id": user_id, "counts_from": BEGINNING, **values})
        if rng.random() < 0.3:  # another gender or birth year from the first of a month
            changed = {**values, "gender": rng.choice(GENDERS), "birth_year": rng.choice([None, 1985, 1999])}
            history.append({"user_id": user_id, "counts_from": date(rng.choice([2024, 2025]), rng.randint(1, 12), 1),
                            **changed})
    db.session.execute(sa.insert(PersonAttributes.__table__), history)
    trainers = {user_id: None for user_id in ids[:4]}  # the organisation's own trainers: promoted at None
    starts = sorted(date(2024, 1, 1) + timedelta(days=rng.randint(0, 700)) for _ in range(60))
    for n, starts_on in enumerate(starts):
        ends_on = starts_on + timedelta(days=rng.choice([20, 45, 90]))
        eligible = [t for t, promoted in trainers.items() if promoted is None or promoted < at(starts_on)]
        group = TrainingGroup(
            course_id=rng.choice(courses).id, trainer_id=rng.choice(eligible), name=f"Group {n}",
            country=rng.choice(COUNTRIES), place="Hall", mode=rng.choice(["in-person", "blended", "online"]),
            organisation_id=rng.choice([None, *(u.id for u in unions)]), starts_on=starts_on, ends_on=ends_on,
            join_code=f"G{n:05d}", trains_trainers=n % 4 == 1,
            created_at=at(starts_on + timedelta(days=rng.choice([-20, -1, 10]))))  # some made after their start
        db.session.add(group)
        db.session.flush()
        members = rng.sample(ids[4:], rng.randint(4, 16))
        for user_id in members:  # some join before the start, some after the end
            joined = at(starts_on + timedelta(days=rng.randint(-10, (ends_on - starts_on).days + 20)))
            db.session.add(GroupMember(group_id=group.id, user_id=user_id, joined_at=joined))
        db.session.flush()
        for s in range(rng.randint(1, 5)):
            session = GroupSession(group_id=group.id, topic=f"Session {s}",
                                   held_on=starts_on + timedelta(days=rng.randint(-2, (ends_on - starts_on).days)))
            db.session.add(session)
            db.session.flush()
            for user_id in members:
                if rng.random() < 0.6:
                    db.session.add(Attendance(session_id=session.id, user_id=user_id))
        if group.trains_trainers:
            for user_id in rng.sample(members, 2):
                promoted_at = at(ends_on + timedelta(days=rng.randint(1, 40)))
                db.session.add(TrainerPromotion(
                    user_id=user_id, group_id=group.id, promoted_at=promoted_at,
                    revoked_at=promoted_at + timedelta(days=30) if rng.random() < 0.2 else None))
                if user_id not in trainers or (trainers[user_id] or promoted_at) > promoted_at:
                    trainers[user_id] = promoted_at
    # One of the organisation's own trainers, who ran groups from the start, trained again late in 2025: of
    # generation 0 in every period before, of a later one after.
    late = db.session.scalar(select(TrainingGroup).where(TrainingGroup.trains_trainers.is_(True),
                                                         TrainingGroup.trainer_id != ids[0],
                                                         TrainingGroup.ends_on >= date(2025, 9, 1))
                             .order_by(TrainingGroup.ends_on))
    db.session.add(TrainerPromotion(user_id=ids[0], group_id=late.id, promoted_at=at(late.ends_on + timedelta(days=3))))
    db.session.commit()
    return courses, unions
