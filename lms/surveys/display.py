"""How surveys, courses and waves are named on pages (helpers shared by the survey views and templates)."""
from __future__ import annotations

from flask_babel import gettext as _

from lms.extensions import db
from lms.i18n import current_language, pick_string
from lms.models import Course, Survey, SurveyWave, TrainingGroup


def survey_title(survey: Survey) -> str:
    return pick_string(survey.translations, current_language(), survey.source_language, "title")


def course_title(course: Course) -> str:
    return pick_string(course.translations, current_language(), course.source_language, "title")


def wave_target(wave: SurveyWave) -> str:
    if wave.course_id is not None:
        return _("Everyone taking %(course)s", course=course_title(db.session.get(Course, wave.course_id)))
    if wave.group_id is not None:
        return _("Group %(name)s", name=db.session.get(TrainingGroup, wave.group_id).name)
    return _("Workplace %(name)s", name=wave.workplace.name)


def wave_label(wave: SurveyWave) -> str:
    labels = {"baseline": _("Baseline"), "endline": _("Endline"), "follow_up": _("Follow-up")}
    return f"{labels[wave.kind]} · {wave_target(wave)}"
