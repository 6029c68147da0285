"""The dashboard's filters: a GET form, so that a report is a link that can be shared and bookmarked."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from lms.core.fields import QuickSelect
from lms.core.forms import PlainForm
from lms.vocabulary import GENDER_LABELS, TOPIC_LABELS

QUARTERS = {"1": (1, 3), "2": (4, 6), "3": (7, 9), "4": (10, 12)}
#: Old links may still carry a period from one day to another: such a link gets the whole year, and this note.
RETIRED_DATES = ("start", "end")
RETIRED_NOTE = _l("Reports no longer take a period from one day to another, which could single out a few people: "
                  "the whole year is shown. Choose a year, a quarter or a month.")


def published_on(end: date) -> date:
    """The day a period's figures are published: the day after it ends. Nobody can add a record to a period
    that has ended (records count when they are recorded), so its figures never change after that."""
    return end + timedelta(days=1)


def has_ended(end: date, today: date) -> bool:
    return today >= published_on(end)


def last_day(year: int, month: int) -> date:
    return date.fromordinal(date(year + month // 12, month % 12 + 1, 1).toordinal() - 1)


class ReportForm(PlainForm):
    """GET filter; it changes nothing, so it needs no CSRF token.

    The period is a year, a quarter or a month, never two free dates: two overlapping date ranges could be
    subtracted to single out the few people between their ends.
    """

    year = SelectField(_l("Year"), validate_choice=True)
    quarter = SelectField(_l("Quarter"), validate_choice=True, default="", choices=[
        SelectChoice("", _l("Whole year"))] + [SelectChoice(q, _l("Quarter %(n)s", n=q)) for q in QUARTERS])
    month = SelectField(_l("Month"), validate_choice=True, default="")  # names from CLDR, set by the view
    country = SelectField(_l("Country"), validate_choice=True, default="", widget=QuickSelect())
    organisation = SelectField(_l("Partner organisation"), validate_choice=True, default="", widget=QuickSelect())
    course = SelectField(_l("Course"), validate_choice=True, default="")
    topic = SelectField(_l("Topic"), validate_choice=True, default="", choices=[SelectChoice("", _l("All topics"))] + [
        SelectChoice(code, label) for code, label in TOPIC_LABELS.items()])
    group = SelectField(_l("Training group"), validate_choice=True, default="")
    gender = SelectField(_l("Gender"), validate_choice=True, default="", choices=[SelectChoice("", _l("All"))] + [
        SelectChoice(code, label) for code, label in GENDER_LABELS.items()])
    age_band = SelectField(_l("Age"), validate_choice=True, default="")

    def validate_month(self, field) -> None:
        if field.data and self.quarter.data:
            raise ValidationError(_l("Choose a quarter or a month, not both."))

    def period(self) -> tuple[date, date]:
        year = int(self.year.data)
        if self.month.data:
            month = int(self.month.data)
            return date(year, month, 1), last_day(year, month)
        if self.quarter.data:
            first, last = QUARTERS[self.quarter.data]
            return date(year, first, 1), last_day(year, last)
        return date(year, 1, 1), date(year, 12, 31)

    def period_name(self) -> str:
        """"December 2026", "Quarter 4 of 2026" or "2026", in the reader's language."""
        start, _end = self.period()
        if self.month.data:
            return format_date(start, "LLLL y")
        if self.quarter.data:
            return _("Quarter %(n)s of %(year)s", n=self.quarter.data, year=start.year)
        return str(start.year)

    def not_yet_published(self, today: date) -> str | None:
        """For a period that has not ended: when its figures are published. Figures of an open period would be
        drawn afresh at every record added, and a reader adding records could average the rounding away."""
        _start, end = self.period()
        if has_ended(end, today):
            return None
        return _("Figures for %(period)s are published on %(day)s, once it has ended: until then records are "
                 "still being added, and figures that change with each one could give away a few people.",
                 period=self.period_name(), day=format_date(published_on(end), "long"))
