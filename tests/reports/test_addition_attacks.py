"""F6: someone who can add records (fake accounts, enrolments) and read the dashboard adds them one by one.

Each new set of records is rounded afresh, and a count that is a multiple of 5 is shown exact, so on the old
dashboard some 20-40 additions to the current month gave its true small count. Figures are now published only for
periods that have ended, and records count in the period in which they were recorded: nobody can add a record
to a published cell. The test reads the pages over HTTP, as any reader does, so it runs against the old code too.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from lms.extensions import db
from lms.learn import services as learning
from lms.models import Enrolment
from tests.helpers import BUNDLED_COURSE
from tests.reports.helpers import admin_client, count, read

TRUE_WOMEN = 3


def consistent(true: int, added: int, shown: int) -> bool:
    """Whether ``shown`` can be the published count of ``true + added`` records."""
    n = true + added
    low = 5 * (n // 5)
    return shown in (low, low + 5) if n % 5 else shown == low


def play(client, query: str, create_user, prefix: str, rounds: int = 40) -> set[int]:
    """Add a fake woman in Peru, read the cell, again and again (every fifth round a swap: one more fake woman
    and an earlier one who now says she is a man); returns the true counts that fit every reading."""
    course = learning.find_course(BUNDLED_COURSE)
    candidates, added, fakes = set(range(5)), 0, []
    for i in range(rounds):
        fake = create_user(f"{prefix}{i}", country="PE", gender="woman")
        learning.enrol(fake.id, course)
        fakes.append(fake)
        added += 1
        if i % 5 == 4:
            fakes.pop(0).gender = "man"
            added -= 1
        db.session.commit()
        cells = read(client, query)
        if not cells:  # no figures on the page: nothing learnt
            continue
        shown = count(cells, "by_country", "Peru", "Woman")
        candidates = {t for t in candidates if consistent(t, added, shown)}
    return candidates


def test_adding_fake_records_one_by_one_does_not_give_a_small_count(app, library, create_user):
    course = learning.find_course(BUNDLED_COURSE)
    today = datetime.now(UTC)
    last_month = date(today.year, today.month, 1) - timedelta(days=1)
    for i in range(TRUE_WOMEN):  # three women this month, three last month, in Peru
        for when, name in ((today, "now"), (datetime(last_month.year, last_month.month, 2, 10, tzinfo=UTC), "then")):
            user = create_user(f"{name}{i}", country="PE", gender="woman")
            db.session.add(Enrolment(user_id=user.id, course_id=course.id, enrolled_at=when, last_activity_at=when))
    db.session.commit()
    client = admin_client(app, create_user)
    this_month = f"year={today.year}&month={today.month}&country=PE&gender=woman"
    candidates = play(client, this_month, create_user, "fake")
    assert len(candidates) > 1, f"the true count of this month's women, {TRUE_WOMEN}, was worked out: {candidates}"
    page = client.get(f"/reports?{this_month}").get_data(as_text=True)
    published_on = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    assert f"are published on {published_on:%B} {published_on.day}, {published_on.year}" in page, page
    # Last month has ended: the additions land in this month and never move its figure.
    before = read(client, f"year={last_month.year}&month={last_month.month}&country=PE&gender=woman")
    candidates = play(client, f"year={last_month.year}&month={last_month.month}&country=PE&gender=woman",
                      create_user, "late", rounds=10)
    assert read(client, f"year={last_month.year}&month={last_month.month}&country=PE&gender=woman") == before
    assert len(candidates) > 1 or candidates == set(), candidates
