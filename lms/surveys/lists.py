"""The surveys staff manage, as a list: the columns it is sorted and searched by, worked out by the database."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.models import Survey, SurveyTranslation, SurveyVersion


@dataclass(frozen=True)
class Columns:
    #: The title in the survey's own language.
    title: sa.ColumnElement
    #: 1 once a version is published, 0 for a survey still a draft.
    published: sa.ColumnElement
    #: When a version was last started or published (the survey's creation before any).
    updated: sa.ColumnElement


def survey_list(condition) -> tuple[sa.Select, Columns]:
    """The surveys that meet ``condition`` (lms/permissions.py ``listed_surveys``), each with when it was last
    updated, and the columns they are listed by."""
    title = (select(SurveyTranslation.title)
             .where(SurveyTranslation.survey_id == Survey.id, SurveyTranslation.language == Survey.source_language)
             .correlate(Survey).scalar_subquery())
    published = sa.case((select(SurveyVersion.id).where(SurveyVersion.survey_id == Survey.id,
                                                        SurveyVersion.published_at.is_not(None))
                         .correlate(Survey).exists(), 1), else_=0)
    latest = (select(func.max(func.coalesce(SurveyVersion.published_at, SurveyVersion.created_at)))
              .where(SurveyVersion.survey_id == Survey.id).correlate(Survey).scalar_subquery())
    updated = func.coalesce(latest, Survey.created_at)
    query = select(Survey, updated.label("updated")).where(condition).options(
        selectinload(Survey.translations), selectinload(Survey.versions), selectinload(Survey.waves))
    return query, Columns(title=title, published=published, updated=updated)
