"""What the reports tests call: an admin's client, the dashboard's cells read over HTTP, members enrolled last month
(the latest period whose figures are published), the number of SQL statements a page sends, and the group figures
computed from the records as without a summary."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

import sqlalchemy as sa
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import Course, Enrolment
from lms.reports.summaries import generations as kept_generations
from lms.reports.summaries import groups as group_summary
from tests.helpers import BUNDLED_COURSE, sign_in
from tests.reports import reading


def admin_client(app, create_user):
    create_user("admin", role="admin")
    client = app.test_client()
    sign_in(client, "admin")
    return client


def read(client, query: str) -> dict[tuple, str]:
    response = client.get(f"/reports?{query}")
    assert response.status_code == 200, query
    return reading.report_tables(response.get_data(as_text=True))


def count(cells: dict, *place: str) -> int:
    """A count as the reader takes it: a row or table left out means nobody."""
    value = cells.get(place, "0")
    assert reading.number(value) is not None, (place, value)  # a number, not "<5"
    return reading.number(value)


def last_month() -> tuple[date, date]:
    """The first and last days of the month before this one (UTC)."""
    end = clock.today().replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def last_month_query(**filters) -> str:
    start, _ = last_month()
    return "&".join([f"year={start.year}", f"month={start.month}"] + [f"{k}={v}" for k, v in filters.items()])


def course() -> Course:
    return db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))


def enrolled_last_month(create_user, name: str, **fields):
    """A member who enrolled on the 10th of last month."""
    start, _ = last_month()
    when = datetime(start.year, start.month, 10, 11, tzinfo=UTC)
    user = create_user(name, **fields)
    db.session.add(Enrolment(user_id=user.id, course_id=course().id, enrolled_at=when, last_activity_at=when))
    db.session.commit()
    return user


def count_queries(app, client, path: str) -> int:
    """The SQL statements one GET of ``path`` sends (it must answer 200)."""
    seen = []
    here = threading.get_ident()

    def count(*_args):
        if threading.get_ident() == here:  # not a live server's thread left serving an earlier browser test
            seen.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def at(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@contextmanager
def computed():
    """The figures computed from the records, as without a current summary."""
    with (mock.patch.object(group_summary, "period_summary", lambda report: None),
          mock.patch.object(kept_generations, "kept", lambda end: None)):
        yield
