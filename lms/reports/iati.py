"""The programme's results as an IATI 2.03 activity file, for the donor.

Results carry the published figures only (lms/disclosure.py): counts rounded at random to a multiple of 5,
the same as the dashboard shows for the same records; outcome values only from 10 people on. Identifiers,
names, types, sectors and targets come from the configuration (IATI_*, checked by iati_settings), never from the
code. Each result is one function of ``RESULTS``: a new one is a function taking the activity element and the
``Reporting`` of the year.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from lxml import etree
from sqlalchemy import select

from lms import clock
from lms.disclosure import Count
from lms.extensions import db
from lms.models import Survey, SurveyWave
from lms.reports import cascade, figures, iati_settings
from lms.reports.filters import ReportFilter, parse_age_bands
from lms.surveys import results
from lms.surveys.scales import value_scales
from lms.vocabulary import WAVE_KINDS

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: The activity's language: its narratives without xml:lang are written in it.
DEFAULT_LANGUAGE = "en"
#: The languages the donor reads, first the activity's own. A text is written in one only where it exists in it.
TITLE_LANGUAGES = ("en", "fr", "es")
#: The sexes IATI's results name (dimension "sex"), from the portal's genders. "another" and "undisclosed" say
#: nothing of a person's sex: they count in the total only (docs/reports.md, "IATI").
SEX = {"woman": "female", "man": "male"}
#: OECD DAC region 998, "Developing countries, unspecified".
UNSPECIFIED_REGION = "998"


class IATIError(ValueError):
    """The file cannot be made as asked (an identifier that does not fit the configuration)."""


@dataclass(frozen=True)
class Reporting:
    """What every result of the file is about: the year reported, within the checked settings."""

    year: int
    settings: iati_settings.Settings

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year, 12, 31)

    @cached_property
    def report(self) -> ReportFilter:
        """The dashboard's filter for the whole year, all countries."""
        return ReportFilter(start=self.start, end=self.end,
                            age_bands=tuple(parse_age_bands(current_app.config["REPORT_AGE_BANDS"])))

    @cached_property
    def cube(self) -> dict[tuple[str, str, str], figures.Cell]:
        """The year's participation figures by country, gender and age band (one query for the whole file)."""
        return figures.participation_cube(self.report)


def narratives(parent, texts: dict[str, str]) -> None:
    """<narrative> per language; one in the activity's language carries no xml:lang."""
    for language, text in texts.items():
        element = etree.SubElement(parent, "narrative")
        if language != DEFAULT_LANGUAGE:
            element.set(XML_LANG, language)
        element.text = text


DESCRIPTION = _l("Training of union members in social dialogue and women's leadership, with surveys before, "
                 "at the end and months after.")
PARTICIPANTS = _l("Union members reached by the training")
COMPLETIONS = _l("Courses completed")
NEW_TRAINERS = _l("Union members trained as trainers, by generation of the cascade")
CASCADE_REACH = _l("People reached by the trainers of each generation of the cascade")
KNOWLEDGE = _l("Knowledge gained in the courses")
QUIZ_SCORE = _l("Mean quiz score in percent, before and after the lessons")


def translated(message) -> dict[str, str]:
    """A message of the interface in English and in each title language its catalogue translates it into (a
    text the catalogue leaves in English is not tagged as another language)."""
    with force_locale(DEFAULT_LANGUAGE):
        english = str(message)
    texts = {DEFAULT_LANGUAGE: english}
    for language in TITLE_LANGUAGES:
        with force_locale(language):
            text = str(message)
        if text != english:
            texts[language] = text
    return texts


def titled(parent, tag: str, texts: dict[str, str]):
    element = etree.SubElement(parent, tag)
    narratives(element, texts)
    return element


def number(value: float) -> str:
    """Whole numbers as such, others with one decimal."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def activity_file(activity_id: str, year: int) -> bytes:
    """The ``iati-activities`` document for one activity and one year, as UTF-8 XML.

    iati_settings.BadSettings if a setting is wrong; IATIError if the activity or the year cannot be reported.
    """
    settings = iati_settings.read(current_app.config)
    if not activity_id.startswith(f"{settings.reporting_org_ref}-"):
        raise IATIError(f"An IATI activity identifier starts with the reporting organisation's reference "
                        f"({settings.reporting_org_ref}-...): {activity_id!r}")
    if year >= clock.utcnow().year:
        raise IATIError(f"The figures of {year} are published once the year has ended: choose an earlier year.")
    if year < settings.activity_start.year:
        raise IATIError(f"The activity began on {settings.activity_start.isoformat()} (IATI_ACTIVITY_START): it has "
                        f"no figures for {year}.")
    reporting = Reporting(year, settings)
    now = clock.utcnow().replace(microsecond=0).isoformat()
    root = etree.Element("iati-activities", version="2.03", **{"generated-datetime": now})
    activity = etree.SubElement(root, "iati-activity", **{"last-updated-datetime": now, "default-currency": "EUR",
                                                          XML_LANG: DEFAULT_LANGUAGE})
    etree.SubElement(activity, "iati-identifier").text = activity_id
    reporting_org = etree.SubElement(activity, "reporting-org", ref=settings.reporting_org_ref,
                                     type=settings.reporting_org_type)
    narratives(reporting_org, {DEFAULT_LANGUAGE: settings.reporting_org_name})
    titled(activity, "title", {DEFAULT_LANGUAGE: settings.activity_title})
    description = etree.SubElement(activity, "description", type="1")
    narratives(description, translated(DESCRIPTION))
    funder = etree.SubElement(activity, "participating-org", ref=settings.funder_ref, role="1",
                              type=settings.funder_type)
    narratives(funder, {DEFAULT_LANGUAGE: settings.funder_name})
    implementer = etree.SubElement(activity, "participating-org", ref=settings.reporting_org_ref, role="4",
                                   type=settings.reporting_org_type)
    narratives(implementer, {DEFAULT_LANGUAGE: settings.reporting_org_name})
    etree.SubElement(activity, "activity-status", code="2")
    # Actual start (2) once the day has come, planned start (1) before: an actual date cannot be in the future.
    started = settings.activity_start <= clock.today()
    etree.SubElement(activity, "activity-date", type="2" if started else "1",
                     **{"iso-date": settings.activity_start.isoformat()})
    recipient_countries(activity, reporting)
    for sector in settings.sectors:
        etree.SubElement(activity, "sector", vocabulary=settings.sector_vocabulary, code=sector.code,
                         percentage=str(sector.percentage))
    for result in RESULTS:
        result(activity, reporting)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def recipient_countries(activity, reporting: Reporting) -> None:
    """Where the members reached in the year live: one ``recipient-country`` each, percentages adding up to 100.

    The percentages divide the published counts of the countries' participants; a country whose count is
    published as 0 is left out. With none to name (nobody reached, or too few to publish), the region "developing
    countries, unspecified" stands in: IATI asks every activity for a recipient (rule 3.7.1).
    """
    counts: dict[str, Count] = {}
    for (country, _gender, _age), cell in reporting.cube.items():
        counts[country] = counts.get(country, Count()) + cell.count("participants")
    shown = {country: count.published for country, count in sorted(counts.items()) if count.published}
    for country, percentage in whole_percentages(shown).items():
        etree.SubElement(activity, "recipient-country", code=country, percentage=str(percentage))
    if not shown:
        etree.SubElement(activity, "recipient-region", code=UNSPECIFIED_REGION, vocabulary="1", percentage="100")


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


def year_period(indicator, reporting: Reporting):
    """The indicator's one period: the year reported."""
    period = etree.SubElement(indicator, "period")
    etree.SubElement(period, "period-start", **{"iso-date": reporting.start.isoformat()})
    etree.SubElement(period, "period-end", **{"iso-date": reporting.end.isoformat()})
    return period


def count_result(activity, reporting: Reporting, measure: str, title, additive: bool) -> None:
    """An output counted in the year's participation figures, by sex and age band, with the year's target.

    ``additive``: whether the year's figure may be added to other years' and activities' (aggregation-status):
    events may, people may not (a person reached in two years, or by two activities, is one person).
    """
    result = etree.SubElement(activity, "result", type="1", **{"aggregation-status": "1" if additive else "0"})
    titled(result, "title", translated(title))
    indicator = etree.SubElement(result, "indicator", measure="1", ascending="1")
    titled(indicator, "title", translated(title))
    etree.SubElement(indicator, "baseline", year=str(reporting.year), value="0",
                     **{"iso-date": reporting.start.isoformat()})
    period = year_period(indicator, reporting)
    if measure in reporting.settings.targets:
        etree.SubElement(period, "target", value=str(reporting.settings.targets[measure]))
    add_actuals(period, reporting.cube, measure, reporting.report)


def participants_result(activity, reporting: Reporting) -> None:
    """Union members reached: the distinct people who began a course in the year, not additive."""
    count_result(activity, reporting, "participants", PARTICIPANTS, additive=False)


def completions_result(activity, reporting: Reporting) -> None:
    """Courses completed in the year: events, additive."""
    count_result(activity, reporting, "completions", COMPLETIONS, additive=True)


def cascade_results(activity, reporting: Reporting) -> None:
    """The cascade of training of trainers (lms/reports/cascade.py), as the dashboard's table by generation shows it:
    the trainers trained in the year (events: additive), then the people the trainers of each generation reached
    (people, who may have been reached in two generations: not additive, and no total)."""
    found = cascade.by_generation(reporting.report)
    if not any(trained.published for _active, _reach, trained in found.values()):
        return
    for title, measure, additive in ((NEW_TRAINERS, "trained", True), (CASCADE_REACH, "reach", False)):
        result = etree.SubElement(activity, "result", type="1", **{"aggregation-status": "1" if additive else "0"})
        titled(result, "title", translated(title))
        indicator = etree.SubElement(result, "indicator", measure="1", ascending="1")
        titled(indicator, "title", translated(title))
        period = year_period(indicator, reporting)
        counts = {generation: figures_of[("active", "reach", "trained").index(measure)]
                  for generation, figures_of in sorted(found.items())}
        if additive:
            if "new_trainers" in reporting.settings.targets:
                etree.SubElement(period, "target", value=str(reporting.settings.targets["new_trainers"]))
            etree.SubElement(period, "actual", value=str(sum(counts.values(), Count()).published))
        for generation, count in counts.items():
            actual = etree.SubElement(period, "actual", value=str(count.published))
            etree.SubElement(actual, "dimension", name="generation", value=str(generation))


def add_actuals(period_element, cube, measure: str, report: ReportFilter) -> None:
    """The total, then by sex (female, male) and by age band (the known ones): each the published count of its
    own records."""
    total = Count()
    by_sex: dict[str, Count] = {sex: Count() for sex in SEX.values()}
    by_age: dict[str, Count] = {band.label: Count() for band in report.age_bands}
    for (_country, gender, age), cell in cube.items():
        count = cell.count(measure)
        total += count
        if gender in SEX:
            by_sex[SEX[gender]] += count
        if age in by_age:
            by_age[age] += count
    etree.SubElement(period_element, "actual", value=str(total.published))
    for name, counts in (("sex", by_sex), ("age", by_age)):
        for value, count in counts.items():
            actual = etree.SubElement(period_element, "actual", value=str(count.published))
            etree.SubElement(actual, "dimension", name=name, value=value)


def knowledge_result(activity, reporting: Reporting) -> None:
    """Mean quiz score before and after the lessons, over every course, for the year (outcome)."""
    gain = figures.knowledge_gain(reporting.report).published
    if gain.mean_before is None:
        return
    result = etree.SubElement(activity, "result", type="2", **{"aggregation-status": "0"})
    titled(result, "title", translated(KNOWLEDGE))
    indicator = etree.SubElement(result, "indicator", measure="2", ascending="1")
    titled(indicator, "title", translated(QUIZ_SCORE))
    etree.SubElement(indicator, "baseline", year=str(reporting.year), value=number(gain.mean_before),
                     **{"iso-date": reporting.start.isoformat()})
    etree.SubElement(year_period(indicator, reporting), "actual", value=number(gain.mean_after))


def outcome_results(activity, reporting: Reporting) -> None:
    """Each outcome indicator of the participants' surveys: the answers of its baseline waves given by the year's end
    as baseline, then an actual per kind of later wave (endline, follow-up) for the answers given in the year.

    Waves of one kind are pooled over courses, groups and countries (the dashboard shows each wave on its own);
    kinds are never pooled, so that nobody who answered both an endline and a follow-up counts twice in a figure.
    """
    for survey in db.session.scalars(select(Survey).where(Survey.subject == "participant").order_by(Survey.code)):
        waves = list(db.session.scalars(select(SurveyWave).where(SurveyWave.survey_id == survey.id,
                                                                 SurveyWave.workplace_id.is_(None))))
        if not waves or not survey.indicators:
            continue
        # The baseline waves' answers given by the year's end, the later waves' given in the year.
        baselines = [w.id for w in waves if w.kind == "baseline"]
        sums = results.yearly_indicator_moments(survey, [w.id for w in waves], baselines, reporting.year)
        scales = value_scales(survey)
        kinds = sorted({w.kind for w in waves if w.kind != "baseline"}, key=WAVE_KINDS.index)
        for indicator in survey.indicators:
            scale = scales.get(indicator.question_code)
            first = pooled_estimate(indicator, sums, waves, "baseline", scale)
            later = {kind: figure for kind in kinds
                     if (figure := pooled_estimate(indicator, sums, waves, kind, scale)).value is not None}
            titles = indicator_titles(indicator, survey.source_language)
            if first.value is None or not later or not titles:  # nothing to compare, or no language IATI codes
                continue
            result = etree.SubElement(activity, "result", type="2", **{"aggregation-status": "0"})
            titled(result, "title", titles)
            element = indicator_element(result, indicator, titles)
            etree.SubElement(element, "baseline", year=str(reporting.year), value=figure_value(indicator, first),
                             **{"iso-date": reporting.start.isoformat()})
            period = year_period(element, reporting)
            for kind, figure in later.items():
                actual = etree.SubElement(period, "actual", value=figure_value(indicator, figure))
                etree.SubElement(actual, "dimension", name="wave", value=kind)


def pooled_estimate(indicator, sums: dict, waves: list[SurveyWave], kind: str, scale):
    """The published figure of the answers of every wave of one kind, added up."""
    pooled = sum((sums.get((w.id, indicator.id), results.Sums()) for w in waves if w.kind == kind), results.Sums())
    return results.published_estimate(indicator, pooled, scale)


def iati_language(code: str) -> str | None:
    """The code of IATI's Language codelist for a language tag ("pt-BR" -> "pt"), or None if it has none."""
    primary = code.replace("_", "-").split("-")[0].lower()
    return primary if primary in iati_settings.codelist("Language") else None


def indicator_titles(indicator, source_language: str) -> dict[str, str]:
    """The titles the indicator has in the title languages; if it has none of them, its title in the survey's
    own language. Each under the language it is written in, never a fallback under another's code."""
    by_language: dict[str, str] = {}
    for row in sorted(indicator.titles, key=lambda row: "-" in row.language):  # "pt" before "pt-BR"
        language = iati_language(row.language)
        if language is not None and row.title:
            by_language.setdefault(language, row.title)
    wanted = {language: by_language[language] for language in TITLE_LANGUAGES if language in by_language}
    if wanted:
        return wanted
    source = iati_language(source_language)
    return {source: by_language[source]} if source in by_language else dict(list(by_language.items())[:1])


def figure_value(indicator, figure) -> str:
    """A share in whole percent, a mean with its one decimal."""
    return number(round(100 * figure.value) if indicator.kind == "share" else figure.value)


def indicator_element(result, indicator, titles: dict[str, str]):
    element = etree.SubElement(result, "indicator", measure="2" if indicator.kind == "share" else "1",
                               ascending="1" if indicator.direction == "up" else "0")
    titled(element, "title", titles)
    return element


#: The file's results, in order; each takes the activity element and the year's ``Reporting``.
RESULTS = (participants_result, completions_result, cascade_results, knowledge_result, outcome_results)
