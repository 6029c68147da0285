"""The report's workplace indicators before and after the trainings held there: the right rounds, figures that agree
with an independent count of the answers and are the workplace page's own, nothing under 10, and only the
workplaces the reader's scope and filters hold."""
from __future__ import annotations

import html
import math
import random
from datetime import UTC, datetime, timedelta
from statistics import NormalDist

import pytest
from sqlalchemy import select

from lms.disclosure import MIN_SHOWN, Count
from lms.extensions import db
from lms.models import SurveyAnswer, SurveyQuestion, SurveyResponse, TrainingGroup
from lms.permissions import Scope
from lms.reports.filters import ReportFilter
from lms.reports.workplace_outcomes import workplace_outcomes
from lms.surveys import building, results
from tests.helpers import sign_in
from tests.reports import reading
from tests.reports.helpers import course, last_month

Z = NormalDist().inv_cdf(0.975)
#: Responses per round, the answers to "safe" (1-5) drawn with these chances of a 4 or 5.
ROUNDS = {"old": (12, 0.2), "before": (40, 0.3), "during": (15, 0.5), "after": (60, 0.7), "late": (4, 0.9)}


def answers(survey, wave, n: int, chance: float, rng: random.Random) -> list[SurveyResponse]:
    """``n`` anonymous responses to ``wave``, as the survey keeps them."""
    questions = {q.code: q.id for q in db.session.scalars(select(SurveyQuestion))}
    made = []
    for _ in range(n):
        safe = rng.choice([4, 5]) if rng.random() < chance else rng.choice([1, 2, 3])
        hours = rng.randint(30, 70)
        response = SurveyResponse(wave_id=wave.id, version_id=survey.published_version.id, language="en",
                                  country="BJ", submitted_on=wave.opens_on)
        db.session.add(response)
        db.session.flush()
        db.session.add_all([SurveyAnswer(response_id=response.id, question_id=questions["safe"], value=str(safe),
                                         number=float(safe)),
                            SurveyAnswer(response_id=response.id, question_id=questions["hours"], value=str(hours),
                                         number=float(hours))])
        made.append((response, safe, hours))
    return made


@pytest.fixture
def hotel(app_ctx, library, create_user, make_survey):
    """A Benin hotel trained last month (9th-11th), surveyed twice before (the last closing 10 days before), once
    across the training, and twice after (the second round by 4 people only). Returns the workplace, its training,
    its rounds and what each round's respondents answered."""
    start, end = last_month()
    admin = create_user("admin", role="admin", country="BJ")
    place = building.create_workplace(name="Hotel du Lac", sector="hotels", country="BJ", organisation_id=None)
    survey = make_survey(code="hotel-voice", subject="workplace", creator=admin)
    first = start + timedelta(days=8)
    days = {"old": (first - timedelta(days=60), first - timedelta(days=50)),
            "before": (first - timedelta(days=20), first - timedelta(days=10)),
            "during": (first - timedelta(days=1), first + timedelta(days=5)),
            "after": (end + timedelta(days=5), end + timedelta(days=15)),
            "late": (end + timedelta(days=40), None)}
    rounds = {name: building.add_wave(survey, kind="baseline" if name == "old" else "endline", workplace=place,
                                      opens_on=opens, closes_on=closes) for name, (opens, closes) in days.items()}
    rng = random.Random(19)
    given = {name: answers(survey, rounds[name], n, chance, rng) for name, (n, chance) in ROUNDS.items()}
    training = TrainingGroup(course_id=course().id, trainer_id=admin.id, name="Hotel du Lac workers", country="BJ",
                             mode="in-person", place="Cotonou", starts_on=first, ends_on=first + timedelta(days=2),
                             join_code="LAC001", workplace_id=place.id,
                             created_at=datetime.combine(first, datetime.min.time(), tzinfo=UTC))
    db.session.add(training)
    db.session.commit()
    return place, training, survey, rounds, given


def report(**filters) -> ReportFilter:
    start, end = last_month()
    return ReportFilter(start=start, end=end, **filters)


def wilson(counted: int, n: int) -> tuple[float, float, float]:
    share = counted / n
    centre = (counted + Z * Z / 2) / (n + Z * Z)
    margin = Z * math.sqrt(n * share * (1 - share) + Z * Z / 4) / (n + Z * Z)
    return share, max(0.0, centre - margin), min(1.0, centre + margin)


def test_the_last_round_before_the_first_training_and_the_rounds_after_it_are_shown(hotel):
    place, training, _survey, rounds, _given = hotel
    [found] = workplace_outcomes(report(), "en")
    assert (found.workplace_id, found.name, found.country) == (place.id, "Hotel du Lac", "BJ")
    assert [t.name for t in found.trainings] == ["Hotel du Lac workers"]
    assert [i.code for i in found.indicators] == ["feels_safe", "mean_hours"]
    for indicator in found.indicators:
        # Not the older round, nor the one open across the training.
        assert indicator.before.opens_on == rounds["before"].opens_on
        assert [f.opens_on for f in indicator.after] == [rounds["after"].opens_on, rounds["late"].opens_on]


def test_the_figures_agree_with_an_independent_count_and_are_the_workplace_pages_own(hotel):
    """Counted here from the answers as stored, each rounded as lms/disclosure.py says; and each round's figure is
    the one the workplace page and the survey's results show (the same records)."""
    _place, _training, survey, rounds, given = hotel
    [found] = workplace_outcomes(report(), "en")
    share, mean = found.indicators
    expected = {}
    for name in ("before", "after"):
        rows = given[name]
        key = sum(response.record_key for response, _safe, _hours in rows)
        counted_key = sum(response.record_key for response, safe, _hours in rows if safe >= 4)
        n = Count.of(len(rows), key).published
        counted = Count.of(sum(1 for _r, safe, _h in rows if safe >= 4), counted_key).published
        expected[name] = (n, wilson(min(counted, n), n), sum(hours for _r, _s, hours in rows) / len(rows))
    for figure, name in ((share.before, "before"), (share.after[0], "after")):
        n, (value, low, high), _mean = expected[name]
        assert figure.estimate.n == n >= MIN_SHOWN
        assert figure.estimate.value == pytest.approx(value) and figure.estimate.low == pytest.approx(low)
        assert figure.estimate.high == pytest.approx(high)
    change = share.after[0].change
    assert change.value == pytest.approx(round(expected["after"][1][0] - expected["before"][1][0], 2))
    assert change.low < change.value < change.high
    for figure, name in ((mean.before, "before"), (mean.after[0], "after")):
        n, _share, exact = expected[name]
        # The noise on the sum is at most the range of the answers (0-100 hours), divided by the exact n.
        assert abs(figure.estimate.value - exact) <= 100 / len(given[name]) + 0.05
        assert figure.estimate.low < figure.estimate.value < figure.estimate.high
    assert mean.after[0].change.value == pytest.approx(mean.after[0].estimate.value - mean.before.estimate.value,
                                                       abs=0.11)
    page = results.indicator_results(survey, list(rounds.values()))
    for result, ours in zip(page, found.indicators, strict=True):
        shown = {figure.wave.id: figure.estimate for series in result.series for figure in series}
        assert ours.before.estimate == shown[rounds["before"].id]
        assert [f.estimate for f in ours.after] == [shown[rounds[name].id] for name in ("after", "late")]


def test_a_round_of_fewer_than_10_shows_no_figure_nor_change(app, hotel):
    _place, _training, _survey, _rounds, _given = hotel
    [found] = workplace_outcomes(report(), "en")
    for indicator in found.indicators:
        late = indicator.after[1]
        assert late.estimate.n < MIN_SHOWN  # 4 people: published as 0 or 5
        assert (late.estimate.value, late.estimate.low, late.estimate.high) == (None, None, None)
        assert late.change.value is None and late.change.low is None
    client = app.test_client()
    sign_in(client, "admin")
    start, _end = last_month()
    page = html.unescape(client.get(f"/reports?year={start.year}&month={start.month}").get_data(as_text=True))
    section = page[page.index("Workplaces before and after their trainings"):]
    rows = section.split("<tr>")
    late = [row for row in rows if "After the first training" in row][1::2]  # the late round of each indicator
    assert late and all(row.count("<td>–</td>") == 4 for row in late)
    assert "Before the trainings" in section and "Hotel du Lac workers" in section


def test_only_the_workplaces_of_the_readers_scope_and_filters_are_shown(hotel, create_user):
    place, training, _survey, _rounds, _given = hotel
    assert workplace_outcomes(report(scope=Scope(countries=frozenset({"BJ"}))), "en")
    assert workplace_outcomes(report(scope=Scope(countries=frozenset({"PE"}))), "en") == []
    assert workplace_outcomes(report(countries=("PE",)), "en") == []
    assert workplace_outcomes(report(group_id=training.id + 1), "en") == []
    assert workplace_outcomes(report(course_id=course().id), "en")
    start, _end = last_month()
    earlier = ReportFilter(start=start - timedelta(days=400), end=start - timedelta(days=300))
    assert workplace_outcomes(earlier, "en") == []  # no training there then
    # A training created after the period ended does not count in it.
    training.created_at = datetime.now(UTC)
    db.session.commit()
    assert workplace_outcomes(report(), "en") == []


def test_a_coordinator_of_another_country_sees_no_workplace_on_the_dashboard(app, hotel, create_user):
    create_user("peru", role="coordinator", country="PE", coordinated_countries=["PE"])
    create_user("benin", role="coordinator", country="BJ", coordinated_countries=["BJ"])
    start, _end = last_month()
    for who, sees in (("peru", False), ("benin", True)):
        client = app.test_client()
        sign_in(client, who)
        page = html.unescape(client.get(f"/reports?year={start.year}&month={start.month}").get_data(as_text=True))
        assert ("Hotel du Lac" in page) == sees, who


def test_no_round_is_counted_twice_when_two_workplaces_ask_one_survey(hotel):
    """Two workplaces, one survey: each workplace's figures are its own rounds'."""
    _place, training, survey, _rounds, _given = hotel
    [alone] = workplace_outcomes(report(), "en")
    other = building.create_workplace(name="Hotel du Port", sector="hotels", country="BJ", organisation_id=None)
    wave = building.add_wave(survey, kind="endline", workplace=other, opens_on=training.ends_on + timedelta(days=3))
    answers(survey, wave, 30, 0.1, random.Random(5))
    db.session.add(TrainingGroup(course_id=course().id, trainer_id=training.trainer_id, name="Port workers",
                                 country="BJ", mode="in-person", place="Cotonou", starts_on=training.starts_on,
                                 ends_on=training.ends_on, join_code="PORT01", workplace_id=other.id,
                                 created_at=training.created_at))
    db.session.commit()
    lac, port = workplace_outcomes(report(), "en")  # by name
    assert (lac.name, port.name) == ("Hotel du Lac", "Hotel du Port")
    assert port.indicators[0].before is None and len(port.indicators[0].after) == 1
    assert port.indicators[0].after[0].change is None
    assert lac == alone


def test_the_workbook_carries_the_same_workplace_figures_typed(app, hotel):
    [found] = workplace_outcomes(report(), "en")
    client = app.test_client()
    sign_in(client, "admin")
    start, _end = last_month()
    data = client.get(f"/reports/report.xlsx?year={start.year}&month={start.month}").get_data()
    rows = reading.workbook_tables(data)["Workplaces before and after their trainings"]
    header, lines = rows[1], rows[2:]
    expected = [(indicator, figure) for indicator in found.indicators
                for figure in ([indicator.before] if indicator.before else []) + list(indicator.after)]
    assert len(lines) == len(expected)
    for line, (indicator, figure) in zip(lines, expected, strict=True):
        cell = dict(zip(header, line, strict=True))
        assert cell["Workplace"] == "Hotel du Lac" and "Hotel du Lac workers" in cell["Training groups"]
        assert cell["First day"].date() == figure.opens_on and cell["People"] == figure.estimate.n
        value = figure.estimate.value
        shown = None if value is None else (round(value, 2) if indicator.kind == "share" else value)
        assert cell["Share or mean"] == shown  # an empty cell where the page shows "–"
