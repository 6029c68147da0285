"""The survey figures the scheduler keeps per wave and country, so that reports and results pages need not read every
answer: the indicator sums (lms/surveys/indicator_sums.py) and the counts per question (lms/surveys/answer_counts.py).

Whatever changes a wave's answers, its survey's indicators or its published versions marks its survey's waves stale
in its own transaction (``indicator_sums.stale``: a release, a withdrawal, an erasure, an indicator added or
deleted, a version published); pages then read the answers, the same figures more slowly, until ``add_up_waves``
(the add-up-answers job, and the end of every release) has added the survey up again.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import select

from lms.database import storage
from lms.extensions import db
from lms.models import AnswerCount, IndicatorSum, SummedWave, Survey, SurveyWave
from lms.surveys import answer_counts, indicator_sums
from lms.surveys.scales import value_scales

#: The kept figures' tables: cleaned after each adding up (lms/database/storage.py), so that their old rows do not
#: give a withdrawn member's answers by difference.
TABLES = ("survey_answer_counts", "survey_indicator_sums", "survey_summed_waves")


def shown_questions(survey: Survey) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Question code -> its kind in the newest published version that has it, and -> the codes of its choices in
    every published version: what the results page shows of it (``distributions.questions_of``)."""
    kinds: dict[str, str] = {}
    choices: dict[str, set[str]] = {}
    for version in sorted((v for v in survey.versions if v.published_at is not None), key=lambda v: -v.number):
        for question in version.questions:
            if question.answered:
                kinds.setdefault(question.code, question.kind)
                choices.setdefault(question.code, set()).update(question.choice_codes)
    return kinds, choices


def add_up(survey: Survey) -> int:
    """Add up every wave of the survey again; flushes; how many waves."""
    waves = list(db.session.scalars(select(SurveyWave).where(SurveyWave.survey_id == survey.id)
                                    .order_by(SurveyWave.id).with_for_update()))
    ids = [w.id for w in waves]
    # A write first: on SQLite it takes the database's write lock, so the answers read below are the latest.
    for table in (SummedWave, IndicatorSum, AnswerCount):
        db.session.execute(sa.delete(table).where(table.wave_id.in_(ids)).execution_options(synchronize_session=False))
    baseline_of = indicator_sums.add_up(survey, waves) if survey.indicators else {}
    kinds, choices = shown_questions(survey)
    scales = value_scales(survey, {code for code, kind in kinds.items() if kind == "number"})
    answer_counts.add_up(ids, kinds, choices, scales)
    if ids:
        db.session.execute(sa.insert(SummedWave), [{"wave_id": w, "base_wave_id": baseline_of.get(w)} for w in ids])
    storage.after_commit(TABLES)
    db.session.flush()
    return len(ids)


def add_up_waves() -> int:
    """The scheduler's add-up-answers job: add up again every survey that has a wave not summed, one survey per
    transaction; how many waves."""
    stale = select(SurveyWave.survey_id).where(SurveyWave.id.not_in(select(SummedWave.wave_id))).distinct()
    done = 0
    for survey in db.session.scalars(select(Survey).where(Survey.id.in_(stale)).order_by(Survey.id)).all():
        try:
            done += add_up(survey)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
    return done
