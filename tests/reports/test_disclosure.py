"""The method on crafted data: cell keys, rounding at random to a multiple of 5, rates and noisy means.

Bounds that could fail by chance are set so that they do with probability under 1e-4 (Hoeffding's
inequality); the draws are fixed by the test configuration's PSEUDONYM_KEY, so a run is repeatable.
"""
from __future__ import annotations

import math
import random
import secrets
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms import clock, disclosure
from lms.database.migrations import downgrade, upgrade
from lms.disclosure import Count, published_count
from lms.extensions import db
from lms.models import Course, Enrolment
from lms.models.record_keys import KEY_SPACE
from lms.surveys.statistics import Estimate
from tests.helpers import BUNDLED_COURSE, ROOT, app_on_new_database, sign_in
from tests.reports import reading


def hoeffding(n: int, width: float = 5, probability: float = 1e-4) -> float:
    """How far the mean of n independent values within a range of ``width`` strays from its expectation with
    probability under ``probability`` (Hoeffding's inequality)."""
    return math.sqrt(width * width * math.log(2 / probability) / (2 * n))


def test_published_counts_are_multiples_of_5_within_4_and_zero_stays_zero(app_ctx):
    rng = random.Random(5)
    for n in range(0, 400):
        for _ in range(10):
            shown = published_count(n, rng.randrange(KEY_SPACE))
            assert shown % 5 == 0 and abs(shown - n) <= 4 and shown >= 0
            assert shown in (5 * (n // 5), 5 * (n // 5) + 5)
    assert all(published_count(0, key) == 0 for key in range(1000))
    assert {published_count(n, key) for n in range(1, 5) for key in range(200)} == {0, 5}  # 1-4 often show 0


def test_the_same_records_give_the_same_figure_and_other_records_their_own(app_ctx):
    keys = [secrets.randbelow(KEY_SPACE) for _ in range(7)]
    cells = [Count(1, k) for k in keys]
    # However the records are added up (one by one, by halves, in another order), the count is the same.
    whole = sum(cells, Count())
    assert whole == sum(reversed(cells), Count()) == sum(cells[:3], Count()) + sum(cells[3:], Count())
    assert whole.key == sum(keys) % KEY_SPACE and whole.published == whole.published == published_count(7, whole.key)
    # Different sets of three records are rounded independently: both outcomes occur, 0 about 2 times in 5.
    rng = random.Random(3)
    shown = [published_count(3, rng.randrange(KEY_SPACE)) for _ in range(4000)]
    assert set(shown) == {0, 5}
    assert abs(shown.count(5) / len(shown) - 3 / 5) < hoeffding(len(shown), width=1)


def test_rounding_is_unbiased(app_ctx):
    rng = random.Random(11)
    errors = []
    for _ in range(40_000):
        n = rng.randrange(1000)
        errors.append(published_count(n, rng.randrange(KEY_SPACE)) - n)
    assert abs(sum(errors) / len(errors)) < hoeffding(len(errors))


def test_rounding_is_unbiased_for_each_remainder(app_ctx):
    """A count ending in 1 goes up one time in five and down four times in five, and so on: unbiased each."""
    rng = random.Random(13)
    for rest in range(1, 5):
        errors = []
        for _ in range(10_000):
            n = 5 * rng.randrange(200) + rest
            errors.append(published_count(n, rng.randrange(KEY_SPACE)) - n)
        assert set(errors) == {-rest, 5 - rest}
        assert abs(sum(errors) / len(errors)) < hoeffding(len(errors)), rest


def test_the_rounding_depends_on_the_secret_key(app_ctx):
    keys = [secrets.randbelow(KEY_SPACE) for _ in range(400)]
    first = [published_count(3, k) for k in keys]
    app_ctx.config["PSEUDONYM_KEY"], kept = "another key of at least thirty-two characters", \
        app_ctx.config["PSEUDONYM_KEY"]
    try:
        second = [published_count(3, k) for k in keys]
    finally:
        app_ctx.config["PSEUDONYM_KEY"] = kept
    assert first != second and first == [published_count(3, k) for k in keys]


def test_rates_divide_published_counts_and_stop_at_100_percent():
    assert disclosure.rate(5, 5) is None and disclosure.rate(0, 0) is None  # under 10 in the denominator
    assert disclosure.rate(5, 10) == 0.5 and disclosure.rate(15, 10) == 1.0


def test_noise_on_a_mean_is_bounded_unbiased_and_moves_the_interval(app_ctx):
    rng = random.Random(17)
    noises = [disclosure.noise(rng.randrange(KEY_SPACE), 20, 4, "mean:test") for _ in range(20_000)]
    assert all(-4 <= e <= 4 for e in noises)
    assert abs(sum(noises) / len(noises)) < hoeffding(len(noises), width=8)
    exact = Estimate(20, 3.14159, 2.5, 3.8)
    moved = disclosure.moved(exact, 20, 0.12, 1, (1, 5))
    assert moved == Estimate(20, 3.3, 2.6, 3.9)
    assert disclosure.moved(exact, 5, 0.12, 1) == Estimate(5, None, None, None)  # under 10 people: nothing
    assert disclosure.moved(Estimate(40, 98.0, 95.0, 101.0), 40, 3.0, 0, (0, 100)) == Estimate(40, 100, 98, 100)


def enrol(create_user, name: str, when: datetime, **fields) -> None:
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    user = create_user(name, **fields)
    db.session.add(Enrolment(user_id=user.id, course_id=course.id, enrolled_at=when, last_activity_at=when))


def test_the_same_records_give_the_same_figure_in_two_views(app, library, create_user):
    rng = random.Random(8)
    for i in range(60):
        enrol(create_user, f"m{i}", datetime(2025, rng.randint(1, 12), rng.randint(1, 28), tzinfo=UTC),
              gender=rng.choice(["woman", "man", "another"]), country=rng.choice(["PE", "BJ"]))
    db.session.commit()
    create_user("admin", role="admin")
    client = app.test_client()
    sign_in(client, "admin")

    def cells(query: str) -> dict:
        return reading.report_tables(client.get(f"/reports?year=2025{query}").get_data(as_text=True))

    everyone, women = cells(""), cells("&gender=woman")
    # The women's column of the all-gender table, and the total of the women-only view: the same women.
    assert everyone[("by_country", "Total", "Woman")] == women[("by_country", "Total", "Total")]
    assert everyone[("by_age", "Total", "Woman")] == women[("by_age", "Total", "Total")]
    for month in range(1, 13):  # a month of the monthly table, and that month chosen as the period
        chosen = cells(f"&month={month}")
        assert everyone[("trend", f"2025-{month:02d}", "Enrolments begun")] == chosen.get(
            ("progress", "Total", "Enrolments begun"), "0")
    # Asked again, nothing changes: there is nothing to average away.
    assert cells("&gender=woman") == women


def test_new_records_get_a_random_key(app_ctx, create_user):
    users = [create_user(f"k{i}") for i in range(40)]
    keys = [u.record_key for u in users]
    assert all(0 <= k < KEY_SPACE for k in keys) and len(set(keys)) == len(keys)


#: Values for the NOT NULL columns of rows made by hand at the revision before the record keys.
KNOWN = {"role": "participant", "gender": "woman", "mode": "in-person", "kind": "baseline", "privacy": "anonymous",
         "subject": "participant", "source": "web", "direction": "up", "country": "PE", "language": "en",
         "source_language": "en", "purpose": "membership"}
#: Columns that may be empty but must be filled for a check to pass: a wave is tied to one course.
ALSO = {"survey_waves": ("course_id",)}
COUNTED = ("users", "enrolments", "quiz_attempts", "group_members", "group_sessions", "attendance",
           "trainer_promotions", "survey_responses")


def filled(table, column) -> bool:
    """Whether a hand-made row gives the column a value: what may not be empty, but not an own numbered id."""
    own_id = column.primary_key and len(table.primary_key) == 1 and isinstance(column.type, sa.Integer)
    return (not column.nullable or column.name in ALSO.get(table.name, ())) and not own_id


def value_for(column, row: int, made: dict):
    import uuid
    from datetime import date

    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column
        rows = made[target.table.name]
        return rows[row % len(rows)][target.name]
    if column.name in KNOWN:
        return KNOWN[column.name]
    samples = {int: row + 1, str: f"x{row}", bool: False, float: 1.0, datetime: datetime.now(UTC),
               date: clock.today(), dict: {}, list: [], uuid.UUID: uuid.uuid4()}
    return samples.get(column.type.python_type, f"x{row}")


def test_the_migration_gives_existing_rows_random_keys_and_goes_back(tmp_path):
    with app_on_new_database(tmp_path):
        upgrade(directory=str(ROOT / "migrations"), revision="373e4a370b93")
        metadata = sa.MetaData()
        metadata.reflect(db.engine)
        needed = set(COUNTED)
        for table in reversed(metadata.sorted_tables):
            if table.name in needed:
                needed |= {key.column.table.name for key in table.foreign_keys
                           if not key.parent.nullable or key.parent.name in ALSO.get(table.name, ())}
        made: dict[str, list[dict]] = {}
        with db.engine.begin() as connection:
            for table in metadata.sorted_tables:
                if table.name not in needed:
                    continue
                rows = [{c.name: value_for(c, i, made) for c in table.columns if filled(table, c)}
                        for i in range(30 if table.name == "users" else 1)]
                connection.execute(table.insert(), rows)
                made[table.name] = [dict(r._mapping) for r in connection.execute(select(table))]
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as connection:
            for name in COUNTED:
                keys = list(connection.scalars(sa.text(f"SELECT record_key FROM {name}")))
                assert keys and all(0 <= k < KEY_SPACE for k in keys), name
            users = list(connection.scalars(sa.text("SELECT record_key FROM users")))
            assert len(set(users)) == len(users) == 30  # drawn for each row, not once for all
        downgrade(directory=str(ROOT / "migrations"), revision="373e4a370b93")
        with db.engine.connect() as connection:
            for name in COUNTED:
                assert "record_key" not in {c["name"] for c in sa.inspect(connection).get_columns(name)}


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_a_small_count_and_zero_cannot_be_told_apart(app_ctx, n):
    """Over many sets of n records, a good share are published as 0, exactly as a true zero is."""
    shown = [published_count(n, secrets.randbelow(KEY_SPACE)) for _ in range(2000)]
    assert shown.count(0) / len(shown) > (5 - n) / 5 - hoeffding(len(shown), width=1)
