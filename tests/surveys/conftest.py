"""Fixtures for surveys: a published survey with one question of every kind, and waves on a course."""
from __future__ import annotations

import pytest

from lms.extensions import db
from lms.surveys import building
from lms.surveys.building import QuestionSpec

QUESTIONS = [
    QuestionSpec(code="safe", kind="likert", label="I feel safe at work."),
    QuestionSpec(code="union", kind="yes_no", label="Are you a union member?"),
    QuestionSpec(code="voice", kind="single", label="How often are workers heard?",
                 choices=[("never", "Never"), ("sometimes", "Sometimes"), ("often", "Often")]),
    QuestionSpec(code="issues", kind="multiple", label="Which issues matter most?", required=False,
                 choices=[("wages", "Wages"), ("safety", "Safety"), ("hours", "Working hours")]),
    QuestionSpec(code="hours", kind="number", label="Hours worked last week", min_value=0, max_value=100),
    QuestionSpec(code="comment", kind="text", label="Anything else?", required=False),
]

GOOD_ANSWERS = {"q_safe": "4", "q_union": "yes", "q_voice": "often", "q_issues": ["wages", "safety"],
                "q_hours": "48", "q_comment": "More breaks"}


@pytest.fixture
def make_survey(app_ctx):
    """Factory: ``make_survey(privacy="pseudonymous", course=course, waves=["baseline", "endline"])``."""

    def make(code="workers-voice", privacy="anonymous", creator=None, subject="participant", publish=True,
             course=None, group=None, waves=(), indicators=True):
        survey = building.create_survey(code=code, title="Workers' voice", description="Why we ask.",
                                        language="en", privacy=privacy, subject=subject, creator=creator)
        for spec in QUESTIONS:
            building.add_question(survey, spec)
        if publish:
            building.publish(survey)
        for kind in waves:
            building.add_wave(survey, kind=kind, course=course, group=group,
                              days_after=90 if kind == "follow_up" else None)
        if indicators:
            building.add_indicator(survey, code="feels_safe", question_code="safe", kind="share",
                                   choice_codes=["4", "5"], direction="up", title="Workers who feel safe",
                                   language="en")
            building.add_indicator(survey, code="mean_hours", question_code="hours", kind="mean",
                                   choice_codes=[], direction="down", title="Hours worked", language="en")
        db.session.commit()
        return survey

    return make
