"""The dashboard's counts against an independent count of generated data, as published; scopes; exports."""
from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date

import pytest
from openpyxl import load_workbook

from lms import clock
from lms.author import services as authoring
from lms.disclosure import Count
from lms.extensions import db
from lms.reports import figures, tables
from lms.reports.filters import ReportFilter, parse_age_bands
from lms.reports.tables import TOTAL, dashboard
from tests.helpers import BUNDLED_COURSE, YEAR, sign_in
from tests.reports import reading
from tests.reports.helpers import count_queries

BANDS = tuple(parse_age_bands("15-24,25-35,36+"))


def band_of(birth_year):
    if birth_year is None:
        return "unknown"
    age = YEAR - birth_year
    return next(b.label for b in BANDS if age >= b.low and (b.high is None or age <= b.high))


def test_counts_match_an_independent_count(population):
    report = ReportFilter(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), age_bands=BANDS)
    cube = figures.participation_cube(report)
    in_year = [(u, e, c) for u, e, c in population if e.year == YEAR]
    expected = Counter((u.country, u.gender, band_of(u.birth_year)) for u, _e, _c in in_year)
    assert {k: v.participants for k, v in cube.items() if v.participants} == dict(expected)
    assert sum(v.completed_since for v in cube.values()) == sum(1 for _u, _e, c in in_year if c)
    assert sum(v.completions for v in cube.values()) == sum(1 for _u, _e, c in population if c and c.year == YEAR)
    data = dashboard(report, cube, figures.monthly_trend(report), {}, {}, {})
    assert data.by_country.cells[(TOTAL, TOTAL)].n == len(in_year)
    women_in_peru = sum(1 for u, _e, _c in in_year if u.country == "PE" and u.gender == "woman")
    assert data.by_country.cells[("PE", "woman")].n == women_in_peru
    months = Counter(f"{e:%Y-%m}" for _u, e, _c in in_year)
    assert data.trend.rows == [f"{YEAR}-{m:02d}" for m in range(1, 13)]  # every month of the period, even empty
    assert {m: data.trend.cells[(m, "enrolments")].n for m in data.trend.rows if m in months} == dict(months)
    # What is shown is the published count of each cell: a multiple of 5 within 4 of the truth, 0 for 0.
    for table in (data.by_country, data.by_age, data.progress, data.trend, data.quarters):
        for (row, column), count in table.cells.items():
            shown = table.value(row, column)
            assert shown % 5 == 0 and abs(shown - count.n) <= 4 and (count.n > 0 or shown == 0)


def test_filters_narrow_the_counts(population):
    report = ReportFilter(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), age_bands=BANDS, countries=("PE",),
                          gender="woman", age_band="25-35")
    cube = figures.participation_cube(report)
    expected = sum(1 for u, e, _c in population if e.year == YEAR and u.country == "PE" and u.gender == "woman"
                   and band_of(u.birth_year) == "25-35")
    assert sum(v.participants for v in cube.values()) == expected
    assert {k[0] for k in cube} <= {"PE"}


def test_a_coordinator_sees_only_their_countries_whatever_the_url(app, population, create_user):
    create_user("coord", role="coordinator", coordinated_countries=["PE"])
    client = app.test_client()
    sign_in(client, "coord")
    page = client.get(f"/reports?year={YEAR}").get_data(as_text=True)
    assert "Peru" in page and "Benin" not in page and "Cambodia" not in page
    assert client.get(f"/reports?year={YEAR}&country=BJ").status_code == 400
    assert client.get(f"/reports/report.zip?year={YEAR}&country=BJ").status_code == 400
    tables = reading.zip_tables(client.get(f"/reports/report.zip?year={YEAR}").get_data())
    assert not any(row and row[0] in ("Benin", "Cambodia") for rows in tables.values() for row in rows)
    # A draft course's title is for its editors and admins: not among a coordinator's filters.
    draft = authoring.create_course(owner=create_user("tina", role="trainer"), language="en",
                                    title="Organising in secret", summary="", intro="", topics=[])
    db.session.commit()
    assert "Organising in secret" not in client.get(f"/reports?year={YEAR}").get_data(as_text=True)
    assert client.get(f"/reports?year={YEAR}&course={draft.id}").status_code == 400
    for role in ("participant", "trainer"):
        create_user(f"x-{role}", role=role)
        other = app.test_client()
        sign_in(other, f"x-{role}")
        assert other.get("/reports").status_code == 403


def test_the_downloads_carry_the_filters_and_the_same_published_cells(app, population, create_user):
    create_user("admin", role="admin")
    client = app.test_client()
    sign_in(client, "admin")
    query = f"year={YEAR}&quarter=2&gender=woman"
    tables = reading.zip_tables(client.get(f"/reports/report.zip?{query}").get_data())
    cover = tables["Report"]
    assert ["Period", f"{YEAR}-04-01", f"{YEAR}-06-30"] in cover and ["Gender", "Woman"] in cover
    assert any(row[0] == "Privacy" and "multiple of 5" in row[1] for row in cover if row)
    rows = tables["Participants by country and gender"]
    report = ReportFilter(start=date(YEAR, 4, 1), end=date(YEAR, 6, 30), age_bands=BANDS, gender="woman")
    table = dashboard(report, figures.participation_cube(report), {}, {}, {}, {}).by_country
    assert rows[1][0] == "Country"
    for row, key in zip(rows[2:], [*table.rows, TOTAL], strict=True):
        assert row[-1] == str(table.value(key, TOTAL))
    book = load_workbook(io.BytesIO(client.get(f"/reports/report.xlsx?{query}").get_data()))
    assert book.worksheets[0]["A1"].value == "Report" and book.worksheets[1]["A1"].value == (
        "Participants by country and gender")
    for gone in ("by_country.csv", "trend.xlsx", "report.csv", "nothing.zip"):
        assert client.get(f"/reports/{gone}?{query}").status_code == 404
    assert client.get("/reports?year=1900").status_code == 400
    both = client.get(f"/reports?year={YEAR}&quarter=2&month=5")
    assert both.status_code == 400 and "Choose a quarter or a month, not both." in both.get_data(as_text=True)


def test_knowledge_gain_in_sql_matches_the_course_computation(app_ctx, library, create_user):
    import numpy as np

    from lms.learn import services as learning
    from lms.surveys import results, statistics

    course = learning.find_course(BUNDLED_COURSE)
    modules = [m for m in course.modules if m.has_quiz]
    rng = np.random.default_rng(3)
    for i in range(9):
        user = create_user(f"learner{i}", country="PE" if i < 6 else "BJ")
        for module in modules[: 1 + i % 2]:
            right = sorted(rng.integers(0, len(module.questions) + 1, 2))
            for phase, count in (("before", right[0]), ("after", right[1])):
                if phase == "after":
                    for lesson in module.lessons:
                        learning.mark_lesson_done(user.id, course, lesson)
                answers = {q.slug: [c.slug for c in q.choices if c.correct == (n < count)][:1] or [q.choices[0].slug]
                           for n, q in enumerate(module.questions)}
                learning.submit_quiz(user.id, course, module, answers)
    db.session.commit()
    today = clock.today()
    report = ReportFilter(start=date(today.year, 1, 1), end=date(today.year, 12, 31), age_bands=BANDS)
    expected = sorted(results.knowledge_pairs(course))
    found = sorted(figures.knowledge_pairs(report))
    assert [b for b, _a in found] == pytest.approx([b for b, _a in expected])
    assert [a for _b, a in found] == pytest.approx([a for _b, a in expected])
    peru = ReportFilter(start=report.start, end=report.end, age_bands=BANDS, countries=("PE",))
    assert len(figures.knowledge_pairs(peru)) == 6
    # The gain the database adds up is the one computed in Python from the pairs.
    for which in (report, peru):
        expected_gain = statistics.knowledge_gain(figures.knowledge_pairs(which))
        gain = figures.knowledge_gain(which).exact
        assert gain.n == expected_gain.n
        assert (gain.mean_before, gain.mean_after, gain.normalised) == pytest.approx(
            (expected_gain.mean_before, expected_gain.mean_after, expected_gain.normalised))
        assert (gain.change.value, gain.change.low, gain.change.high) == pytest.approx(
            (expected_gain.change.value, expected_gain.change.low, expected_gain.change.high))


def test_the_dashboard_shows_outcome_indicators_of_the_coordinators_countries(app, app_ctx, library, create_user):
    from lms.demo.surveys import create_demo_survey

    create_demo_survey(create_user("trainer", role="trainer"))  # 12 made-up pairs in Peru
    db.session.commit()
    create_user("coord-pe", role="coordinator", coordinated_countries=["PE"])
    create_user("coord-bj", role="coordinator", coordinated_countries=["BJ"])
    peru, benin = app.test_client(), app.test_client()
    sign_in(peru, "coord-pe")
    sign_in(benin, "coord-bj")
    page = peru.get("/reports").get_data(as_text=True)
    assert "Workers who say management listens" in page and re.search(r"\((10|15) pairs\)", page)  # 12, published
    page = benin.get("/reports").get_data(as_text=True)
    assert not re.search(r"\(\d+ pairs\)", page)


def test_the_dashboard_takes_the_same_number_of_queries_whatever_the_data_size(app, app_ctx, library, create_user,
                                                                              frozen_clock):
    """(The clock stands still: a session's "last seen" is written when a five-minute step is crossed.)"""
    from lms.learn import services as learning

    course = learning.find_course(BUNDLED_COURSE)
    create_user("admin", role="admin")
    client = app.test_client()
    sign_in(client, "admin")

    def add_people(first, count, countries):
        for i in range(first, first + count):
            user = create_user(f"q{i}", country=countries[i % len(countries)], birth_year=1970 + i % 40)
            learning.mark_lesson_done(user.id, course, course.lessons[0])
        db.session.commit()

    add_people(0, 8, ["PE"])
    client.get("/reports")  # warm up: the session and the user are loaded the same way each time
    small = count_queries(app, client, "/reports")
    add_people(8, 40, ["PE", "BJ", "KH", "SN", "ML", "NE"])  # more people, countries and rows
    large = count_queries(app, client, "/reports")
    assert small == large


def test_quarters_count_their_own_records_and_rates_divide_published_counts(population):
    report = ReportFilter(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), age_bands=BANDS)
    cube = figures.participation_cube(report)
    attendance = {"PE": (Count(6, 11), Count(7, 12)), "BJ": (Count(30, 1), Count(40, 2)),
                  "KH": (Count(8, 3), Count(9, 4))}
    data = dashboard(report, cube, figures.monthly_trend(report), attendance, {}, {})
    in_year = [(u, e, c) for u, e, c in population if e.year == YEAR]
    expected = Counter(f"{e.year}-Q{(e.month - 1) // 3 + 1}" for _u, e, _c in in_year)
    assert data.quarters.rows == [f"{YEAR}-Q{q}" for q in range(1, 5)]
    assert {q: data.quarters.cells[(q, "enrolments")].n for q in data.quarters.rows} == dict(expected)
    for column in data.trend.columns:
        for quarter in data.quarters.rows:
            months = [m for m in data.trend.rows if f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" == quarter]
            # The quarter is the published count of its own records, not the sum of three rounded months.
            records = sum((data.trend.cells[(m, column)] for m in months), Count())
            assert data.quarters.cells[(quarter, column)] == records
            assert data.quarters.value(quarter, column) == records.published
    # The completion rate divides the published counts, shown from 10 published enrolments on.
    for country in data.progress.rows:
        begun, done = data.progress.value(country, "enrolments"), data.progress.value(country, "completed_since")
        share = tables.rate("progress", data.progress, country)
        assert share == (None if begun < 10 else pytest.approx(min(1, done / begun)))
    assert tables.rate("attendance", data.attendance, "BJ") == pytest.approx(0.75)  # 30 of 40, both multiples of 5
    # 6 present of 7 places is published as 5 or 10 of 5 or 10: no rate under 10 places, never over 100%.
    places, present = data.attendance.value("PE", "places"), data.attendance.value("PE", "present")
    assert places in (5, 10) and present in (5, 10)
    assert tables.rate("attendance", data.attendance, "PE") == (None if places < 10 else present / places)


def test_every_table_has_a_chart_and_rates_reach_the_downloads(app, population, create_user):
    create_user("admin", role="admin")
    client = app.test_client()
    sign_in(client, "admin")
    page = client.get(f"/reports?year={YEAR}").get_data(as_text=True)
    for name in ("by_country", "progress", "quarters", "trend"):
        assert f'<svg class="chart" role="img" aria-labelledby="{name}-chart-caption"' in page
    assert "Completion rate" in page and f"{YEAR}-Q1" in page
    rows = reading.zip_tables(client.get(f"/reports/report.zip?year={YEAR}").get_data())[
        "Enrolments and completions by country"]
    assert rows[1][0] == "Country" and rows[1][-1] == "Completion rate (%)"
    for row in rows[2:]:
        begun, done, rate = int(row[1]), int(row[2]), row[-1]
        assert rate == "" if begun < 10 else int(rate) == round(100 * min(1, done / begun))


def test_each_chart_says_what_it_counts_its_unit_period_and_filters_also_to_screen_readers(app, population,
                                                                                           create_user):
    create_user("admin", role="admin")
    client = app.test_client()
    sign_in(client, "admin")
    page = client.get(f"/reports?year={YEAR}&country=PE").get_data(as_text=True)
    captions = dict(re.findall(r'<figcaption id="([a-z_]+)-chart-caption" class="chart-caption">(.*?)</figcaption>',
                               page, re.S))
    assert set(captions) >= {"by_country", "by_age", "progress", "trend", "quarters"}
    assert "Chart of Participants by country and gender: Total, by Country. Unit: people, each counted once." in (
        captions["by_country"])
    assert "Completions in the period" in captions["progress"] and "Unit: completed enrolments." in captions["progress"]
    assert "Enrolments begun" in captions["trend"] and "Unit: enrolments." in captions["trend"]
    for name, caption in captions.items():
        assert f"Period: Jan 1, {YEAR}" in caption and "Country: Peru" in caption
        assert f'<svg class="chart" role="img" aria-labelledby="{name}-chart-caption"' in page


def test_a_coordinator_of_an_organisation_sees_its_figures_and_none_of_another_union_of_the_same_country(
        app, app_ctx, library, create_user):
    from datetime import UTC, datetime

    from sqlalchemy import select

    from lms.models import CoordinatorOrganisation, Course, Enrolment, Organisation

    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    ours, theirs = (Organisation(name=n, acronym=a, country="PE", sector="hotels")
                    for n, a in (("Hotel workers", "HOTEL"), ("Dockers", "DOCK")))
    db.session.add_all([ours, theirs])
    db.session.commit()
    for organisation, size in ((ours, 20), (theirs, 30)):
        for i in range(size):
            member = create_user(f"{organisation.acronym}{i}", country="PE", organisation_id=organisation.id)
            at = datetime(YEAR, 3, 1, tzinfo=UTC)
            db.session.add(Enrolment(user_id=member.id, course_id=course.id, enrolled_at=at, last_activity_at=at))
    db.session.commit()
    union_coordinator = create_user("union-coordinator", role="coordinator", country="PE")
    db.session.add(CoordinatorOrganisation(user_id=union_coordinator.id, organisation_id=ours.id))
    create_user("peru-coordinator", role="coordinator", country="PE", coordinated_countries=["PE"])
    db.session.commit()

    def participants_in_peru(who: str, query: str = "") -> int:
        client = app.test_client()
        sign_in(client, who)
        assert client.get(f"/reports?year={YEAR}{query}").status_code == 200
        rows = reading.zip_tables(client.get(f"/reports/report.zip?year={YEAR}{query}").get_data())[
            "Participants by country and gender"]
        return int(next(row for row in rows if row and row[0] == "Peru")[-1])

    assert participants_in_peru("union-coordinator") == 20
    assert participants_in_peru("peru-coordinator") == 50
    assert participants_in_peru("peru-coordinator", f"&organisation={theirs.id}") == 30
    client = app.test_client()
    sign_in(client, "union-coordinator")
    page = client.get(f"/reports?year={YEAR}").get_data(as_text=True)
    assert "HOTEL (PE)" in page and "DOCK (PE)" not in page
    assert client.get(f"/reports?year={YEAR}&organisation={theirs.id}").status_code == 400


def test_the_group_filter_lists_the_groups_of_the_chosen_country_and_year(app, library, create_user):
    """A programme runs thousands of groups: a reader of every country chooses a country first, and sees its groups
    whose dates meet the year; a group given by a link stays chosen; another country's group is refused."""
    from sqlalchemy import select

    from lms.models import Course, TrainingGroup

    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    trainer = create_user("trainer", role="trainer")
    made = {}
    for name, country, year in (("Lima this year", "PE", YEAR), ("Lima long ago", "PE", YEAR - 3),
                                ("Cotonou this year", "BJ", YEAR)):
        made[name] = TrainingGroup(course_id=course.id, trainer_id=trainer.id, name=name, country=country,
                                   mode="in-person", starts_on=date(year, 3, 1), ends_on=date(year, 6, 1),
                                   join_code=f"CODE{len(made)}")
        db.session.add(made[name])
    db.session.commit()
    create_user("admin", role="admin")
    create_user("coord", role="coordinator", coordinated_countries=["PE"])
    admin, coordinator = app.test_client(), app.test_client()
    sign_in(admin, "admin")
    sign_in(coordinator, "coord")
    page = admin.get(f"/reports?year={YEAR}").get_data(as_text=True)
    assert "Choose a country to list its training groups." in page and "Lima this year" not in page
    page = admin.get(f"/reports?year={YEAR}&country=PE").get_data(as_text=True)
    assert "Lima this year" in page and "Lima long ago" not in page and "Cotonou" not in page
    page = admin.get(f"/reports?year={YEAR}&group={made['Cotonou this year'].id}").get_data(as_text=True)
    assert "Cotonou this year" in page and "Lima this year" not in page  # chosen by a link, without its country
    page = coordinator.get(f"/reports?year={YEAR}").get_data(as_text=True)
    assert "Lima this year" in page and "Cotonou" not in page and "Choose a country" not in page
    assert coordinator.get(f"/reports?year={YEAR}&group={made['Cotonou this year'].id}").status_code == 400


@pytest.mark.parametrize("bands", ["15-24,25-35,36+", "15-30,25-40,35+,60+", "30+,15-24", "40-20,15-30",
                                   "15-24,15-24,20-30", "10-20,5-15,0-100", ""])
def test_the_age_band_filter_reads_a_range_of_birth_years_that_keeps_whom_the_band_column_names(app_ctx, bands):
    """The filter is a range an index can read (less the bands before it that overlap it); it must keep exactly the
    years of birth the band column gives the band, overlapping bands and people without a year included."""
    import sqlalchemy as sa

    person = sa.union_all(*(sa.select(sa.cast(sa.literal(year), sa.Integer).label("birth_year"))
                            for year in [*range(1900, YEAR + 2), None])).subquery("person")
    for label in [b.label for b in parse_age_bands(bands)] + ["unknown", "99+"]:
        report = ReportFilter(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), age_bands=tuple(parse_age_bands(bands)),
                              age_band=label)
        column = set(db.session.scalars(sa.select(person.c.birth_year).where(
            figures.age_band_column(report, person) == label)))
        condition = set(db.session.scalars(sa.select(person.c.birth_year).where(
            figures.age_band_condition(report, person.c.birth_year))))
        assert condition == column, (bands, label)  # "60+" after "35+" is empty in both
