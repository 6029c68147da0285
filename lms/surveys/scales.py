"""The values an indicator's or a distribution's question can take (``Scale``), read from the survey's versions."""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy import select

from lms.extensions import db
from lms.models import Survey, SurveyQuestion, SurveyVersion
from lms.surveys.indicator_sums import Scale


def value_scales(survey: Survey, codes: set[str] | None = None) -> dict[str, Scale]:
    """Question code -> the values an indicator of it reads: 0-1 for a share, 1-5 for a scale, a number
    question's smallest to largest value over every version. A number without both bounds has no scale: one
    answer could be any size, so no noise of ours could hide it, and its mean is not published.

    For the indicators' questions, or for ``codes`` (the distributions of lms/surveys/distributions.py read the
    same scale, so that a number question's mean is the same figure there as in its indicator)."""
    wanted = {i.question_code for i in survey.indicators} if codes is None else codes
    return scales_of({survey.id: wanted}).get(survey.id, {})


def scales_of(wanted: dict[int, set[str]]) -> dict[int, dict[str, Scale]]:
    """``value_scales`` of several surveys in one statement: survey id -> its question codes wanted."""
    if not any(wanted.values()):
        return {}
    asked = sa.or_(*(sa.and_(SurveyVersion.survey_id == survey_id, SurveyQuestion.code.in_(codes))
                     for survey_id, codes in wanted.items() if codes))
    query = (select(SurveyVersion.survey_id, SurveyQuestion.code, SurveyQuestion.kind, SurveyQuestion.min_value,
                    SurveyQuestion.max_value).join(SurveyVersion).where(asked))
    lows: dict[tuple[int, str], list[float | None]] = defaultdict(list)
    highs: dict[tuple[int, str], list[float | None]] = defaultdict(list)
    for survey_id, code, kind, low, high in db.session.execute(query):
        if kind == "number":
            lows[(survey_id, code)].append(low)
            highs[(survey_id, code)].append(high)
        elif kind == "likert":
            lows[(survey_id, code)].append(1.0)
            highs[(survey_id, code)].append(5.0)
    found: dict[int, dict[str, Scale]] = defaultdict(dict)
    for (survey_id, code), low in lows.items():
        if None not in low and None not in highs[(survey_id, code)]:
            found[survey_id][code] = Scale(min(low), max(highs[(survey_id, code)]))
    return dict(found)
