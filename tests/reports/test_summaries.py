"""The summaries of ended periods give the figures computed from the records, cell for cell, n and key.

On generated data (people over two years in four countries, every gender, birth years and none, unions, both
courses and a topic they share, completions before and after the summaries' cutoff, quiz attempts before and
after the lessons, histories of attributes, an erased member, a person without attributes), for every year,
quarter and month and every filter the summaries cover, alone and together. Then: the page says when its
figures were made, and a change that moves an ended period's figures is followed (computed from the records
until the summary is built again).
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import format_datetime
from sqlalchemy import select

from lms import clock
from lms.database import storage
from lms.extensions import db
from lms.models import (
    Course,
    CourseTopic,
    Enrolment,
    GroupMember,
    Module,
    Organisation,
    PersonAttributes,
    QuizAttempt,
    ReportSummary,
    TrainingGroup,
    User,
)
from lms.models.report_summaries import summary_cells
from lms.models.users import BEGINNING
from lms.permissions import Scope
from lms.privacy.services import erase_account
from lms.reports import figures
from lms.reports.filters import ReportFilter, parse_age_bands
from lms.reports.forms import QUARTERS, last_day
from lms.reports.summaries import forgetting, reading, refresh
from tests.helpers import dead_versions, dialect, sign_in

BANDS = tuple(parse_age_bands("15-24,25-35,36+"))
COUNTRIES = ["PE", "BJ", "KH", "NL"]
GENDERS = ["woman", "man", "another", "undisclosed"]
SHARED_TOPIC = "social-dialogue"
PEOPLE = 300


def moment(rng: random.Random, first: datetime, last: datetime) -> datetime:
    return first + timedelta(seconds=rng.randint(0, int((last - first).total_seconds())))


@pytest.fixture
def varied(app_ctx, library, frozen_clock):
    """PEOPLE members over 2024-2025 (the clock stands in March 2026); returns the courses and unions."""
    rng = random.Random(20)
    courses = list(db.session.scalars(select(Course).order_by(Course.slug)))
    # A topic of both courses: a person in both counts once among its participants.
    db.session.add(CourseTopic(course_id=courses[1].id, topic=SHARED_TOPIC, position=9))
    unions = [Organisation(name=f"Union {c}", acronym=f"U{c}", country=c, sector="Hotels") for c in COUNTRIES[:3]]
    db.session.add_all(unions)
    db.session.flush()
    modules = {c.id: [m.id for m in db.session.scalars(select(Module).where(Module.course_id == c.id))]
               for c in courses}
    people = [{"username": f"v{i}", "display_name": f"V {i}", "role": "participant",
               "country": rng.choice(COUNTRIES), "gender": rng.choice(GENDERS),
               "birth_year": rng.choice([None, 1958, 1975, 1990, 1999, 2002, 2007]),
               "organisation_id": rng.choice([None, *(u.id for u in unions)]), "password_hash": "x",
               "must_change_password": False, "created_at": datetime(2023, 6, 1, tzinfo=UTC)} for i in range(PEOPLE)]
    db.session.execute(sa.insert(User.__table__), people)  # the database numbers them (PostgreSQL's sequence)
    ids = dict(db.session.execute(select(User.username, User.id).where(User.username.like("v%"))).all())
    history, enrolments, attempts = [], [], []
    for i, person in enumerate(people):
        person["id"] = ids[person["username"]]
        if i % 100 == 7:  # no attributes at all: counted where figures.py does not ask for any
            continue
        values = {k: person[k] for k in ("country", "gender", "birth_year", "organisation_id")}
        history.append({"user_id": person["id"], "counts_from": BEGINNING, **values})
        if rng.random() < 0.3:  # a change counting from the first of a month
            changed = {**values, rng.choice(["country", "gender", "birth_year", "organisation_id"]): None}
            changed["country"] = changed["country"] or rng.choice(COUNTRIES)
            changed["gender"] = changed["gender"] or rng.choice(GENDERS)
            history.append({"user_id": person["id"], "counts_from": date(rng.choice([2024, 2025]),
                                                                          rng.randint(1, 12), 1), **changed})
        for course in courses:
            if rng.random() > (0.8 if course is courses[0] else 0.5):
                continue
            enrolled = moment(rng, datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, 23, tzinfo=UTC))
            completed = None
            if rng.random() < 0.6:  # some completed since this month began, after the summaries' cutoff
                completed = min(enrolled + timedelta(days=rng.randint(0, 300)), datetime(2026, 3, 3, tzinfo=UTC))
            enrolments.append({"user_id": person["id"], "course_id": course.id, "enrolled_at": enrolled,
                               "completed_at": completed, "last_activity_at": enrolled})
            module = rng.choice(modules[course.id])
            if rng.random() < 0.7:
                attempts.append({"user_id": person["id"], "module_id": module, "score": rng.randint(0, 100),
                                 "passed": False, "answers": {}, "submitted_at": enrolled, "before_lessons": True})
            for _ in range(rng.choice([0, 1, 1, 2])):
                attempts.append({"user_id": person["id"], "module_id": module, "score": rng.randint(0, 100),
                                 "passed": True, "answers": {}, "before_lessons": False,
                                 "submitted_at": enrolled + timedelta(days=rng.choice([0, 0, 1, 20, 100]))})
    for table, rows in ((PersonAttributes, history), (Enrolment, enrolments), (QuizAttempt, attempts)):
        db.session.execute(sa.insert(table.__table__), rows)
    db.session.commit()
    erase_account(db.session.get(User, people[1]["id"]), now=datetime(2026, 3, 2, 8, tzinfo=UTC))
    db.session.commit()
    return courses, unions


def periods() -> list[tuple[date, date]]:
    found = []
    for year in (2024, 2025):
        found.append((date(year, 1, 1), date(year, 12, 31)))
        found += [(date(year, first, 1), last_day(year, last)) for first, last in QUARTERS.values()]
        found += [(date(year, month, 1), last_day(year, month)) for month in range(1, 13)]
    return found


def filters(courses, unions) -> list[dict]:
    one, other = courses
    return [{}, {"countries": ("PE",)}, {"countries": ("BJ", "KH")}, {"organisation_id": unions[0].id},
            {"course_id": one.id}, {"course_id": other.id}, {"topic": SHARED_TOPIC}, {"topic": "young-workers"},
            {"course_id": other.id, "topic": "social-dialogue"}, {"course_id": other.id, "topic": "young-workers"},
            {"gender": "woman"}, {"age_band": "25-35"}, {"age_band": "36+"},
            {"scope": Scope(countries=frozenset({"KH"}), organisations=frozenset({unions[0].id}))},
            {"countries": ("PE",), "gender": "man", "course_id": one.id},
            {"age_band": "15-24", "topic": SHARED_TOPIC, "organisation_id": unions[1].id},
            {"scope": Scope(countries=frozenset({"PE", "KH"})), "gender": "woman"}]


def assert_same(report: ReportFilter, exact_sums: bool) -> None:
    cube = reading.cube(report)
    assert cube is not None, report
    assert cube == figures.computed_participation_cube(report), report
    assert reading.trend(report) == figures.computed_monthly_trend(report), report
    fast, computed = reading.gain(report), figures.computed_knowledge_gain(report)
    assert fast.people == computed.people, report
    assert fast.published == computed.published, report
    if exact_sums:  # PostgreSQL adds exact decimals; SQLite floats, in another order
        assert fast == computed, report
    else:
        assert (fast.before, fast.after, fast.differences.total, fast.differences.squares) == pytest.approx(
            (computed.before, computed.after, computed.differences.total, computed.differences.squares), rel=1e-12)


def test_summaries_give_the_computed_cells_for_every_period_and_filter(varied):
    courses, unions = varied
    assert refresh() > 0
    exact = db.engine.dialect.name == "postgresql"
    cells = 0
    every = filters(courses, unions)
    for start, end in periods():
        # Every filter for years and quarters; for months (the cheaper periods), those of the other dimensions.
        for chosen in every if end.month - start.month > 0 else [every[i] for i in (0, 1, 3, 6, 9, 11, 13)]:
            report = ReportFilter(start=start, end=end, age_bands=BANDS, **chosen)
            assert_same(report, exact)
            cells += len(figures.computed_participation_cube(report))
    assert cells > 1000  # the data fill the cells: the comparison is not of empty dictionaries
    year = ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31), age_bands=BANDS)
    assert figures.participation_cube(year) == reading.cube(year)  # the dashboard reads the summary
    assert figures.knowledge_gain(year).people.n > 50
    late = reading.completed_late(year, db.session.scalar(select(ReportSummary).where(
        ReportSummary.starts_on == year.start, ReportSummary.ends_on == year.end)))
    assert sum(count.n for count in late.values()) > 0  # completions after the cutoff, added when read


def test_the_late_completions_are_planned_for_their_own_dates_once_prepared(varied):
    """psycopg prepares a statement run five times on a connection, and PostgreSQL then keeps one plan for any
    parameters: for the completions since the summary's cutoff, that plan read every enrolment begun in the period
    (430,000 at 500,000 participants, 110 ms) instead of the few completed since (1 ms), and hashed everyone's
    history to find their attributes. So the dates are written into the statement (each period and cutoff gets
    a plan made for them) and, on PostgreSQL, each person's attributes are looked up on their own (LATERAL)."""
    refresh()
    year = ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31), age_bands=BANDS)
    summary = reading.current_summary(year)
    statements = []

    def seen(_conn, _cursor, statement, parameters, *_args):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        late = reading.completed_late(year, summary)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert sum(count.n for count in late.values()) > 0
    (statement, parameters), = statements
    cutoff = clock.as_utc(summary.completions_cutoff)
    assert cutoff.strftime("%Y-%m-%d %H:%M:%S") in statement and "2025-01-01 00:00:00" in statement
    values = parameters.values() if isinstance(parameters, dict) else parameters
    assert not any(isinstance(value, datetime) for value in values)
    assert ("LATERAL" in statement) == (dialect() == "postgresql")


#: Enrolments (begun, completed) at and around the periods' bounds and the summaries' cutoff (the clock stands in
#: March 2026: the cutoff is 1 March), to the microsecond.
EDGES = [(datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
         (datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(2026, 3, 1, 0, 0, 0, 1, tzinfo=UTC)),
         (datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
         (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, 1, tzinfo=UTC)),
         (datetime(2025, 6, 1, 12, tzinfo=UTC), datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC)),
         (datetime(2025, 6, 1, 12, tzinfo=UTC), datetime(2026, 3, 2, 10, 0, 0, 500000, tzinfo=UTC)),
         (datetime(2025, 3, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
         (datetime(2025, 4, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))]
#: Histories of attributes: none, only after the year's end, several (one on its last day, one after it).
HISTORIES = {"none": [], "after": [(date(2026, 1, 1), {})], "last-day": [(date(2025, 12, 31), {"gender": "another"})],
             "several": [(BEGINNING, {"gender": "man"}), (date(2025, 6, 1), {"birth_year": None}),
                         (date(2025, 12, 31), {"country": "BJ"}), (date(2026, 1, 1), {"country": "NL"})]}


def test_the_bounds_and_the_cutoff_count_to_the_microsecond(varied):
    """Enrolments begun at a period's first or last microsecond, or one outside it, and completed at the cutoff or
    one microsecond before or after it, for people with awkward histories: the summaries with the completions
    since their cutoff give the figures of the records (reviewer's edge data: the dates are written into the
    late completions' statement, and SQLite compares the stored text)."""
    courses, unions = varied
    for kind, history in HISTORIES.items():
        for number, (begun, completed) in enumerate(EDGES):
            # Written as rows, not through the model, whose events would write the person's history themselves.
            person = db.session.scalar(sa.insert(User).returning(User.id).values(
                username=f"edge-{kind}-{number}", display_name="Edge", role="participant", country="PE",
                gender="woman", birth_year=1990, password_hash="x", created_at=datetime(2023, 6, 1, tzinfo=UTC)))
            for counts_from, values in history:
                db.session.execute(sa.insert(PersonAttributes.__table__).values(
                    {"user_id": person, "counts_from": counts_from, "country": "PE", "gender": "woman",
                     "birth_year": 1990, "organisation_id": None, **values}))
            db.session.add(Enrolment(user_id=person, course_id=courses[0].id, enrolled_at=begun,
                                     completed_at=completed, last_activity_at=begun))
    db.session.commit()
    assert refresh() > 0
    exact = db.engine.dialect.name == "postgresql"
    late = 0
    for start, end in [(date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 1, 1), date(2025, 3, 31)),
                       (date(2025, 4, 1), date(2025, 6, 30)), (date(2025, 12, 1), date(2025, 12, 31))]:
        for chosen in filters(courses, unions):
            report = ReportFilter(start=start, end=end, age_bands=BANDS, **chosen)
            assert_same(report, exact)
            late += sum(count.n for count in reading.completed_late(report, reading.current_summary(report)).values())
    assert late > 20


def test_a_group_filter_and_a_period_without_summary_are_computed(varied):
    courses, _unions = varied
    report = ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31), age_bands=BANDS)
    assert reading.cube(report) is None  # nothing built yet
    assert figures.participation_cube(report) == figures.computed_participation_cube(report) != {}
    refresh()
    assert reading.cube(report) is not None
    assert reading.cube(ReportFilter(start=report.start, end=report.end, group_id=1)) is None


def test_erasure_and_late_records_are_followed(varied):
    """An erasure moves the age bands of the periods the member took part in: the summaries touched stop being
    read at once, and are built again by the next refresh. A completion recorded now, of an enrolment begun in
    2025, moves "of these, completed" of 2025 without a rebuild."""
    refresh()
    year = ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31), age_bands=BANDS)
    before = reading.cube(year)
    person = db.session.scalar(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .join(PersonAttributes, PersonAttributes.user_id == User.id)
        .where(User.erased_at.is_(None), PersonAttributes.birth_year == 1990,
               Enrolment.enrolled_at.between(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC))))
    erase_account(person, now=clock.utcnow())
    db.session.commit()
    assert reading.cube(year) is None
    assert figures.participation_cube(year) != before  # computed from the records meanwhile
    assert refresh() > 0
    assert reading.cube(year) == figures.computed_participation_cube(year) != before
    open_one = db.session.scalar(select(Enrolment).where(
        Enrolment.completed_at.is_(None), Enrolment.enrolled_at >= datetime(2025, 1, 1, tzinfo=UTC)))
    built_at = db.session.scalar(select(ReportSummary.built_at).where(ReportSummary.starts_on == year.start,
                                                                      ReportSummary.ends_on == year.end))
    open_one.completed_at = clock.utcnow()
    db.session.commit()
    assert reading.made_at(year) is not None and reading.cube(year) == figures.computed_participation_cube(year)
    assert db.session.scalar(select(ReportSummary.built_at).where(ReportSummary.starts_on == year.start,
                                                                  ReportSummary.ends_on == year.end)) == built_at
    attempt = db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.submitted_at >= datetime(2025, 1, 1, tzinfo=UTC), QuizAttempt.before_lessons.is_(False)))
    db.session.delete(attempt)  # a paper score deleted
    db.session.commit()
    assert reading.gain(year) is None
    refresh()
    assert_same(year, db.engine.dialect.name == "postgresql")
    topics = db.session.scalar(select(sa.func.count()).select_from(ReportSummary).where(
        ReportSummary.built_from == ReportSummary.changes))
    first_course = db.session.scalar(select(Course).order_by(Course.slug))
    db.session.add(CourseTopic(course_id=first_course.id, topic="young-workers", position=8))
    db.session.commit()
    assert topics > 0 and not db.session.scalar(select(sa.func.count()).select_from(ReportSummary).where(
        ReportSummary.built_from == ReportSummary.changes))


def test_every_table_of_a_summarys_figures_is_forgotten_with_it():
    """Forgetting a summary, cleaning its old rows and the erasure go through ``forgetting.FIGURES``: every table
    that holds a summary's rows is in it."""
    held = {table for table in db.metadata.sorted_tables if "summary_id" in table.c}
    assert held == set(forgetting.FIGURES)


def test_an_erasure_takes_the_person_out_of_the_summaries_at_once(varied, monkeypatch):
    """A cell of one person is that person (its key sum is their record key, which the tombstone keeps): the
    erasure deletes the figures of the summaries it changed in its own transaction, and no old version of them is
    left in PostgreSQL's files after the scheduler's next run; the pages compute those periods meanwhile, and that
    run builds them again."""
    monkeypatch.setattr(storage, "SNAPSHOT_WAIT_SECONDS", 60.0)  # the other pytest worker's transactions
    refresh()
    alone = (select(sa.func.count()).select_from(summary_cells)
             .where(summary_cells.c.participants == 1, summary_cells.c.participants_key == sa.bindparam("key"),
                    sa.or_(summary_cells.c.birth_year.is_not(None), summary_cells.c.organisation_id.is_not(None))))
    person = db.session.scalar(
        select(User).join(PersonAttributes, PersonAttributes.user_id == User.id)
        .where(User.erased_at.is_(None), PersonAttributes.birth_year.is_not(None),
               PersonAttributes.organisation_id.is_not(None), User.id.in_(select(Enrolment.user_id)))
        .order_by(User.id).limit(1))
    assert db.session.scalar(alone, {"key": person.record_key}) > 0  # her own cells: her year of birth and union
    year = ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31), age_bands=BANDS)
    erase_account(person, now=clock.utcnow())
    db.session.commit()
    assert db.session.scalar(alone, {"key": person.record_key}) == 0
    current = select(ReportSummary.id).where(ReportSummary.built_from == ReportSummary.changes)
    for table in forgetting.FIGURES:
        assert not db.session.scalar(select(sa.func.count()).select_from(table)
                                     .where(table.c.summary_id.not_in(current))), table.name
    assert figures.participation_cube(year) == figures.computed_participation_cube(year)
    assert forgetting.clean_forgotten()  # the scheduler's next run, before it builds
    if dialect() == "postgresql":
        for table in forgetting.FIGURES:
            assert dead_versions(table.name) == [], table.name
    assert not forgetting.clean_forgotten()  # nothing left to clean
    assert refresh() > 0
    assert db.session.scalar(alone, {"key": person.record_key}) == 0
    assert reading.cube(year) == figures.computed_participation_cube(year)


@pytest.mark.parametrize("table", ["users", "enrolments", "quiz_attempts", "group_members"])
def test_a_record_key_changed_by_hand_marks_the_summaries_it_moves(varied, table):
    """The app never changes a record key; a write to the database that does leaves no summary current with the
    old key sums (the same records would be rounded two ways)."""
    person = db.session.scalar(select(Enrolment.user_id).where(Enrolment.enrolled_at.between(
        datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC))).order_by(Enrolment.id).limit(1))
    if table == "group_members":  # the member of a group run in 2025
        group = TrainingGroup(name="G", country="PE", course_id=varied[0][0].id, place="Lima",
                              starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 9), mode="in-person",
                              join_code="REKEY2025", created_at=datetime(2025, 2, 1, tzinfo=UTC), trainer_id=person)
        db.session.add(group)
        db.session.flush()
        db.session.add(GroupMember(group_id=group.id, user_id=person, joined_at=datetime(2025, 2, 2, tzinfo=UTC)))
        db.session.commit()
    refresh()
    year = select(ReportSummary.built_from == ReportSummary.changes).where(
        ReportSummary.starts_on == date(2025, 1, 1), ReportSummary.ends_on == date(2025, 12, 31))
    assert db.session.scalar(year)
    column = "id" if table == "users" else "user_id"
    db.session.execute(sa.text(f"UPDATE {table} SET record_key = record_key + 7 WHERE {column} = :person"),
                       {"person": person})
    db.session.commit()
    assert not db.session.scalar(year)


def test_after_writes_that_skipped_the_triggers_every_summary_can_be_built_again(app, varied):
    """What TRUNCATE or a restore without triggers does, shown on both databases: a write, then the summaries put
    back as current by hand. A refresh builds nothing; ``flask reports summaries --all`` builds them all."""
    refresh()
    year = ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31))
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.enrolled_at.between(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC)))
        .order_by(Enrolment.id).limit(1))
    db.session.delete(enrolment)
    db.session.execute(sa.update(ReportSummary).values(changes=ReportSummary.built_from))
    db.session.commit()
    assert reading.cube(year) != figures.computed_participation_cube(year)  # the summary no longer says the truth
    runner = app.test_cli_runner()
    assert "Built 0 report summaries" in runner.invoke(args=["reports", "summaries"]).output
    result = runner.invoke(args=["reports", "summaries", "--all"])
    assert result.exit_code == 0 and f"Built {len(periods_kept())} report summaries" in result.output, result.output
    assert reading.cube(year) == figures.computed_participation_cube(year)


def periods_kept() -> list:
    from lms.reports.summaries import periods as kept

    return kept(clock.today())


def test_the_dashboard_says_when_its_figures_were_made(app, varied, create_user):
    create_user("admin", role="admin")
    client = app.test_client()
    sign_in(client, "admin")
    page = client.get("/reports?year=2025").get_data(as_text=True)
    assert "Figures as of" in page  # computed now
    refresh()
    made = reading.made_at(ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31)))
    with app.test_request_context():
        shown = format_datetime(made, "short")
    clock.frozen_at += timedelta(minutes=2)  # later: the summary's time is shown, not the request's
    page = client.get("/reports?year=2025").get_data(as_text=True)
    assert f"Figures as of {shown} UTC" in page  # the portal's times are UTC, and the page says so


@pytest.mark.parametrize(("path", "period"), [
    ("/reports/family-tree?year=2025", (date(2025, 1, 1), date(2025, 12, 31))),
    ("/overview", (date(2025, 10, 1), date(2025, 12, 31))),  # the last quarter ended (the clock stands in 2026)
])
def test_the_family_tree_and_the_overview_say_when_their_figures_were_made(app, varied, create_user, path, period):
    """Outside tester: the family tree and the overview, which read the period's summary too, did not say how fresh
    their figures were."""
    create_user("admin", role="admin")
    client = app.test_client()
    sign_in(client, "admin")
    with app.test_request_context():
        now = format_datetime(clock.utcnow(), "short")
    assert f"Figures as of {now} UTC" in client.get(path).get_data(as_text=True)  # computed now
    refresh()
    made = reading.made_at(ReportFilter(start=period[0], end=period[1]))
    clock.frozen_at += timedelta(minutes=2)  # later: the summary's time is shown, not the request's
    with app.test_request_context():
        shown, later = format_datetime(made, "short"), format_datetime(clock.utcnow(), "short")
    page = client.get(path).get_data(as_text=True)
    assert shown != later and f"Figures as of {shown} UTC" in page and later not in page


def test_a_page_reads_its_periods_summary_once_and_the_next_page_reads_it_again(app, varied, create_user):
    """Every figure of a page asks for its period's summary: the request reads it once. The next request reads it
    again, so a summary no longer current since is not read."""
    create_user("admin", role="admin")
    client = app.test_client()
    sign_in(client, "admin")
    refresh()
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        if "report_summaries" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine  # the engine of the app that serves the pages
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        response = client.get("/reports?year=2025")
        assert response.status_code == 200, response.status_code
        first = response.get_data(as_text=True)
        assert len(statements) == 1, statements
        kept = db.session.scalar(select(Enrolment).where(Enrolment.enrolled_at >= datetime(2025, 1, 1, tzinfo=UTC),
                                                         Enrolment.enrolled_at < datetime(2026, 1, 1, tzinfo=UTC))
                                 .order_by(Enrolment.id).limit(1))
        db.session.delete(kept)  # moves the year's figures: its summary is no longer current
        db.session.commit()
        second = client.get("/reports?year=2025").get_data(as_text=True)
        assert len(statements) == 2
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert "Figures as of" in first and "Figures as of" in second
    assert reading.current_summary(ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31))) is None


def test_a_groups_figures_read_only_its_members_attributes(varied, monkeypatch):
    """A group's dashboard is computed from the records (no summary covers groups): the people's attributes are
    read for its members only, which gives the figures of everyone's attributes."""
    courses, unions = varied
    trainer = db.session.scalar(select(User).where(User.username == "v3"))
    group = TrainingGroup(course_id=courses[0].id, trainer_id=trainer.id, name="Lima", country="PE", mode="online",
                          starts_on=date(2024, 1, 1), ends_on=date(2025, 12, 31), join_code="LIMA2024",
                          created_at=datetime(2023, 12, 1, tzinfo=UTC))
    db.session.add(group)
    db.session.flush()
    members = db.session.scalars(select(Enrolment.user_id).where(Enrolment.course_id == courses[0].id)
                                 .order_by(Enrolment.user_id).limit(60)).all()
    for n, user_id in enumerate(members):  # some joined after 2024 ended
        db.session.add(GroupMember(group_id=group.id, user_id=user_id,
                                   joined_at=datetime(2024 + n % 2, 3, 1, tzinfo=UTC)))
    db.session.commit()
    reports = [ReportFilter(start=start, end=end, age_bands=BANDS, group_id=group.id, **chosen)
               for start, end in periods()[:6] for chosen in ({}, {"gender": "woman"}, {"age_band": "36+"},
                                                               {"countries": ("PE", "BJ")})]
    narrow = [(figures.computed_participation_cube(r), figures.computed_monthly_trend(r),
               figures.computed_knowledge_gain(r)) for r in reports]
    everyone = figures.attributes
    monkeypatch.setattr(figures, "attributes", lambda report, members_only=False: everyone(report))
    assert narrow == [(figures.computed_participation_cube(r), figures.computed_monthly_trend(r),
                       figures.computed_knowledge_gain(r)) for r in reports]
    assert sum(len(cube) for cube, _trend, _gain in narrow) > 20 and any(gain.people.n for *_f, gain in narrow)


def test_a_member_learning_today_leaves_the_ended_periods_summaries_current(varied):
    """A first attempt before the lessons can move only a period that ends after it: one made today, by a member
    with records in every period, leaves every summary current (so the dashboards of ended periods stay fast
    while members learn), and one dated back into a period stops that period's summary and the later ones."""
    refresh()
    year = ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31), age_bands=BANDS)
    attempt = db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.submitted_at >= datetime(2025, 1, 1, tzinfo=UTC), QuizAttempt.before_lessons.is_(False)))
    current = select(sa.func.count()).select_from(ReportSummary).where(
        ReportSummary.built_from == ReportSummary.changes)
    kept = db.session.scalar(current)
    db.session.add(QuizAttempt(user_id=attempt.user_id, module_id=attempt.module_id, score=10, passed=False,
                               answers={}, submitted_at=clock.utcnow(), before_lessons=True))
    db.session.commit()
    assert db.session.scalar(current) == kept and reading.cube(year) is not None
    db.session.add(QuizAttempt(user_id=attempt.user_id, module_id=attempt.module_id, score=10, passed=False,
                               answers={}, submitted_at=datetime(2024, 6, 1, tzinfo=UTC), before_lessons=True))
    db.session.commit()
    assert reading.gain(year) is None and db.session.scalar(current) < kept
    refresh()
    assert_same(year, db.engine.dialect.name == "postgresql")


def test_two_builds_at_once_take_turns(varied, app_ctx):
    """The scheduler and `flask reports summaries` building at the same moment: each summary's row is locked while
    it is built, so the cells are added once, not twice."""
    import threading

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time in any case")
    start = threading.Barrier(2)
    failed = []

    def build_all() -> None:
        try:
            with app_ctx.app_context():
                start.wait()
                refresh()
        except BaseException as error:  # reported by the assertion below
            failed.append(error)

    builders = [threading.Thread(target=build_all) for _ in range(2)]
    for builder in builders:
        builder.start()
    for builder in builders:
        builder.join(timeout=300)
    assert not failed
    for start_day, end_day in ((date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 10, 1), date(2025, 12, 31))):
        report = ReportFilter(start=start_day, end=end_day, age_bands=BANDS)
        assert reading.cube(report) is not None
        assert_same(report, True)
