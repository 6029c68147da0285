"""How surveys, courses and waves are named on pages (helpers shared by the survey views and templates)."""
from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from lms.i18n import current_language, pick_string
from lms.models import Course, Survey, SurveyWave
from lms.vocabulary import WAVE_LABELS


def survey_title(survey: Survey) -> str:
    return pick_string(survey.translations, current_language(), survey.source_language, "title")


def course_title(course: Course) -> str:
    return pick_string(course.translations, current_language(), course.source_language, "title")


def wave_target(wave: SurveyWave) -> str:
    if wave.course is not None:
        return _("Everyone taking %(course)s", course=course_title(wave.course))
    if wave.group is not None:
        return _("Group %(name)s", name=wave.group.name)
    return _("Workplace %(name)s", name=wave.workplace.name)


def wave_label(wave: SurveyWave) -> str:
    return f"{WAVE_LABELS[wave.kind]} · {wave_target(wave)}"


def wave_name(wave: SurveyWave) -> str:
    """The wave in a results table (the row's heading, a download's column): its kind, how many days after the
    training, a workplace round's first day."""
    name = str(WAVE_LABELS[wave.kind])
    if wave.days_after:
        name += " (" + _("%(n)d days after", n=wave.days_after) + ")"
    if wave.opens_on:
        name += " " + format_date(wave.opens_on, "medium")
    return name
