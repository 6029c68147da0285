"""A differencing adversary: every view a reader can ask for, read over HTTP, then subtracted pairwise.

On random data (people in three countries, every gender and age band, two courses, groups with sessions and
attendance, partner organisations, a year of months; survey answers in three countries and two waves), the
adversary reads the dashboard for every filter alone and every pair of filters in the year, and every filter
alone in every quarter and month, as an administrator and as a coordinator; the report's zip of CSV files and
its workbook; the IATI file; and each survey's results for all countries, each country and each
group. Then, for every pair of views that differ in one choice, it subtracts each figure of one from the same
figure of the other: no difference may be a count from 1 to 4. And every figure read in two places for the
same records must be the same.
"""
from __future__ import annotations

import itertools
import random
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from lxml import etree
from sqlalchemy import select

from lms.extensions import db
from lms.models import (
    Attendance,
    Course,
    CourseTopic,
    Enrolment,
    GroupMember,
    GroupSession,
    Module,
    Organisation,
    QuizAttempt,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    TrainerPromotion,
    TrainingGroup,
    User,
)
from lms.reports.exports import TITLES
from lms.surveys import building
from tests.helpers import sign_in
from tests.reports import reading

YEAR = 2025
COUNTRIES = ("PE", "BJ", "KH")
GENDERS = ("woman", "man", "another", "undisclosed")
TABLES = {"by_country": "Country", "by_age": "Age", "progress": "Country", "trend": "Month",
          "quarters": "Quarter", "attendance": "Country", "trainers": "Country",
          "cascade": "Generation"}


def moment(rng: random.Random, month: int | None = None) -> datetime:
    month = month or rng.randint(1, 12)
    return datetime(YEAR, month, rng.randint(1, 28), rng.randint(8, 18), tzinfo=UTC)


def made_on(day: date) -> datetime:
    """A group made, or joined, on the first day of its dates."""
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


@pytest.fixture
def world(app_ctx, library, create_user, make_survey):
    """Random people, learning, groups and survey answers; returns what the views choose among."""
    rng = random.Random(20251)
    courses = list(db.session.scalars(select(Course).order_by(Course.slug)))
    modules = {c.id: [m for m in db.session.scalars(select(Module).where(Module.course_id == c.id)) if m.has_quiz]
               for c in courses}
    unions = [Organisation(name=f"Union of {c}", acronym=f"U{c}", country=c, sector="Hotels") for c in COUNTRIES]
    db.session.add_all(unions)
    db.session.flush()
    people = []
    for i in range(150):
        country = rng.choices(COUNTRIES, weights=(5, 3, 2))[0]
        people.append(User(username=f"p{i}", display_name=f"P {i}", country=country,
                           gender=rng.choices(GENDERS, weights=(6, 4, 1, 1))[0],
                           birth_year=rng.choice([None, 1962, 1975, 1988, 1993, 1999, 2003]),
                           organisation_id=unions[COUNTRIES.index(country)].id if rng.random() < 0.7 else None,
                           password_hash="-"))
    db.session.add_all(people)
    db.session.flush()
    for person in people:
        for course in rng.sample(courses, rng.choice([1, 1, 2])):
            enrolled = moment(rng) - timedelta(days=rng.choice([0, 0, 0, 40]))
            completed = enrolled + timedelta(days=rng.randint(5, 150)) if rng.random() < 0.5 else None
            db.session.add(Enrolment(user_id=person.id, course_id=course.id, enrolled_at=enrolled,
                                     completed_at=completed, last_activity_at=enrolled))
            for module in modules[course.id]:
                if rng.random() < 0.5:
                    score = rng.randint(0, 80)
                    db.session.add(QuizAttempt(user_id=person.id, module_id=module.id, score=score, passed=False,
                                               answers={}, submitted_at=enrolled, before_lessons=True))
                    db.session.add(QuizAttempt(user_id=person.id, module_id=module.id, passed=True, answers={},
                                               score=min(100, score + rng.randint(-10, 50)),
                                               submitted_at=enrolled + timedelta(days=rng.randint(1, 60))))
    groups = []
    for n, (country, course, mode, trains) in enumerate([("PE", 0, "in-person", False), ("PE", 1, "blended", True),
                                                         ("BJ", 0, "in-person", False), ("KH", 1, "online", False)]):
        trainer = create_user(f"trainer{n}", role="trainer", country=country)
        starts = date(YEAR, rng.randint(1, 6), 1)
        group = TrainingGroup(course_id=courses[course].id, trainer_id=trainer.id, name=f"Group {country} {n}",
                              country=country, mode=mode, starts_on=starts, ends_on=starts + timedelta(days=150),
                              join_code=f"CODE{n}", trains_trainers=trains, created_at=made_on(starts),
                              organisation_id=unions[COUNTRIES.index(country)].id)
        db.session.add(group)
        db.session.flush()
        members = rng.sample([p for p in people if p.country == country], rng.randint(7, 16))
        db.session.add_all(GroupMember(group_id=group.id, user_id=p.id, joined_at=made_on(starts)) for p in members)
        for s in range(rng.randint(3, 6)):
            session = GroupSession(group_id=group.id, held_on=starts + timedelta(days=20 * s + rng.randint(0, 9)),
                                   topic=f"Session {s}")
            db.session.add(session)
            db.session.flush()
            db.session.add_all(Attendance(session_id=session.id, user_id=p.id) for p in members
                               if rng.random() < 0.8)
        if trains:
            db.session.add_all(TrainerPromotion(user_id=p.id, group_id=group.id, promoted_at=moment(rng))
                               for p in members[:rng.randint(2, 7)])
        groups.append(group)
    db.session.commit()
    author = create_user("author", role="trainer")
    survey = make_survey(code="voice", privacy="identified", creator=author, course=courses[0],
                         waves=["baseline", "endline"])
    building.add_wave(survey, kind="baseline", group=groups[0])
    building.add_wave(survey, kind="baseline", group=groups[2])
    db.session.commit()
    questions = {q.code: q for q in db.session.scalars(select(SurveyQuestion))}
    for wave in survey.waves:
        for person in people:
            if rng.random() < (0.4 if wave.course_id else 0.1):
                response = SurveyResponse(wave_id=wave.id, version_id=survey.published_version.id, language="en",
                                          country=person.country, submitted_on=moment(rng).date(),
                                          pseudonym=f"person-{person.id}")
                db.session.add(response)
                db.session.flush()
                safe, hours = rng.randint(1, 5), round(rng.uniform(20, 70), 1)
                db.session.add_all([
                    SurveyAnswer(response_id=response.id, question_id=questions["safe"].id, value=str(safe),
                                 number=float(safe)),
                    SurveyAnswer(response_id=response.id, question_id=questions["hours"].id, value=str(hours),
                                 number=hours)])
    db.session.commit()
    create_user("admin", role="admin")
    create_user("coord", role="coordinator", coordinated_countries=["PE", "BJ"])
    topics = sorted(set(db.session.scalars(select(CourseTopic.topic))))
    return {"countries": COUNTRIES, "organisation": [str(u.id) for u in unions],
            "course": [str(c.id) for c in courses], "topic": topics, "group": [str(g.id) for g in groups],
            "gender": GENDERS, "age_band": ["15-24", "25-35", "36+"], "survey": survey,
            "groups": groups}


def choices(world, coordinator: bool) -> dict[str, list[str]]:
    options = {name: list(world[name]) for name in ("organisation", "course", "topic", "group", "gender", "age_band")}
    options["country"] = ["PE", "BJ"] if coordinator else list(COUNTRIES)
    if coordinator:  # what the coordinator's filters offer: their countries' unions and groups
        options["organisation"] = options["organisation"][:2]
        options["group"] = [str(g.id) for g in world["groups"] if g.country in ("PE", "BJ")]
    return options


def views(world, coordinator: bool) -> list[dict]:
    """The queries the adversary sends, as many as a minute allows.

    An administrator: in the year, every filter alone and every pair of filters (two values of each); in each
    quarter, nothing, or a country or a gender; in each month, nothing, a country, or the women. A coordinator:
    every filter alone in the year.
    """
    options = choices(world, coordinator)
    found = [{}] + [{name: v} for name, values in options.items() for v in values]
    if coordinator:
        return found
    for (first, values), (second, others) in itertools.combinations(sorted(options.items()), 2):
        found += [{first: a, second: b} for a in values[:2] for b in others[:2]]
    for quarter in range(1, 5):
        found += [{"quarter": str(quarter)}] + [{"quarter": str(quarter), name: v} for name in ("country", "gender")
                                                for v in options[name]]
    for month in range(1, 13):
        found += [{"month": str(month)}, {"month": str(month), "gender": "woman"}] + [
            {"month": str(month), "country": v} for v in options["country"]]
    return found


def figures_of(page: str) -> dict[tuple, int]:
    """Every count a reader finds on a dashboard page."""
    found = {("table", *place): n for place, n in reading.report_counts(page).items()}
    found.update({("outcome", *place): n for place, n in reading.indicator_counts(page).items()})
    people = reading.number(reading.gain(page).get("People", ""))
    if people is not None:
        found[("gain", "People")] = people
    return found


def neighbours(views: dict[frozenset, dict]):
    """Every pair of views that differ in one choice: one filter (or the period) more, or another value of it."""
    for key in views:
        for choice in key:
            if key - {choice} in views:
                yield key, key - {choice}
    by_rest = defaultdict(list)
    for key in views:
        for dimension, value in key:
            by_rest[(key - {(dimension, value)}, dimension)].append(key)
    for keys in by_rest.values():
        yield from itertools.combinations(keys, 2)


def assert_no_small_difference(views: dict[frozenset, dict], what: str) -> int:
    """Subtract the figures of every pair of views that differ in one choice; return how many were compared."""
    compared = 0
    for key, other in neighbours(views):
        figures, others = views[key], views[other]
        for place in figures.keys() & others.keys():
            difference = abs(figures[place] - others[place])
            assert not 1 <= difference <= 4, (what, sorted(key), sorted(other), place, figures[place], others[place])
            compared += 1
    return compared


def key_of(query: dict) -> frozenset:
    """A view's choices; the period is one choice among others (a quarter, a month, or none for the year)."""
    chosen = {(k, v) for k, v in query.items() if k not in ("quarter", "month")}
    if "quarter" in query:
        chosen.add(("period", f"Q{query['quarter']}"))
    if "month" in query:
        chosen.add(("period", f"M{query['month']}"))
    return frozenset(chosen)


@pytest.mark.slow
def test_no_pair_of_views_differs_by_one_to_four_people(app, world):
    admin, coordinator = app.test_client(), app.test_client()
    sign_in(admin, "admin")
    sign_in(coordinator, "coord")
    pages: dict[str, dict[tuple, str]] = {}
    read: dict[str, dict[tuple, dict]] = {}
    for who, client in (("admin", admin), ("coordinator", coordinator)):
        pages[who], read[who] = {}, {}
        for query in views(world, who == "coordinator"):
            response = client.get(f"/reports?{urlencode({'year': YEAR, **query})}")
            assert response.status_code == 200, query
            page = response.get_data(as_text=True)
            pages[who][key_of(query)], read[who][key_of(query)] = page, figures_of(page)
    # Pairs of views that differ in one choice (a filter or the period), for each reader, then across readers.
    compared = sum(assert_no_small_difference(read[who], who) for who in read)
    across = {key | {("reader", "admin")}: figures for key, figures in read["admin"].items()}
    across.update({key | {("reader", "coordinator")}: figures for key, figures in read["coordinator"].items()})
    compared += assert_no_small_difference(across, "admin against coordinator")
    assert compared > 100_000
    every = [n for who in read for figures in read[who].values() for n in figures.values()]
    assert len(every) > 15_000 and all(n % 5 == 0 for n in every)  # published counts only

    # The same records give the same figure wherever they are read.
    year = read["admin"]
    labels = dict(zip(GENDERS, ("Woman", "Man", "Another gender", "I prefer not to say"), strict=True))
    total = ("table", "by_country", "Total", "Total")
    for key, figures in year.items():
        if any(name == "gender" for name, _v in key):
            continue
        for gender, label in labels.items():
            only = year.get(key | {("gender", gender)})
            if only is not None and total in only:  # the women of the whole table, and the women-only view
                assert figures[("table", "by_country", "Total", label)] == only[total], (sorted(key), gender)
                assert figures[("table", "by_age", "Total", label)] == only[("table", "by_age", "Total", "Total")]
                assert figures[("table", "by_country", "Total", label)] == figures[("table", "by_age", "Total",
                                                                                    label)]
    everyone = year[frozenset()]
    for country, name in (("PE", "Peru"), ("BJ", "Benin"), ("KH", "Cambodia")):
        alone = year[frozenset({("country", country)})]
        assert everyone.get(("table", "by_country", name, "Total"), 0) == alone.get(total, 0)
    measures = ("Enrolments begun", "Completions in the period")
    for month in range(1, 13):
        label, chosen = f"{YEAR}-{month:02d}", year[frozenset({("period", f"M{month}")})]
        for column in measures:  # a month of the monthly table, and that month chosen as the period
            assert everyone[("table", "trend", label, column)] == chosen[("table", "trend", label, column)]
            assert everyone[("table", "trend", label, column)] == chosen[("table", "progress", "Total", column)]
    for quarter in range(1, 5):
        chosen = year[frozenset({("period", f"Q{quarter}")})]
        for column in measures:
            assert everyone[("table", "quarters", f"{YEAR}-Q{quarter}", column)] == chosen[
                ("table", "progress", "Total", column)]

    # The downloads carry the page's figures: the zip of CSV files for each view, the workbook for the year.
    for query in [{}, {"country": "PE"}, {"gender": "woman"}, {"quarter": "2"}]:
        page = reading.report_tables(pages["admin"][key_of(query)])
        url = urlencode({"year": YEAR, **query})
        downloads = [reading.zip_tables(admin.get(f"/reports/report.zip?{url}").get_data())]
        if not query:
            downloads.append(reading.workbook_tables(admin.get(f"/reports/report.xlsx?{url}").get_data()))
        for tables in downloads:
            for table, first in TABLES.items():
                shown = {(row, column): value for (name, row, column), value in page.items() if name == table}
                downloaded = reading.download_table(tables[str(TITLES[table])], first)
                for (row, column), value in shown.items():
                    wanted = value.rstrip("%") if "rate" in column.lower() else value.replace(",", "")
                    assert downloaded[(row, column)] == wanted, (table, row, column)

    # The IATI file gives the year the figures of the dashboard for the year.
    document = etree.fromstring(admin.get(f"/reports/iati.xml?year={YEAR}").get_data())
    [period] = document.find(".//result/indicator").findall("period")
    total = next(a for a in period.findall("actual") if a.find("dimension") is None)
    assert int(total.get("value")) == everyone[("table", "by_country", "Total", "Total")]
    for sex, column in (("female", "Woman"), ("male", "Man")):
        value = period.find(f"actual/dimension[@value='{sex}']").getparent().get("value")
        assert int(value) == everyone[("table", "by_country", "Total", column)]
    outputs = [r for r in document.iter("result") if r.get("type") == "1"]  # participants and completions
    counts = [a for r in outputs for a in r.iter("actual")]
    assert counts and all(int(a.get("value")) % 5 == 0 for a in counts)


def survey_views(client, survey, groups) -> dict[tuple, dict]:
    url = f"/surveys/manage/{survey.code}/results"
    first = client.get(url).get_data(as_text=True)
    countries = re.findall(r'<option value="([A-Z]{2})"', first)
    found = {}
    for group in [None, *[g.id for g in groups]]:
        for country in [None, *countries]:
            query = {k: v for k, v in (("group", group), ("country", country)) if v is not None}
            response = client.get(f"{url}?{urlencode(query)}")
            if response.status_code == 404:
                continue
            page = response.get_data(as_text=True)
            figures = {("indicator", *p): n for p, n in reading.indicator_counts(page).items()}
            figures.update(reading.response_counts(page))
            found[frozenset(query.items())] = figures
    return found


def test_survey_results_differ_by_no_one_to_four_people(app, world):
    admin, coordinator, author = app.test_client(), app.test_client(), app.test_client()
    for client, name in ((admin, "admin"), (coordinator, "coord"), (author, "author")):
        sign_in(client, name)
    survey, groups = world["survey"], world["groups"]
    seen = defaultdict(dict)
    for who, client in (("admin", admin), ("coordinator", coordinator), ("author", author)):
        found = survey_views(client, survey, groups)
        assert len(found) >= 4
        assert_no_small_difference(found, who)
        every = [n for figures in found.values() for n in figures.values()]
        assert every and all(n % 5 == 0 for n in every)
        seen[who] = found
    # The author (a trainer) sees her survey's course-wide waves, not the groups of other trainers that ask it.
    assert all(not any(figures.values()) for query, figures in seen["author"].items() if dict(query).get("group"))
    assert any(any(figures.values()) for figures in seen["author"].values())
    # And the dashboard shows a country's outcome figures as the results page does for that country.
    page = admin.get(f"/reports?year={YEAR}&country=PE").get_data(as_text=True)
    results = admin.get(f"/surveys/manage/{survey.code}/results?country=PE").get_data(as_text=True)
    on_dashboard = {p[1:]: v for p, v in reading.indicator_tables(page).items()}
    on_results = {p[1:]: v for p, v in reading.indicator_tables(results).items()}
    course_wide = {p: v for p, v in on_results.items() if p[1].startswith("Everyone taking")}
    assert course_wide and all(on_dashboard[p] == v for p, v in course_wide.items())
