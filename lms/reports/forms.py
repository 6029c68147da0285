"""The dashboard's filters: a GET form, so that a report is a link that can be shared and bookmarked."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from lms.labels import GENDER_LABELS, TOPIC_LABELS

QUARTERS = {"1": (1, 3), "2": (4, 6), "3": (7, 9), "4": (10, 12)}


class ReportForm(Form):
    """GET filter; it changes nothing, so it needs no CSRF token."""

    year = SelectField(_l("Year"), validate_choice=True)
    quarter = SelectField(_l("Quarter"), validate_choice=True, default="", choices=[
        SelectChoice("", _l("Whole year"))] + [SelectChoice(q, _l("Quarter %(n)s", n=q)) for q in QUARTERS])
    start = DateField(_l("Or from"), validators=[Optional()])
    end = DateField(_l("to"), validators=[Optional()])
    country = SelectField(_l("Country"), validate_choice=True, default="")
    organisation = SelectField(_l("Partner organisation"), validate_choice=True, default="")
    course = SelectField(_l("Course"), validate_choice=True, default="")
    topic = SelectField(_l("Topic"), validate_choice=True, default="", choices=[SelectChoice("", _l("All topics"))] + [
        SelectChoice(code, label) for code, label in TOPIC_LABELS.items()])
    group = SelectField(_l("Training group"), validate_choice=True, default="")
    gender = SelectField(_l("Gender"), validate_choice=True, default="", choices=[SelectChoice("", _l("All"))] + [
        SelectChoice(code, label) for code, label in GENDER_LABELS.items()])
    age_band = SelectField(_l("Age"), validate_choice=True, default="")

    def validate_start(self, field) -> None:
        if not self.end.data:
            raise ValidationError(_l("Give both dates, or neither."))

    def validate_end(self, field) -> None:
        if not self.start.data:
            raise ValidationError(_l("Give both dates, or neither."))
        if field.data < self.start.data:
            raise ValidationError(_l("The last day comes before the first day."))

    def period(self) -> tuple[date, date]:
        if self.start.data and self.end.data:
            return self.start.data, self.end.data
        year = int(self.year.data)
        if self.quarter.data:
            first, last = QUARTERS[self.quarter.data]
            end_day = date(year + (last == 12), last % 12 + 1, 1).toordinal() - 1
            return date(year, first, 1), date.fromordinal(end_day)
        return date(year, 1, 1), date(year, 12, 31)
