"""The participants' surveys a report covers: their waves within the report's scope and filters, and the countries
whose respondents count. The dashboard shows the outcome indicators of those with indicators; the report's
downloads add every covered survey's answers per question, as its results page publishes them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.models import (
    Course,
    Survey,
    SurveyChoice,
    SurveyIndicator,
    SurveyQuestion,
    SurveyVersion,
    SurveyWave,
    TrainingGroup,
)
from lms.reports.filters import ReportFilter
from lms.surveys import distributions, results
from lms.surveys.scales import scales_of


@dataclass
class Covered:
    survey: Survey
    waves: list[SurveyWave]
    #: The countries whose respondents count; None for all.
    countries: list[str] | None


def covered_surveys(report: ReportFilter, *, indicators_only: bool, questions: bool = False) -> list[Covered]:
    """Each participants' survey (with indicators, or every one) with its waves for the trainings the report covers.

    Survey answers are filtered by country only: anonymous answers carry no gender or age. A coordinator sees
    course-wide waves (for the respondents of their countries, if they coordinate countries) and the waves of the
    groups of their countries and organisations. With ``questions``, every version's questions, their wordings and
    choices are loaded with the surveys, a fixed number of queries for all of them.
    """
    waves = selectinload(Survey.waves)
    # Texts come joined to what they name: a statement costs more to build and send than a few rows (5 statements,
    # 8 with the questions). A course's translations stay a statement of their own, each course's once.
    query = (select(Survey).where(Survey.subject == "participant").order_by(Survey.code)
             .options(selectinload(Survey.translations),
                      selectinload(Survey.indicators).joinedload(SurveyIndicator.titles),
                      waves.joinedload(SurveyWave.course).selectinload(Course.translations),
                      waves.joinedload(SurveyWave.group)))
    if indicators_only:
        query = query.where(Survey.indicators.any())
    if questions:
        asked = selectinload(Survey.versions).selectinload(SurveyVersion.questions)
        query = query.options(asked.joinedload(SurveyQuestion.texts),
                              asked.selectinload(SurveyQuestion.choices).joinedload(SurveyChoice.texts))
    course_groups = (set(db.session.scalars(select(TrainingGroup.id).where(
        TrainingGroup.course_id == report.course_id))) if report.course_id else set())
    scope = report.scope

    def in_scope(wave: SurveyWave) -> bool:
        """A group's wave only for a group of the report's scope and countries: its name is on the page."""
        if wave.group_id is None:
            return scope is None or scope.sees_course_waves
        return ((scope is None or scope.holds(wave.group.country, wave.group.organisation_id))
                and (report.countries is None or wave.group.country in report.countries))

    countries = list(report.countries) if report.countries is not None else (
        scope.respondent_countries() if scope is not None else None)
    found = []
    for survey in db.session.scalars(query):
        chosen = [w for w in survey.waves if w.workplace_id is None and in_scope(w)
                  and (report.group_id is None or w.group_id == report.group_id)
                  and (report.course_id is None or w.course_id == report.course_id or w.group_id in course_groups)]
        if chosen:
            found.append(Covered(survey, chosen, countries))
    return found


def outcomes(covered: list[Covered]) -> list[tuple[Survey, list[results.IndicatorResult]]]:
    """The outcome indicators per wave of the covered surveys that have indicators, as published (their scales read
    in one statement)."""
    measured = [c for c in covered if c.survey.indicators]
    scales = scales_of({c.survey.id: {i.question_code for i in c.survey.indicators} for c in measured})
    return [(c.survey, results.indicator_results(c.survey, c.waves, c.countries, scales.get(c.survey.id, {})))
            for c in measured]


def answers(covered: list[Covered], language: str, readable) -> list[tuple[Survey, distributions.SurveyFigures]]:
    """Each covered survey's responses per wave and, where ``readable(survey)``, its answers per question, as its
    results page publishes them (free text stays on that page). Read together: the same statements for any number
    of surveys where their counts are kept. Every covered survey counts the respondents of the same countries."""
    if not covered:
        return []
    figures = distributions.surveys_figures([(c.survey, c.waves, readable(c.survey)) for c in covered],
                                            covered[0].countries, language=language, texts=False)
    return [(c.survey, each) for c, each in zip(covered, figures, strict=True)]
