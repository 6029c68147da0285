"""The IATI file passes the official 2.03 schema, IATI's Validator rules and codelists, tells the truth about
what its figures add up to, and carries the published figures only."""
from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask_babel import force_locale
from lxml import etree
from sqlalchemy import select, update

from lms import UnsafeConfiguration, check_config, clock
from lms.config import TestConfig
from lms.disclosure import Count
from lms.extensions import db
from lms.models import Course, Enrolment, IndicatorTitle, SurveyAnswer, SurveyQuestion, SurveyResponse
from lms.reports import iati, iati_settings
from tests.helpers import YEAR, sign_in
from tests.reports import iati_rules

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "iati-2.03" / "iati-activities-schema.xsd")))
ACTIVITY = "XI-EXAMPLE-ORG-FAIRWORK"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture
def configure(app, data_app, monkeypatch):
    """Changes settings of the app under test and the test's own (the command runs in the test's context)."""

    def change(**settings):
        for each in (app, data_app):
            for key, value in settings.items():
                monkeypatch.setitem(each.config, key, value)

    return change


def generate(app, tmp_path, activity=ACTIVITY, year=YEAR):
    out = tmp_path / "iati.xml"
    result = app.test_cli_runner().invoke(args=["reports", "iati", "--activity", activity, "--year", str(year),
                                                "--out", str(out)])
    return result, out


def published(people) -> int:
    return sum((Count(1, u.record_key) for u in people), Count()).published


def result_titled(document, title: str):
    return next(r for r in document.iter("result") if r.find("title/narrative").text == title)


def totals(indicator) -> list[int]:
    """Each period's total (the actual without a dimension)."""
    return [int(a.get("value")) for period in indicator.findall("period") for a in period.findall("actual")
            if a.find("dimension") is None]


def test_the_file_passes_the_schema_the_validator_rules_and_the_codelists(app, population, tmp_path):
    result, out = generate(app, tmp_path)
    assert result.exit_code == 0, result.output
    document = etree.parse(str(out))
    SCHEMA.assertValid(document)
    assert iati_rules.broken_rules(document) == []
    assert iati_rules.codes_off_their_lists(document) == []
    sectors = [(s.get("vocabulary"), s.get("code"), s.get("percentage")) for s in document.iter("sector")]
    assert sectors == [("1", "16020", "50"), ("1", "15150", "50")]  # the default IATI_SECTORS
    funder = document.find(".//participating-org[@role='1']")
    assert (funder.get("ref"), funder.get("type")) == ("XM-DAC-7", "10")


def test_the_rules_refuse_the_file_as_it_was(app, population, tmp_path):
    """The interpreters fail where IATI's Validator does: the file as it was before sectors, and broken codes."""
    _result, out = generate(app, tmp_path)
    document = etree.parse(str(out))
    activity = document.find("iati-activity")
    for sector in activity.findall("sector"):
        activity.remove(sector)
    assert any(rule.startswith("6.2.2 error") for rule in iati_rules.broken_rules(document))
    for code, percentage in (("16020", "60"), ("15150", "50")):
        etree.SubElement(activity, "sector", code=code, percentage=percentage)
    assert any(rule.startswith("2.1.2 error") for rule in iati_rules.broken_rules(document))
    activity.find("iati-identifier").text = "NL-KVK-1-FAIRWORK"
    assert any(rule.startswith("1.1.21 warning") for rule in iati_rules.broken_rules(document))
    activity.find("participating-org").set("type", "99")
    activity.find("result/indicator/title/narrative").set(XML_LANG, "xx")
    assert {line.split("=")[0] for line in iati_rules.codes_off_their_lists(document)} == {
        "//iati-activity/participating-org/@type", "//@xml:lang"}


def test_participants_are_counted_for_the_year_by_sex_and_age(app, population, tmp_path, configure):
    configure(IATI_TARGETS="participants=5000, completions=3000")
    result, out = generate(app, tmp_path)
    assert result.exit_code == 0, result.output
    document = etree.parse(str(out))
    participants = result_titled(document, "Union members reached by the training")
    # Distinct people: not to be added to other years' or activities' (a person reached twice is one person).
    assert participants.get("aggregation-status") == "0"
    [period] = participants.findall("indicator/period")
    assert (period.find("period-start").get("iso-date"), period.find("period-end").get("iso-date")) == (
        f"{YEAR}-01-01", f"{YEAR}-12-31")
    assert [t.get("value") for t in period.findall("target")] == ["5000"]
    people = {u for u, enrolled, _c in population if enrolled.year == YEAR}
    # The published count of the year's participants: the same as the dashboard shows for them.
    assert totals(participants.find("indicator")) == [published(people)]
    assert abs(published(people) - len(people)) <= 4
    by_sex = {a.find("dimension").get("value"): int(a.get("value")) for a in period.findall("actual")
              if a.find("dimension[@name='sex']") is not None}
    assert by_sex == {"female": published({u for u in people if u.gender == "woman"}),
                      "male": published({u for u in people if u.gender == "man"})}
    ages = [a.find("dimension").get("value") for a in period.findall("actual")
            if a.find("dimension[@name='age']") is not None]
    assert ages == ["15-24", "25-35", "36+"]  # the known bands; no birth year counts in the total only
    assert {d.get("name") for d in document.iter("dimension")} == {"sex", "age"}
    # Completions are events: a year's may be added to another's.
    completions = result_titled(document, "Courses completed")
    assert completions.get("aggregation-status") == "1"
    [period] = completions.findall("indicator/period")
    assert [t.get("value") for t in period.findall("target")] == ["3000"]
    done = [e for _u, _e, completed in population for e in [completed] if completed and completed.year == YEAR]
    assert abs(totals(completions.find("indicator"))[0] - len(done)) <= 4
    outputs = [r for r in document.iter("result") if r.get("type") == "1"]
    counts = [a for r in outputs for a in r.iter("actual")]
    assert counts and all(int(a.get("value")) % 5 == 0 for a in counts)  # published counts only
    # Where the people reached live: shares of the year's participants, adding up to 100.
    recipients = {c.get("code"): int(c.get("percentage")) for c in document.iter("recipient-country")}
    by_country = {country: published({u for u in people if u.country == country})
                  for country in Counter(u.country for u in people)}
    assert set(recipients) == {c for c, n in by_country.items() if n} and sum(recipients.values()) == 100
    for country, count in by_country.items():
        if count:
            assert abs(recipients[country] - 100 * count / sum(by_country.values())) < 1


def test_no_periods_add_up_to_more_people_than_were_reached(app, population, tmp_path):
    """Every participant of the year begins a second course in another quarter: whatever periods the file uses,
    their totals never add up to more people than the distinct count (four quarters would count each twice)."""
    second = db.session.scalar(select(Course).where(Course.slug == "womens-leadership"))
    people = {u for u, enrolled, _c in population if enrolled.year == YEAR}
    for user, first, _completed in population:
        if user in people:
            again = datetime(YEAR, (first.month + 5) % 12 + 1, 15, tzinfo=UTC)  # six months on, in the year
            db.session.add(Enrolment(user_id=user.id, course_id=second.id, enrolled_at=again,
                                     last_activity_at=again))
    db.session.commit()
    _result, out = generate(app, tmp_path)
    participants = result_titled(etree.parse(str(out)), "Union members reached by the training")
    added_up = sum(totals(participants.find("indicator")))
    assert added_up <= len(people) + 4 and added_up == published(people)


def test_titles_are_tagged_only_with_languages_they_are_written_in(app, app_ctx):
    titles = iati.translated(iati.PARTICIPANTS)
    with force_locale("fr"):
        french = str(iati.PARTICIPANTS)
    assert titles["en"] == "Union members reached by the training" and titles["fr"] == french != titles["en"]
    assert set(titles) <= set(iati.TITLE_LANGUAGES)
    with force_locale("fr"):  # a message the catalogue leaves in English is not called French
        assert "fr" not in iati.translated("Not a message of the catalogue")

    def indicator(*rows):
        return SimpleNamespace(titles=[SimpleNamespace(language=language, title=title) for language, title in rows])

    assert iati.indicator_titles(indicator(("en", "Heard"), ("fr", "Entendu"), ("km", "ឮ")), "en") == {
        "en": "Heard", "fr": "Entendu"}
    assert iati.indicator_titles(indicator(("es-419", "Escuchado")), "es-419") == {"es": "Escuchado"}
    assert iati.indicator_titles(indicator(("pt-BR", "Ouvido"), ("pt", "Ouvida")), "pt") == {"pt": "Ouvida"}
    assert iati.indicator_titles(indicator(("km", "ឮ")), "km") == {"km": "ឮ"}  # no fallback, its own language
    assert iati.indicator_titles(indicator(("tet", "Rona")), "tet") == {}  # no IATI code: left out
    assert iati.iati_language("pt-BR") == "pt" and iati.iati_language("tet") is None


def test_settings_are_checked_when_the_portal_starts_naming_every_bad_value():
    class Wrong(TestConfig):
        IATI_SECTORS = "16020:60,99999:30"
        IATI_SECTOR_VOCABULARY = "1"
        IATI_FUNDER_TYPE = "GOV"
        IATI_REPORTING_ORG_TYPE = "3"
        IATI_ACTIVITY_ID = "NL-KVK-1234-FAIRWORK"
        IATI_ACTIVITY_START = "01/01/2025"
        IATI_TARGETS = "participants=5,000,trainers=40"

    app = Flask("check")
    app.config.from_object(Wrong)
    with pytest.raises(UnsafeConfiguration) as refused:
        check_config(app)
    message = str(refused.value)
    for bad in ("'99999' is not an active code", "add up to 90, not 100", "IATI_FUNDER_TYPE='GOV'",
                "IATI_REPORTING_ORG_TYPE='3'", "IATI_ACTIVITY_ID='NL-KVK-1234-FAIRWORK'",
                "IATI_ACTIVITY_START='01/01/2025'", "with a thousands separator", "'trainers' is not a measure"):
        assert bad in message
    app.config.update(IATI_SECTOR_VOCABULARY="42", IATI_SECTORS="16020", IATI_TARGETS="")
    with pytest.raises(UnsafeConfiguration, match="IATI_SECTOR_VOCABULARY='42' is not on IATI's SectorVocabulary"):
        check_config(app)


@pytest.mark.parametrize(("sectors", "vocabulary", "expected"), [
    ("16020:50,15150:50", "1", [("16020", 50), ("15150", 50)]),
    ("16020", "1", [("16020", 100)]),
    (" 151 ", "2", [("151", 100)]),
    ("16020:100", "1", [("16020", 100)]),
])
def test_sectors_are_read_with_their_shares(sectors, vocabulary, expected):
    problems = []
    found = iati_settings.parse_sectors(sectors, vocabulary, problems)
    assert problems == [] and [(s.code, s.percentage) for s in found] == expected


@pytest.mark.parametrize(("sectors", "vocabulary", "problem"), [
    ("", "1", "IATI_SECTORS is empty"),
    ("16020,15150", "1", "needs its percentage"),
    ("16020:50,16020:50", "1", "names a sector twice"),
    ("16020:0,15150:100", "1", "a share is from 1 to 100"),
    ("16020:50%", "1", "is not code:percentage"),
    ("15150", "2", "'15150' is not an active code of IATI's SectorCategory"),
    ("15150", "7", "checks the codes of vocabularies 1"),
])
def test_bad_sectors_are_refused(sectors, vocabulary, problem):
    problems = []
    assert iati_settings.parse_sectors(sectors, vocabulary, problems) == ()
    assert problems and all(problem in each for each in problems)


def test_targets_are_whole_numbers_for_known_measures():
    problems = []
    assert iati_settings.parse_targets("participants=5000, completions = 3000", problems) == {
        "participants": 5000, "completions": 3000}
    assert iati_settings.parse_targets("", problems) == {} and problems == []
    for text in ("participants=5,000", "participants=5.000", "participants=5000,participants=10", "people=5",
                 "participants=-5", "participants"):
        problems = []
        iati_settings.parse_targets(text, problems)
        assert problems, text


def test_the_command_names_every_bad_setting_and_writes_nothing(app, app_ctx, tmp_path, configure):
    configure(IATI_SECTORS="16020:50,15150:40", IATI_FUNDER_TYPE="99", IATI_TARGETS="participants=5,000")
    result, out = generate(app, tmp_path)
    assert result.exit_code == 1 and not out.exists()
    for bad in ("add up to 90, not 100", "IATI_FUNDER_TYPE='99'", "IATI_TARGETS='participants=5,000' writes a "
                "number with a thousands separator"):
        assert bad in result.output


def test_names_and_the_funder_may_not_be_blank_nor_the_year_before_the_activity(app, app_ctx, tmp_path, configure,
                                                                                  create_user):
    configure(IATI_FUNDER_REF=" ", IATI_FUNDER_NAME="", IATI_ACTIVITY_TITLE="  ")
    result, out = generate(app, tmp_path)
    assert result.exit_code == 1 and not out.exists()
    for bad in ("IATI_FUNDER_REF=' '", "IATI_FUNDER_NAME is empty", "IATI_ACTIVITY_TITLE is empty"):
        assert bad in result.output
    configure(IATI_FUNDER_REF="XM-DAC-7", IATI_FUNDER_NAME="Ministry", IATI_ACTIVITY_TITLE="Fair work",
              IATI_ACTIVITY_START=f"{YEAR}-01-01")
    result, out = generate(app, tmp_path, year=YEAR - 1)
    assert result.exit_code == 1 and "has no figures for" in result.output and not out.exists()
    create_user("ada", role="admin")
    client = app.test_client()
    sign_in(client, "ada")
    assert client.get(f"/reports/iati.xml?year={YEAR - 1}").status_code == 404


def test_the_funder_type_comes_from_the_settings(app, app_ctx, tmp_path, configure):
    configure(IATI_FUNDER_TYPE="40", IATI_SECTORS="15150")
    result, out = generate(app, tmp_path)
    assert result.exit_code == 0, result.output
    document = etree.parse(str(out))
    assert document.find(".//participating-org[@role='1']").get("type") == "40"
    assert [(s.get("code"), s.get("percentage")) for s in document.iter("sector")] == [("15150", "100")]
    assert iati_rules.broken_rules(document) == []


def test_the_shipped_codes_are_the_codelists_active_codes():
    """lms/reports/iati_codes/codes.json, which the portal checks its settings against, lists exactly the active
    codes of the codelists copied into tests/reports/iati-codelists/."""
    shipped = json.loads(iati_settings.CODES.read_text())
    derived = {name: sorted(code for code, status in iati_rules.codelist(name).items() if status == "active")
               for name in shipped}
    assert shipped == derived, json.dumps(derived)


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
    from lms.demo.surveys import create_demo_survey

    survey = create_demo_survey(create_user("trainer", role="trainer"))
    listens_indicator = next(i for i in survey.indicators if i.titles[0].title == "Workers who say management listens")
    db.session.add(IndicatorTitle(indicator_id=listens_indicator.id, language="fr",
                                  title="Travailleurs qui disent que la direction écoute"))
    db.session.commit()
    # A year's figures are published once it has ended: this year is refused, and nothing is written.
    result, out = generate(app, tmp_path, year=clock.today().year)
    assert result.exit_code == 1 and "once the year has ended" in result.output and not out.exists()
    year = clock.today().year - 1  # the demo's answers, as if given last year
    db.session.execute(update(SurveyResponse).values(submitted_on=date(year, 6, 1)))
    db.session.commit()
    result, out = generate(app, tmp_path, year=year)
    assert result.exit_code == 0, result.output
    from lms.surveys.kept_figures import add_up_waves

    assert add_up_waves() > 0  # the same file from the sums kept per wave and year
    (tmp_path / "kept").mkdir()
    def undated(path) -> bytes:  # the moment the file was made differs from one second to the next
        return re.sub(rb'(generated|last-updated)-datetime="[^"]*"', b"", path.read_bytes())

    assert undated(generate(app, tmp_path / "kept", year=year)[1]) == undated(out)
    from lms.surveys.indicator_sums import survey_stale

    survey_stale(survey)  # the answers' days are moved by hand below: read them again
    db.session.commit()
    document = etree.parse(str(out))
    SCHEMA.assertValid(document)
    assert iati_rules.broken_rules(document) == [] and iati_rules.codes_off_their_lists(document) == []
    # Nobody began a course that year: no country to name, the region "developing countries, unspecified".
    assert [r.get("code") for r in document.iter("recipient-region")] == ["998"]
    rows = db.session.execute(select(SurveyResponse.wave_id, SurveyResponse.record_key, SurveyAnswer.value)
                              .join(SurveyAnswer).join(SurveyQuestion).where(SurveyQuestion.code == "heard")).all()
    baseline_wave = next(w.id for w in survey.waves if w.kind == "baseline")

    def published_share(later: bool) -> int:
        """Those who agree out of those asked, both published counts of their survey responses."""
        answers = [(key, v) for wave, key, v in rows if (wave != baseline_wave) == later]
        asked = sum((Count(1, key) for key, _v in answers), Count()).published
        agree = sum((Count(1, key) for key, v in answers if v in ("4", "5")), Count()).published
        return round(100 * min(agree, asked) / asked)

    listens = result_titled(document, "Workers who say management listens")
    indicator = listens.find("indicator")
    assert indicator.get("measure") == "2"
    assert int(indicator.find("baseline").get("value")) == published_share(later=False)
    assert int(indicator.find("period/actual").get("value")) == published_share(later=True)
    # An actual per kind of later wave, never pooled across kinds (one person may answer an endline and a follow-up).
    dimensions = [(d.get("name"), d.get("value")) for d in indicator.iter("dimension")]
    assert ("wave", "endline") in dimensions and len(dimensions) == len(set(dimensions)) == len(
        indicator.findall("period/actual"))
    assert {value for _name, value in dimensions} <= {"endline", "follow_up"}
    # Each title in the languages it is written in: English (the activity's own, untagged) and the French added.
    assert [(n.get(XML_LANG), n.text) for n in indicator.find("title")] == [
        (None, "Workers who say management listens"), ("fr", "Travailleurs qui disent que la direction écoute")]
    # Later answers given the year before are not the year's: no actual, so no result for the indicator.
    db.session.execute(update(SurveyResponse).where(SurveyResponse.wave_id != baseline_wave)
                       .values(submitted_on=date(year - 1, 6, 1)))
    db.session.commit()
    (tmp_path / "earlier").mkdir()
    _result, earlier = generate(app, tmp_path / "earlier", year=year)
    assert "Workers who say management listens" not in earlier.read_text()
    others = [r for r in document.iter("result") if r.get("type") == "2" and r is not listens]
    assert all(n.get(XML_LANG) in (None, "fr", "es") for r in others for n in r.iter("narrative"))
    survey_results = [r for r in others if r.find("title/narrative").text != "Knowledge gained in the courses"]
    assert survey_results and all(n.get(XML_LANG) is None for r in survey_results for n in r.iter("narrative"))
