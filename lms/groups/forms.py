"""Forms for training groups."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from lms import clock
from lms.core.fields import SelectWithPrompt
from lms.core.forms import PortalForm
from lms.vocabulary import GROUP_MODE_LABELS


class GroupForm(PortalForm):
    name = StringField(_l("Name of the group"), validators=[DataRequired(_l("Please write a name.")),
                                                            Length(max=120)])
    course = SelectField(_l("Course"), validators=[InputRequired(_l("Please choose a course."))])
    country = SelectField(_l("Country"), widget=SelectWithPrompt(),
                          validators=[InputRequired(_l("Please choose your country."))])
    organisation = SelectField(_l("Partner organisation"), default="")
    mode = RadioField(_l("How the group meets"), choices=[SelectChoice(k, v) for k, v in GROUP_MODE_LABELS.items()],
                      validators=[InputRequired(_l("Please choose one answer."))])
    place = StringField(_l("Place (leave empty for a group that meets online)"),
                        validators=[Length(max=120)])
    starts_on = DateField(_l("First day"), validators=[InputRequired(_l("Please give a date."))])
    ends_on = DateField(_l("Last day"), validators=[InputRequired(_l("Please give a date."))])
    trains_trainers = BooleanField(_l("This is a training of trainers"))

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day comes before the first day."))

    def validate_place(self, field) -> None:
        if self.mode.data in ("in-person", "blended") and not (field.data or "").strip():
            raise ValidationError(_l("Please write where the group meets."))


class JoinForm(PortalForm):
    code = StringField(_l("Join code"), validators=[DataRequired(_l("Please write the code."))],
                       render_kw={"autocapitalize": "characters", "autocomplete": "off"})


class BulkForm(PortalForm):
    members = TextAreaField(_l("Members, one a line: a name, or a name, a comma and a username"),
                            validators=[DataRequired(_l("The list is empty."))], render_kw={"rows": 12})


class SessionForm(PortalForm):
    held_on = DateField(_l("Date"), validators=[InputRequired(_l("Please give a date."))])
    topic = StringField(_l("What was done"), validators=[DataRequired(_l("Please write what was done.")),
                                                         Length(max=200)])

    def validate_held_on(self, field) -> None:
        """Attendance counts in the month the session was held, and the figures of a month that has ended are
        published (docs/reports.md): nobody may add records to them."""
        if field.data and field.data < clock.today().replace(day=1):
            raise ValidationError(_l("A session in a month that has ended cannot be added: that month's figures "
                                     "are published. Give a date in this month or later."))
