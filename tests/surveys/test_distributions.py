"""Results a coordinator can read: invited, answered and response rate per wave, each question's answers per wave
(chart and table), free text where the privacy mode allows it, and the same figures as CSV and XLSX.

The data set is known: who answered what is chosen below, so every published figure is checked against the
true count of its records (with their cell key) rounded by lms/disclosure.py, never against the code's own sums.
"""
from __future__ import annotations

import io
import re
from collections import defaultdict
from itertools import combinations
from urllib.parse import urlencode

import pytest
from lxml import html
from openpyxl import load_workbook
from sqlalchemy import select

from lms.disclosure import Count
from lms.extensions import db
from lms.learn import services as learning
from lms.models import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse, User
from lms.surveys import answering, building, distributions
from tests.helpers import BUNDLED_COURSE, release_any, sign_in
from tests.reports import reading
from tests.surveys.helpers import logic_survey

Answer = answering.Answer

#: Who answers what, per country: (safe, union, voice, issues, hours, comment). Peru's "never" (3), "hours" in
#: issues (2) and "2" on the scale (3) are the small counts that must never show.
PERU = ([("4", "yes", "often", "wages safety", 40.0, "More breaks")] * 8
        + [("5", "yes", "sometimes", "wages", 45.5, "Safer ladders")] * 6
        + [("4", "no", "often", "", 38.0, "")] * 4
        + [("2", "yes", "never", "hours", 60.0, "The night shift")] * 2
        + [("2", "no", "never", "", 52.0, "")] * 1
        + [("5", "yes", "often", "wages", 41.0, "A union rep")] * 2)
BENIN = ([("4", "yes", "sometimes", "safety", 48.0, "Water")] * 7
         + [("1", "no", "never", "hours", 70.0, "")] * 3)
#: Members invited who do not answer, per country.
SILENT = {"PE": 4, "BJ": 2}
QUESTION_CODES = ("safe", "union", "voice", "issues", "hours", "comment")


def answers_of(row) -> dict[str, Answer]:
    safe, union, voice, issues, hours, comment = row
    found = {"safe": Answer(safe, float(safe)), "union": Answer(union), "voice": Answer(voice),
             "hours": Answer(str(hours), hours)}
    if issues:
        found["issues"] = Answer(issues)
    if comment:
        found["comment"] = Answer(comment)
    return found


@pytest.fixture
def answered(app_ctx, library, create_user, make_survey):
    """A survey of the bundled course's baseline, answered by the people above; the staff who read it."""

    def make(privacy: str = "pseudonymous"):
        course = learning.find_course(BUNDLED_COURSE)
        author = create_user("author", role="trainer", country="PE")
        create_user("coord", role="coordinator", country="PE", coordinated_countries=["PE"])
        create_user("boss", role="admin", country="PE")
        survey = make_survey(course=course, waves=["baseline"], privacy=privacy, creator=author)
        wave = survey.waves[0]
        for country, rows in (("PE", PERU), ("BJ", BENIN)):
            for i, row in enumerate(rows + [None] * SILENT[country]):
                member = create_user(f"{country.lower()}{i}", country=country)
                learning.enrol(member.id, course)
                if row is None:
                    continue
                invitation = db.session.scalar(select(SurveyInvitation).where(
                    SurveyInvitation.user_id == member.id, SurveyInvitation.wave_id == wave.id))
                answering.submit_response(wave=wave, version=survey.published_version, answers=answers_of(row),
                                          user=member, invitation=invitation)
        db.session.commit()
        release_any()
        db.session.commit()
        return survey

    return make


def true_counts(survey, countries=None) -> dict[tuple, Count]:
    """Every figure's true count and cell key, read row by row in Python: ("invited",), ("answered",),
    (code, "n") and (code, choice)."""
    wave = survey.waves[0]
    found: dict[tuple, Count] = defaultdict(Count)
    for invitation in db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.wave_id == wave.id)):
        person = db.session.get(User, invitation.user_id)
        if countries is None or person.country in countries:
            found[("invited",)] += Count(1, person.record_key)
    questions = {q.id: q for q in db.session.scalars(select(SurveyQuestion))}
    for response in db.session.scalars(select(SurveyResponse).where(SurveyResponse.wave_id == wave.id)):
        if countries is not None and response.country not in countries:
            continue
        one = Count(1, response.record_key)
        found[("answered",)] += one
        for answer in db.session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)):
            code = questions[answer.question_id].code
            found[(code, "n")] += one
            if code != "comment" and code != "hours":
                for choice in answer.value.split():
                    found[(code, choice)] += one
    return found


def published(counts: dict[tuple, Count], *key) -> int:
    return counts.get(key, Count()).published


def test_figures_are_the_true_counts_as_published(answered):
    survey = answered("pseudonymous")
    figures = distributions.survey_figures(survey, survey.waves, None, language="en", figures=True)
    truth = true_counts(survey)
    # The data set is what the test says it is.
    assert truth[("answered",)].n == len(PERU) + len(BENIN) and truth[("invited",)].n == 39
    assert truth[("voice", "never")].n == 6 and truth[("issues", "hours")].n == 5
    [wave] = figures.waves
    assert (wave.invited, wave.answered) == (published(truth, "invited"), published(truth, "answered"))
    assert wave.rate == pytest.approx(min(1, wave.answered / wave.invited))
    by_code = {q.code: q for q in figures.questions}
    assert list(by_code) == list(QUESTION_CODES)
    for code in ("safe", "union", "voice", "issues"):
        [figure] = by_code[code].waves
        assert figure.answered == published(truth, code, "n") and figure.shown
        for bar in figure.bars:
            assert bar.count == published(truth, code, bar.code), (code, bar.code)
            assert figure.share(bar) == pytest.approx(min(1, bar.count / figure.answered))
    assert [b.code for b in by_code["safe"].waves[0].bars] == ["1", "2", "3", "4", "5"]
    assert [str(b.label) for b in by_code["voice"].waves[0].bars] == ["Never", "Sometimes", "Often"]
    # Numbers: bins of 20 hours between the question's bounds (0-100), and the mean its indicator publishes.
    [hours] = by_code["hours"].waves
    assert hours.answered == published(truth, "hours", "n")
    assert [str(b.label) for b in hours.bars][0] == "0 to under 20" and str(hours.bars[-1].label) == "80 to 100"
    wave_id = survey.waves[0].id
    rows = db.session.execute(select(SurveyAnswer.number, SurveyResponse.record_key).join(SurveyResponse).join(
        SurveyQuestion).where(SurveyQuestion.code == "hours", SurveyResponse.wave_id == wave_id)).all()
    for index, bar in enumerate(hours.bars):
        inside = [key for number, key in rows if 20 * index <= number < 20 * (index + 1) or (index == 4 and
                                                                                            number == 100)]
        assert bar.count == Count(len(inside), sum(inside) % 2**31).published
    from lms.surveys import results
    indicator = next(r for r in results.indicator_results(survey, survey.waves) if r.indicator.code == "mean_hours")
    assert hours.mean == indicator.series[0][0].estimate
    exact = sum(number for number, _key in rows) / len(rows)
    assert abs(hours.mean.value - exact) <= 100 / len(rows) + 0.05  # the noise: at most the range over n


def test_a_country_counts_its_own_respondents_and_invitations(answered):
    survey = answered("pseudonymous")
    figures = distributions.survey_figures(survey, survey.waves, ["BJ"], language="en", figures=True)
    truth = true_counts(survey, ["BJ"])
    assert truth[("invited",)].n == 12 and truth[("answered",)].n == 10
    assert (figures.waves[0].invited, figures.waves[0].answered) == (published(truth, "invited"),
                                                                      published(truth, "answered"))
    voice = next(q for q in figures.questions if q.code == "voice").waves[0]
    assert {b.code: b.count for b in voice.bars} == {c: published(truth, "voice", c)
                                                     for c in ("never", "sometimes", "often")}


def test_small_counts_never_show_nor_follow_from_the_others(answered, data_app):
    """Every figure of every view (all countries, each country, a coordinator's) is a multiple of 5, a count of
    1-4 is never shown as itself, and no two figures of a view or of two views differ by 1 to 4."""
    survey = answered("pseudonymous")
    views = {}
    for countries in (None, ["PE"], ["BJ"]):
        figures = distributions.survey_figures(survey, survey.waves, countries, language="en", figures=True)
        flat = {("invited",): figures.waves[0].invited, ("answered",): figures.waves[0].answered}
        for question in figures.questions:
            flat[(question.code, "n")] = question.waves[0].answered
            flat.update({(question.code, bar.code): bar.count for bar in question.waves[0].bars})
        views[str(countries)] = flat
        truth = true_counts(survey, countries)
        for key, value in flat.items():
            assert value % 5 == 0, key
            if key in truth and 1 <= truth[key].n <= 4:
                assert value in (0, 5) and value != truth[key].n, key
    for flat in views.values():  # total minus the other cells, question n against the wave's answered
        for a, b in combinations(flat.values(), 2):
            assert not 1 <= abs(a - b) <= 4
    for (_n1, first), (_n2, second) in combinations(views.items(), 2):  # a wave minus a country
        for key in first.keys() & second.keys():
            assert not 1 <= abs(first[key] - second[key]) <= 4, key


def test_the_same_records_give_the_same_figure_in_every_view(answered):
    """A choice whose respondents are the same records as another figure's is published the same: the
    Benin 'never' of the whole survey and Benin's own view, a choice's count and the indicator's counted."""
    survey = answered("pseudonymous")
    everyone = distributions.survey_figures(survey, survey.waves, None, language="en", figures=True)
    benin = distributions.survey_figures(survey, survey.waves, ["BJ"], language="en", figures=True)
    union_all = next(q for q in everyone.questions if q.code == "union").waves[0]
    union_bj = next(q for q in benin.questions if q.code == "union").waves[0]
    truth = true_counts(survey, ["BJ"])
    assert {b.code: b.count for b in union_bj.bars} == {"yes": published(truth, "union", "yes"),
                                                        "no": published(truth, "union", "no")}
    assert union_all.bars[0].count == published(true_counts(survey), "union", "yes")


def page_figures(page: str) -> dict[tuple[str, str, str], str]:
    """(question heading, wave line, answer) -> "People" and "Share" of the answers section, as a reader reads it."""
    tree = html.fromstring(page)
    found = {}
    for table in tree.xpath("//h2[@id='answers']/following::table"):
        question = reading.text(table.xpath("preceding::h3[1]")[0])
        caption = reading.text(table.xpath("./caption")[0])
        for row in table.xpath("./tbody/tr"):
            answer = reading.text(row.xpath("./th")[0])
            people, share = (reading.text(td) for td in row.xpath("./td"))
            found[(question, caption, answer)] = (people, share)
    return found


def test_the_page_shows_each_question_with_a_chart_and_a_table_without_script(client, answered):
    survey = answered("pseudonymous")
    truth = true_counts(survey)
    sign_in(client, "boss")
    response = client.get(f"/surveys/manage/{survey.code}/results")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Works with JavaScript off: no script or style on the page, charts are SVG drawn by the server.
    assert not re.search(r"<script(?![^>]* src=)", page) and " style=" not in page and "<style" not in page
    tree = html.fromstring(page)
    answers = tree.xpath("//h2[@id='answers']/following::*")
    assert len([e for e in answers if e.tag == "svg"]) == 5  # safe, union, voice, issues, hours
    charts = tree.xpath("//svg[@class='chart']")
    assert len(charts) == 5 and all(svg.get("role") == "img" and svg.get("aria-labelledby") for svg in charts)
    figures = page_figures(page)
    wave_line = "Baseline · Everyone taking"
    never = next(v for k, v in figures.items() if k[0].startswith("How often") and k[1].startswith(wave_line)
                 and k[2] == "Never")
    assert never[0] == str(published(truth, "voice", "never"))
    line = next(li for li in tree.xpath("//h2[text()='Responses']/following-sibling::ul[1]/li"))
    assert f"{published(truth, 'answered', )} responses" in reading.text(line)
    assert f"{published(truth, 'invited')} invited" in reading.text(line)
    # The free text of a pseudonymous survey: p - 5 of them, where p is their published count.
    texts = [reading.text(li) for li in tree.xpath("//ul[@class='free-text']/li")]
    assert len(texts) == published(truth, "comment", "n") - 5
    assert set(texts) <= {"More breaks", "Safer ladders", "The night shift", "A union rep", "Water"}


def test_free_text_is_listed_in_an_order_of_its_own_and_the_same_each_time(answered):
    survey = answered("identified")
    first = distributions.survey_figures(survey, survey.waves, None, language="en", figures=True)
    again = distributions.survey_figures(survey, survey.waves, None, language="en", figures=True)
    [comment] = next(q for q in first.questions if q.code == "comment").waves
    assert comment.texts == next(q for q in again.questions if q.code == "comment").waves[0].texts
    truth = true_counts(survey)
    assert len(comment.texts) == published(truth, "comment", "n") - 5
    stored = list(db.session.scalars(select(SurveyAnswer.value).join(SurveyQuestion).where(
        SurveyQuestion.code == "comment")))
    assert comment.texts != stored[:len(comment.texts)] or len(set(stored)) == 1


def test_an_anonymous_surveys_free_text_is_never_listed(client, answered):
    survey = answered("anonymous")
    figures = distributions.survey_figures(survey, survey.waves, None, language="en", figures=True)
    comment = next(q for q in figures.questions if q.code == "comment").waves[0]
    assert comment.texts is None and comment.answered >= 10
    sign_in(client, "boss")
    page = client.get(f"/surveys/manage/{survey.code}/results").get_data(as_text=True)
    csv_data = client.get(f"/surveys/manage/{survey.code}/results.csv").get_data()
    for text in ("More breaks", "Safer ladders", "Water"):
        assert text not in page and text.encode() not in csv_data
    assert "Free-text answers of an anonymous survey are not listed" in page


def test_too_few_texts_are_not_listed(answered):
    survey = answered("pseudonymous")
    figures = distributions.survey_figures(survey, survey.waves, ["BJ"], language="en", figures=True)
    comment = next(q for q in figures.questions if q.code == "comment").waves[0]
    assert comment.answered <= 10  # 7 texts: published 5 or 10
    assert comment.texts == ([] if comment.answered < 10 else ["Water"] * 5)


def csv_sections(data: bytes) -> dict[str, list[list[str]]]:
    rows = reading.csv_rows(data)
    sections, current = {}, None
    for before, row in zip([["title"]] + rows, rows, strict=False):
        if not any(before) and len(row) == 1 and row[0]:
            current = sections.setdefault(row[0], [])
        elif current is not None and any(row):
            current.append(row)
    return sections


def same(value: str) -> str:
    """A cell as a reader compares it: 42 and 42.0 are the same number (XLSX keeps no trailing zero)."""
    return value.removesuffix(".0") if re.fullmatch(r"-?\d+\.0", value) else value


def test_downloads_hold_the_pages_figures(client, answered):
    survey = answered("pseudonymous")
    sign_in(client, "coord")
    url = f"/surveys/manage/{survey.code}/results"
    page = client.get(url).get_data(as_text=True)
    csv_response = client.get(f"{url}.csv")
    assert csv_response.status_code == 200 and csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    sections = csv_sections(csv_response.get_data())
    header, *rows = sections["Answers"]
    on_page = page_figures(page)
    from_csv = {}
    for row in rows:
        line = dict(zip(header, row, strict=True))
        if line["Answer"]:
            share = "–" if line["Share (%)"] == "–" else f"{line['Share (%)']}%"
            from_csv[(line["Question"], line["Wave"] + " · " + line["Asked of"], line["Answer"])] = (
                line["People"], share)
    assert from_csv and {(q.split(" (")[0], w, a): v for (q, w, a), v in on_page.items()} == from_csv
    # A coordinator of Peru counts Peru's respondents only, on the page and in the file.
    truth = true_counts(survey, ["PE"])
    responses = dict(zip(*sections["Responses"], strict=True))
    assert responses["Answered"] == str(published(truth, "answered"))
    assert responses["Invited"] == str(published(truth, "invited"))
    texts = [row[-1] for row in sections["Free text"][1:]]
    assert sorted(texts) == sorted(reading.text(li) for li in html.fromstring(page).xpath(
        "//ul[@class='free-text']/li"))
    # The XLSX holds the same rows, sheet by sheet.
    book = load_workbook(io.BytesIO(client.get(f"{url}.xlsx").get_data()))
    for name, section in sections.items():
        sheet = book[name]
        values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert [[same(v) for v in row[:len(section[0])]] for row in values[-len(section):]] == [
            [same(v) for v in row] for row in section], name


def test_downloads_follow_the_pages_filters_and_guard_formulas(client, answered, app_ctx):
    survey = answered("pseudonymous")
    question = db.session.scalar(select(SurveyQuestion).where(SurveyQuestion.code == "voice"))
    question.choices[0].texts[0].label = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    sign_in(client, "boss")
    url = f"/surveys/manage/{survey.code}/results"
    data = client.get(f"{url}.csv?{urlencode({'country': 'BJ'})}").get_data()
    assert b"'=HYPERLINK" in data and b"\n=HYPERLINK" not in data and b",=HYPERLINK" not in data
    sections = csv_sections(data)
    truth = true_counts(survey, ["BJ"])
    assert dict(zip(*sections["Responses"], strict=True))["Answered"] == str(published(truth, "answered"))
    book = load_workbook(io.BytesIO(client.get(f"{url}.xlsx?country=BJ").get_data()))
    cells = [c for row in book["Answers"].iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert client.get(f"{url}.csv?country=XX").status_code == 404


def test_who_may_not_read_the_figures_gets_neither_page_nor_file(app, answered, create_user):
    survey = answered("anonymous")
    create_user("stranger", role="trainer", country="BJ")
    create_user("member")
    url = f"/surveys/manage/{survey.code}/results"
    for path in (url, f"{url}.csv", f"{url}.xlsx"):
        assert app.test_client().get(path).status_code == 302  # a visitor signs in first
    for name in ("stranger", "member"):
        client = app.test_client()
        sign_in(client, name)
        for path in (url, f"{url}.csv", f"{url}.xlsx"):
            assert client.get(path).status_code == 403, (name, path)
    # The survey's author, a trainer, sees how many answered: not how, on the page nor in the file.
    client = app.test_client()
    sign_in(client, "author")
    page = client.get(url).get_data(as_text=True)
    assert 'id="answers"' not in page and 'class="chart"' not in page
    sections = csv_sections(client.get(f"{url}.csv").get_data())
    assert list(sections) == ["Responses"]


def test_labels_in_the_readers_language_with_the_source_as_fallback(client, answered):
    from lms.surveys import building

    survey = answered("pseudonymous")
    building.save_translation(survey, "fr", title="Voix", description="", questions={
        "voice": ("À quelle fréquence les travailleurs sont-ils entendus ?", "")},
        choices={("voice", "often"): "Souvent"}, indicators={})
    db.session.commit()
    figures = distributions.survey_figures(survey, survey.waves, None, language="fr", figures=True)
    question = next(q for q in figures.questions if q.code == "voice")
    assert str(question.label).startswith("À quelle") and question.label.language is None
    labels = {b.code: b.label for b in question.waves[0].bars}
    assert str(labels["often"]) == "Souvent" and labels["often"].language is None
    assert str(labels["never"]) == "Never" and labels["never"].language == "en"
    sign_in(client, "boss")
    page = client.get(f"/surveys/manage/{survey.code}/results?lang=fr").get_data(as_text=True)
    assert "Souvent" in page and '<bdi lang="en" dir="ltr">Never</bdi>' in page



def test_a_date_question_shows_how_many_answered_and_notes_and_calculations_no_figures(client, library,
                                                                                         create_user):
    """Outside tester: a date question answered 22 times read "0 people answered"."""
    survey = logic_survey()
    wave = building_wave(survey)
    for i in range(15):
        answering.submit_response(wave=wave, version=survey.published_version, country="PE", answers={
            "member": Answer("no"), "country": Answer("pe"), "joined": Answer(f"2020-01-{i + 1:02d}")})
    db.session.commit()
    release_any()
    create_user("boss", role="admin", country="PE")
    sign_in(client, "boss")
    page = html.fromstring(client.get(f"/surveys/manage/{survey.code}/results").data)
    sections = {re.sub(r"\s+", " ", h.text_content()).strip(): h for h in page.xpath("//h3")}
    joined = next(h for title, h in sections.items() if "(joined)" in title)
    said = joined.xpath("following-sibling::p[1]")[0].text_content()
    assert re.search(r"\b(10|15|20) people answered", said), said
    assert not [title for title in sections if "(thanks)" in title or "(double)" in title]
    assert "2020-01-" not in client.get(f"/surveys/manage/{survey.code}/results.csv").get_data(as_text=True)


def building_wave(survey):
    wave = building.add_wave(survey, kind="baseline", course=learning.find_course(BUNDLED_COURSE))
    db.session.commit()
    return wave
