"""The reports' fixtures: a population of members enrolled over three years."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import Course, Enrolment
from tests.helpers import BUNDLED_COURSE


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
