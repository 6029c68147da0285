"""The IATI file validates against the official 2.03 schema and carries the published figures only."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from lxml import etree

from lms import clock
from lms.disclosure import Count
from lms.reports import iati
from tests.helpers import YEAR, sign_in

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "iati-2.03" / "iati-activities-schema.xsd")))
ACTIVITY = "XI-EXAMPLE-ORG-FAIRWORK"


def generate(app, tmp_path, activity=ACTIVITY):
    out = tmp_path / "iati.xml"
    result = app.test_cli_runner().invoke(args=["reports", "iati", "--activity", activity, "--year", str(YEAR),
                                                "--out", str(out)])
    return result, out


def test_the_file_is_valid_iati_with_participants_by_quarter_sex_and_age(app, population, tmp_path):
    result, out = generate(app, tmp_path)
    assert result.exit_code == 0, result.output
    document = etree.parse(str(out))
    SCHEMA.assertValid(document)
    participants = document.find(".//result/indicator")
    quarters = participants.findall("period")
    assert [q.find("period-start").get("iso-date") for q in quarters] == [
        f"{YEAR}-01-01", f"{YEAR}-04-01", f"{YEAR}-07-01", f"{YEAR}-10-01"]
    expected: dict[int, set] = {}
    for user, enrolled, _completed in population:
        if enrolled.year == YEAR:
            quarter = (enrolled.month - 1) // 3
            expected[quarter] = expected.get(quarter, set()) | {user}
    for index, quarter in enumerate(quarters):
        totals = [a for a in quarter.findall("actual") if a.find("dimension") is None]
        people = expected.get(index, set())
        # The published count of the quarter's participants: the same as the dashboard shows for them.
        published = sum((Count(1, u.record_key) for u in people), Count()).published
        assert [a.get("value") for a in totals] == [str(published)] and abs(published - len(people)) <= 4
        women = {u for u in people if u.gender == "woman"}
        female = quarter.find("actual/dimension[@value='female']").getparent()
        assert female.get("value") == str(sum((Count(1, u.record_key) for u in women), Count()).published)
    outputs = [r for r in document.iter("result") if r.get("type") == "1"]  # participants and completions
    counts = [a for r in outputs for a in r.iter("actual")]
    assert counts and all(int(a.get("value")) % 5 == 0 for a in counts)  # published counts only
    dimensions = {d.get("name") for d in document.iter("dimension")}
    assert dimensions <= {"sex", "age"} and "sex" in dimensions
    languages = {n.get("{http://www.w3.org/XML/1998/namespace}lang") for n in participants.find("title")}
    assert languages == {None, "fr", "es"}
    # Where the people reached live: shares of the year's participants, adding up to 100.
    recipients = {c.get("code"): int(c.get("percentage")) for c in document.iter("recipient-country")}
    people = {u for u, e, _c in population if e.year == YEAR}
    published = {country: sum((Count(1, u.record_key) for u in people if u.country == country), Count()).published
                 for country in Counter(u.country for u in people)}
    assert set(recipients) == {c for c, n in published.items() if n} and sum(recipients.values()) == 100
    for country, count in published.items():
        if count:
            assert abs(recipients[country] - 100 * count / sum(published.values())) < 1


def test_whole_percentages_add_up_to_100():
    assert iati.whole_percentages({"BJ": 1, "ML": 1, "NE": 1}) == {"BJ": 34, "ML": 33, "NE": 33}
    assert iati.whole_percentages({"PE": 7}) == {"PE": 100}
    assert iati.whole_percentages({}) == {}
    rng = random.Random(1)
    for _ in range(200):
        counts = {f"C{i}": rng.randint(5, 900) for i in range(rng.randint(1, 15))}
        shares = iati.whole_percentages(counts)
        assert sum(shares.values()) == 100
        assert all(abs(shares[k] - 100 * v / sum(counts.values())) < 1 for k, v in counts.items())


def test_an_activity_outside_the_reporting_organisation_is_refused(app, app_ctx, tmp_path):
    result, out = generate(app, tmp_path, activity="NL-KVK-0000-OTHER")
    assert result.exit_code == 1 and "XI-EXAMPLE-ORG-" in result.output and not out.exists()


def test_only_admins_download_the_iati_file(app, app_ctx, create_user):
    create_user("coord", role="coordinator", coordinated_countries=["PE"])
    create_user("admin", role="admin")
    coordinator, admin = app.test_client(), app.test_client()
    sign_in(coordinator, "coord")
    sign_in(admin, "admin")
    assert coordinator.get(f"/reports/iati.xml?year={YEAR}").status_code == 403
    response = admin.get(f"/reports/iati.xml?year={YEAR}")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    SCHEMA.assertValid(etree.fromstring(response.get_data()).getroottree())
    assert admin.get("/reports/iati.xml?year=1800").status_code == 404


def test_outcome_indicators_carry_their_baseline_and_later_values(app, app_ctx, library, create_user, tmp_path):
    from datetime import date

    from sqlalchemy import select, update

    from lms.demo.surveys import create_demo_survey
    from lms.extensions import db
    from lms.models import SurveyAnswer, SurveyQuestion, SurveyResponse

    survey = create_demo_survey(create_user("trainer", role="trainer"))
    db.session.commit()
    out = tmp_path / "iati.xml"
    # A year's figures are published once it has ended: this year is refused, and nothing is written.
    result = app.test_cli_runner().invoke(args=["reports", "iati", "--activity", ACTIVITY, "--year",
                                                str(clock.today().year), "--out", str(out)])
    assert result.exit_code == 1 and "once the year has ended" in result.output and not out.exists()
    year = clock.today().year - 1  # the demo's answers, as if given last year
    db.session.execute(update(SurveyResponse).values(submitted_on=date(year, 6, 1)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "iati", "--activity", ACTIVITY, "--year", str(year),
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = etree.parse(str(out))
    SCHEMA.assertValid(document)
    rows = db.session.execute(select(SurveyResponse.wave_id, SurveyResponse.record_key, SurveyAnswer.value)
                              .join(SurveyAnswer).join(SurveyQuestion).where(SurveyQuestion.code == "heard")).all()
    baseline_wave = next(w.id for w in survey.waves if w.kind == "baseline")

    def published_share(later: bool) -> int:
        """Those who agree out of those asked, both published counts of their survey responses."""
        answers = [(key, v) for wave, key, v in rows if (wave != baseline_wave) == later]
        asked = sum((Count(1, key) for key, _v in answers), Count()).published
        agree = sum((Count(1, key) for key, v in answers if v in ("4", "5")), Count()).published
        return round(100 * min(agree, asked) / asked)

    listens = next(r for r in document.iter("result")
                   if r.find("title/narrative").text == "Workers who say management listens")
    indicator = listens.find("indicator")
    assert indicator.get("measure") == "2"
    assert int(indicator.find("baseline").get("value")) == published_share(later=False)
    assert int(indicator.find("period/actual").get("value")) == published_share(later=True)
