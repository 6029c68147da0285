"""Forms for building, translating and answering surveys."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from lms.core.fields import CheckboxesField, NumberRange, SelectWithPrompt
from lms.core.forms import PortalForm
from lms.i18n import pick_string
from lms.models import SurveyQuestion
from lms.models.surveys import MAX_TEXT_CHARS
from lms.surveys.building import FIXED_CHOICE_LABELS, KIND_LABELS
from lms.vocabulary import PRIVACY_LABELS, SUBJECT_LABELS, WAVE_LABELS

INDICATOR_LABELS = {"share": _l("Share of people giving some answers"), "mean": _l("Mean of the answers")}
DIRECTION_LABELS = {"up": _l("Higher is better"), "down": _l("Lower is better")}
#: A negative number in a constraint (``. >= 0 or . = -99``): the answer may need a minus sign.
NEGATIVE = re.compile(r"-\s*\d")
CODE_HINT = _l("Letters, digits and “_”; it never changes and is the column name in spreadsheets.")


def choices_of(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in labels.items()]


class NewSurveyForm(PortalForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please write a title.")), Length(max=200)])
    code = StringField(_l("Code"), description=CODE_HINT,
                       validators=[DataRequired(_l("Please write a code.")), Length(max=60)])
    description = TextAreaField(_l("What the survey is for, shown before the questions"), render_kw={"rows": 3})
    language = SelectField(_l("Language you write it in"))
    privacy = RadioField(_l("Privacy"), choices=choices_of(PRIVACY_LABELS),
                         validators=[InputRequired(_l("Please choose one answer."))])
    subject = RadioField(_l("Who answers"), choices=choices_of(SUBJECT_LABELS), default="participant",
                         validators=[InputRequired(_l("Please choose one answer."))])


class QuestionForm(PortalForm):
    label = TextAreaField(_l("Question"), validators=[DataRequired(_l("Please write the question."))],
                          render_kw={"rows": 2, "maxlength": 1000})
    hint = StringField(_l("Hint (optional)"), validators=[Length(max=1000)])
    code = StringField(_l("Code"), description=CODE_HINT,
                       validators=[DataRequired(_l("Please write a code.")), Length(max=60)])
    #: A calculation comes with an XLSForm, which holds its expression: the editor offers the kinds it can write.
    kind = SelectField(_l("Type of answer"),
                       choices=choices_of({k: v for k, v in KIND_LABELS.items() if k != "calculate"}))
    choices = TextAreaField(
        _l("Choices, one a line: a code, a space and the wording"),
        description=_l("For single and multiple choice only, for example: “often Often”."), render_kw={"rows": 5})
    min_value = FloatField(_l("Smallest number allowed"), validators=[Optional()])
    max_value = FloatField(_l("Largest number allowed"), validators=[Optional()])
    required = BooleanField(_l("An answer is required"), default=True)

    def parsed_choices(self) -> list[tuple[str, str]]:
        pairs = []
        for line in (self.choices.data or "").splitlines():
            if line.strip():
                code, _space, label = line.strip().partition(" ")
                pairs.append((code, label.strip()))
        return pairs

    def validate_choices(self, field) -> None:
        if self.kind.data in ("single", "multiple") and any(not label for _c, label in self.parsed_choices()):
            raise ValidationError(_l("Write each choice as a code, a space and the wording."))
        if any(len(code) > 60 or len(label) > 300 for code, label in self.parsed_choices()):
            raise ValidationError(_l("A choice's code has at most 60 characters, and its wording at most 300."))


class WaveForm(PortalForm):
    kind = SelectField(_l("When"), choices=choices_of(WAVE_LABELS))
    days_after = IntegerField(_l("Days after the training (follow-up only)"),
                              validators=[Optional(), NumberRange(min=1, max=3650)])
    target = SelectField(_l("Asked in"), widget=SelectWithPrompt(),
                         validators=[InputRequired(_l("Please choose one answer."))])
    opens_on = DateField(_l("First day (workplace rounds)"), validators=[Optional()])
    closes_on = DateField(_l("Last day (optional)"), validators=[Optional()])


class GroupWaveForm(PortalForm):
    """A group's trainer asks a published survey of their group, at one moment."""

    #: Any survey's code is taken, so that one that may not be asked of a group gets its reason (the view checks).
    survey = SelectField(_l("Survey"), widget=SelectWithPrompt(),
                         validators=[InputRequired(_l("Please choose one answer."))],
                         validate_choice=False)
    kind = SelectField(_l("When"), choices=choices_of(WAVE_LABELS))
    days_after = IntegerField(_l("Days after the training (follow-up only)"),
                              validators=[Optional(), NumberRange(min=1, max=3650)])


def group_wave_form(**options) -> GroupWaveForm:
    """The form with every published identified survey of participants (``formdata=None``: not bound).

    Anonymous and pseudonymous surveys are asked of the group's course instead (``building.add_wave``)."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.i18n import current_language
    from lms.models import Survey, SurveyVersion

    form = GroupWaveForm(prefix="attach", **options)
    surveys = db.session.scalars(select(Survey).where(
        Survey.subject == "participant", Survey.privacy == "identified",
        Survey.versions.any(SurveyVersion.published_at.is_not(None)))
        .order_by(Survey.code))
    language = current_language()
    form.survey.choices = [SelectChoice(s.code, pick_string(s.translations, language, s.source_language, "title"))
                           for s in surveys]
    return form


class IndicatorForm(PortalForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please write a title.")), Length(max=200)])
    code = StringField(_l("Code"), description=CODE_HINT,
                       validators=[DataRequired(_l("Please write a code.")), Length(max=60)])
    question = SelectField(_l("Question"))
    kind = RadioField(_l("Measure"), choices=choices_of(INDICATOR_LABELS), default="share")
    choice_codes = StringField(_l("Answers that count (codes, separated by spaces), for a share"))
    direction = RadioField(_l("Direction"), choices=choices_of(DIRECTION_LABELS), default="up")


class WorkplaceForm(PortalForm):
    name = StringField(_l("Name of the workplace"), validators=[DataRequired(_l("Please write a name.")),
                                                                Length(max=200)])
    sector = StringField(_l("Sector"), validators=[DataRequired(_l("Please write the sector.")), Length(max=80)])
    country = SelectField(_l("Country"), widget=SelectWithPrompt(),
                          validators=[InputRequired(_l("Please choose your country."))])
    organisation = SelectField(_l("Union"), default="")


class UploadForm(PortalForm):
    file = FileField(_l("XLSForm file (.xlsx or .xls)"))


class ResponsesForm(PortalForm):
    wave = SelectField(_l("Wave the answers belong to"))
    #: A course's wave has no country of its own: the answers count for the one chosen (a group's or workplace's
    #: wave counts them for the group's or workplace's country).
    country = SelectField(_l("Country where the answers were collected (for a course's wave)"),
                          validators=[Optional()], validate_choice=False)
    file = FileField(_l("Export from KoboToolbox or ODK (.xlsx or .csv, with XLSForm names as columns)"))
    #: A file typed from paper forms may lack an id column: its rows are then imported only when the importer says
    #: they are new (known by their answers instead, they would tell how many gave exactly these).
    new_rows = BooleanField(_l("Import each row as a new response (only for a file without an id column: "
                               "_uuid, meta/instanceID or KEY)"))


class ActionForm(PortalForm):
    """A form of buttons only (agree, decline, publish, withdraw...): its CSRF token is all it checks."""


def label_of(question: SurveyQuestion, language: str, source_language: str) -> str:
    return pick_string(question.texts, language, source_language, "label")


def choice_label(question: SurveyQuestion, code: str, language: str, source_language: str) -> str:
    if (question.kind, code) in FIXED_CHOICE_LABELS:
        return str(FIXED_CHOICE_LABELS[(question.kind, code)])
    choice = question.choice(code)
    return pick_string(choice.texts, language, source_language, "label")


def answer_field(question: SurveyQuestion, label: str, hint: str, offered, language: str, source_language: str):
    """The field a question is answered with: its choices (``offered`` only), the phone keyboard it needs."""
    choices = [SelectChoice(code, choice_label(question, code, language, source_language)) for code in offered]
    if question.kind in ("single", "likert", "yes_no"):
        return RadioField(label, choices=choices, description=hint, validate_choice=False)
    if question.kind == "multiple":
        return CheckboxesField(label, choices=choices, validate_choice=False,
                               description=hint or _l("Tick every answer that applies."))
    if question.kind == "number":
        return StringField(label, description=hint, render_kw={"inputmode": keyboard(question), "autocomplete": "off"})
    if question.kind == "date":
        # Browsers without a date picker show a text box: the hint says how to write the date there.
        return StringField(label, description=hint or _l("Year-month-day, for example %(example)s.",
                                                         example="2026-03-31"),
                           render_kw={"type": "date", "autocomplete": "off"})
    return TextAreaField(label, description=hint, render_kw={"rows": 3, "maxlength": MAX_TEXT_CHARS})


def keyboard(question: SurveyQuestion) -> str:
    """The phone keyboard of a number question: digits only for a whole number, with a decimal point otherwise;
    the full keyboard when a negative answer (a "-99: don't know" code) may be given, as number pads often have
    no minus sign."""
    if (question.min_value is not None and question.min_value < 0) or NEGATIVE.search(question.constraint_rule or ""):
        return "text"
    return "numeric" if question.whole else "decimal"


def page_form(questions: list[SurveyQuestion], texts: dict[str, tuple[str, str]], values: dict[str, str],
              offered: dict[str, list[str]], language: str, source_language: str) -> PortalForm:
    """The fields of one page of the survey (notes have none), filled with ``values`` (answers as typed), labels
    from ``texts``; checked by the survey's logic (lms/surveys/paging.py), not by the fields."""

    class PageForm(PortalForm):
        pass

    data = {}
    for question in questions:
        if not question.answered:
            continue
        label, hint = texts[question.code]
        codes = offered.get(question.code, question.choice_codes)
        setattr(PageForm, f"q_{question.code}",
                answer_field(question, label, hint, codes, language, source_language))
        value = values.get(question.code, "")
        data[f"q_{question.code}"] = value.split() if question.kind == "multiple" else value
    return PageForm(formdata=None, data=data)
