"""The programme's results as an IATI 2.03 activity file, for the donor.

Results carry the published figures only (lms/disclosure.py): counts rounded at random to a multiple of 5,
the same as the dashboard shows for the same records; outcome values only from 10 people on. Identifiers
and names come from the configuration (IATI_*), never from the code.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from lxml import etree
from sqlalchemy import select

from lms import clock
from lms.disclosure import Count
from lms.extensions import db
from lms.i18n import pick_string
from lms.models import Survey, SurveyWave
from lms.reports import figures
from lms.reports.filters import ReportFilter, parse_age_bands
from lms.surveys import results

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: Languages the titles are written in, besides English.
TITLE_LANGUAGES = ("en", "fr", "es")
SEX = {"woman": "female", "man": "male"}


class IATIError(ValueError):
    """The file cannot be made as asked (an identifier that does not fit the configuration)."""


@dataclass(frozen=True)
class Quarter:
    start: date
    end: date


def quarters(year: int) -> list[Quarter]:
    ends = [date(year, 3, 31), date(year, 6, 30), date(year, 9, 30), date(year, 12, 31)]
    starts = [date(year, 1, 1), date(year, 4, 1), date(year, 7, 1), date(year, 10, 1)]
    return [Quarter(s, e) for s, e in zip(starts, ends, strict=True)]


def narratives(parent, texts: dict[str, str]) -> None:
    """<narrative> per language; the first (English) carries no xml:lang, as the activity's default."""
    for language, text in texts.items():
        element = etree.SubElement(parent, "narrative")
        if language != "en":
            element.set(XML_LANG, language)
        element.text = text


DESCRIPTION = _l("Training of union members in social dialogue and women's leadership, with surveys before, "
                 "at the end and months after.")
PARTICIPANTS = _l("Union members reached by the training")
COMPLETIONS = _l("Courses completed")
KNOWLEDGE = _l("Knowledge gained in the courses")
QUIZ_SCORE = _l("Mean quiz score in percent, before and after the lessons")


def translated(message) -> dict[str, str]:
    """A message of the interface (a lazy string) in every title language."""
    texts = {}
    for language in TITLE_LANGUAGES:
        with force_locale(language):
            texts[language] = str(message)
    return texts


def titled(parent, tag: str, texts: dict[str, str]):
    element = etree.SubElement(parent, tag)
    narratives(element, texts)
    return element


def number(value: float) -> str:
    """Whole numbers as such, others with one decimal."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def activity_file(activity_id: str, year: int) -> bytes:
    """The ``iati-activities`` document for one activity and one year, as UTF-8 XML."""
    config = current_app.config
    org_ref = config["IATI_REPORTING_ORG_REF"]
    if not activity_id.startswith(f"{org_ref}-"):
        raise IATIError(f"An IATI activity identifier starts with the reporting organisation's reference "
                        f"({org_ref}-...): {activity_id!r}")
    if year >= clock.utcnow().year:
        raise IATIError(f"The figures of {year} are published once the year has ended: choose an earlier year.")
    now = clock.utcnow().replace(microsecond=0).isoformat()
    root = etree.Element("iati-activities", version="2.03", **{"generated-datetime": now})
    activity = etree.SubElement(root, "iati-activity", **{"last-updated-datetime": now, "default-currency": "EUR",
                                                          XML_LANG: "en"})
    etree.SubElement(activity, "iati-identifier").text = activity_id
    reporting = etree.SubElement(activity, "reporting-org", ref=org_ref, type=config["IATI_REPORTING_ORG_TYPE"])
    narratives(reporting, {"en": config["IATI_REPORTING_ORG_NAME"]})
    titled(activity, "title", {"en": config["IATI_ACTIVITY_TITLE"]})
    description = etree.SubElement(activity, "description", type="1")
    narratives(description, translated(DESCRIPTION))
    funder = etree.SubElement(activity, "participating-org", ref=config["IATI_FUNDER_REF"], role="1", type="10")
    narratives(funder, {"en": config["IATI_FUNDER_NAME"]})
    implementer = etree.SubElement(activity, "participating-org", ref=org_ref, role="4",
                                   type=config["IATI_REPORTING_ORG_TYPE"])
    narratives(implementer, {"en": config["IATI_REPORTING_ORG_NAME"]})
    etree.SubElement(activity, "activity-status", code="2")
    etree.SubElement(activity, "activity-date", type="2", **{"iso-date": config["IATI_ACTIVITY_START"]})
    recipient_countries(activity, year)
    targets = parse_targets(config["IATI_TARGETS"])
    participation_results(activity, year, targets)
    knowledge_result(activity, year)
    outcome_results(activity, year)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def recipient_countries(activity, year: int) -> None:
    """Where the members reached in the year live: one ``recipient-country`` each, percentages adding up to 100.

    The percentages divide the published counts of the countries' participants; a country whose count is
    published as 0 is left out.
    """
    cube = figures.participation_cube(ReportFilter(start=date(year, 1, 1), end=date(year, 12, 31),
                                                   age_bands=tuple(parse_age_bands(current_app.config["REPORT_AGE_BANDS"]))))
    counts: dict[str, Count] = {}
    for (country, _gender, _age), cell in cube.items():
        counts[country] = counts.get(country, Count()) + cell.count("participants")
    shown = {country: count.published for country, count in sorted(counts.items()) if count.published}
    for country, percentage in whole_percentages(shown).items():
        etree.SubElement(activity, "recipient-country", code=country, percentage=str(percentage))


def whole_percentages(counts: dict[str, int]) -> dict[str, int]:
    """Whole percentages that add up to exactly 100 (largest remainder method)."""
    total = sum(counts.values())
    if not total:
        return {}
    exact = {key: 100 * value / total for key, value in counts.items()}
    result = {key: int(share) for key, share in exact.items()}
    by_remainder = sorted(exact, key=lambda key: (exact[key] - result[key], counts[key]), reverse=True)
    for key in by_remainder[:100 - sum(result.values())]:
        result[key] += 1
    return result


def parse_targets(text: str) -> dict[str, str]:
    """``"participants=5000,completions=3000"`` -> targets per indicator code."""
    pairs = (part.split("=", 1) for part in text.split(",") if "=" in part)
    return {key.strip(): value.strip() for key, value in pairs}


def report_for(period: Quarter) -> ReportFilter:
    return ReportFilter(start=period.start, end=period.end,
                        age_bands=tuple(parse_age_bands(current_app.config["REPORT_AGE_BANDS"])))


def participation_results(activity, year: int, targets: dict[str, str]) -> None:
    """Participants reached (by sex and age) and course completions, quarter by quarter."""
    cubes = {period: figures.participation_cube(report_for(period)) for period in quarters(year)}
    for code, title, measure in (("participants", PARTICIPANTS, "participants"),
                                 ("completions", COMPLETIONS, "completions")):
        result = etree.SubElement(activity, "result", type="1", **{"aggregation-status": "1"})
        titled(result, "title", translated(title))
        indicator = etree.SubElement(result, "indicator", measure="1", ascending="1")
        titled(indicator, "title", translated(title))
        etree.SubElement(indicator, "baseline", year=str(year), value="0", **{"iso-date": f"{year}-01-01"})
        for period, cube in cubes.items():
            element = etree.SubElement(indicator, "period")
            etree.SubElement(element, "period-start", **{"iso-date": period.start.isoformat()})
            etree.SubElement(element, "period-end", **{"iso-date": period.end.isoformat()})
            if code in targets:
                etree.SubElement(element, "target", value=targets[code])
            add_actuals(element, cube, measure)


def add_actuals(period_element, cube, measure: str) -> None:
    """The total, then by sex and by age band: each the published count of its own records."""
    total = Count()
    by_sex: dict[str, Count] = {sex: Count() for sex in ("female", "male", "other")}
    by_age: dict[str, Count] = {}
    for (_country, gender, age), cell in cube.items():
        count = cell.count(measure)
        total += count
        by_sex[SEX.get(gender, "other")] += count
        by_age[age] = by_age.get(age, Count()) + count
    etree.SubElement(period_element, "actual", value=str(total.published))
    for name, counts in (("sex", by_sex), ("age", dict(sorted(by_age.items())))):
        for value, count in counts.items():
            actual = etree.SubElement(period_element, "actual", value=str(count.published))
            etree.SubElement(actual, "dimension", name=name, value=value)


def knowledge_result(activity, year: int) -> None:
    """Mean quiz score before and after the lessons, over every course, for the year (outcome)."""
    gain = figures.knowledge_gain(ReportFilter(start=date(year, 1, 1), end=date(year, 12, 31),
                                               age_bands=tuple(parse_age_bands(current_app.config["REPORT_AGE_BANDS"])))
                                  ).published
    if gain.mean_before is None:
        return
    result = etree.SubElement(activity, "result", type="2", **{"aggregation-status": "0"})
    titled(result, "title", translated(KNOWLEDGE))
    indicator = etree.SubElement(result, "indicator", measure="2", ascending="1")
    titled(indicator, "title", translated(QUIZ_SCORE))
    etree.SubElement(indicator, "baseline", year=str(year), value=number(gain.mean_before),
                     **{"iso-date": f"{year}-01-01"})
    period = etree.SubElement(indicator, "period")
    etree.SubElement(period, "period-start", **{"iso-date": f"{year}-01-01"})
    etree.SubElement(period, "period-end", **{"iso-date": f"{year}-12-31"})
    etree.SubElement(period, "actual", value=number(gain.mean_after))


def outcome_results(activity, year: int) -> None:
    """Each outcome indicator of the participants' surveys: baseline waves against later ones, in the year."""
    for survey in db.session.scalars(select(Survey).where(Survey.subject == "participant").order_by(Survey.code)):
        waves = list(db.session.scalars(select(SurveyWave).where(SurveyWave.survey_id == survey.id,
                                                                 SurveyWave.workplace_id.is_(None))))
        if not waves or not survey.indicators:
            continue
        sums, _pairs = results.indicator_moments(survey, [w.id for w in waves], None,
                                                  submitted_by=date(year, 12, 31))
        scales = results.value_scales(survey)
        for indicator in survey.indicators:
            before = sum((sums.get((w.id, indicator.id), results.Sums()) for w in waves if w.kind == "baseline"),
                         results.Sums())
            after = sum((sums.get((w.id, indicator.id), results.Sums()) for w in waves if w.kind != "baseline"),
                        results.Sums())
            first, last = (results.published_estimate(indicator, figure, scales.get(indicator.question_code))
                           for figure in (before, after))
            if first.value is None or last.value is None:
                continue
            titles = {language: pick_string(indicator.titles, language, survey.source_language, "title")
                      for language in TITLE_LANGUAGES}
            result = etree.SubElement(activity, "result", type="2", **{"aggregation-status": "0"})
            titled(result, "title", titles)
            element = indicator_element(result, indicator, titles)
            etree.SubElement(element, "baseline", year=str(year), value=figure_value(indicator, first),
                             **{"iso-date": f"{year}-01-01"})
            period = etree.SubElement(element, "period")
            etree.SubElement(period, "period-start", **{"iso-date": f"{year}-01-01"})
            etree.SubElement(period, "period-end", **{"iso-date": f"{year}-12-31"})
            etree.SubElement(period, "actual", value=figure_value(indicator, last))


def figure_value(indicator, figure) -> str:
    """A share in whole percent, a mean with its one decimal."""
    return number(round(100 * figure.value) if indicator.kind == "share" else figure.value)


def indicator_element(result, indicator, titles: dict[str, str]):
    element = etree.SubElement(result, "indicator", measure="2" if indicator.kind == "share" else "1",
                               ascending="1" if indicator.direction == "up" else "0")
    titled(element, "title", titles)
    return element
