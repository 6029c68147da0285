"""Form fields, widgets, validators and choices that several features' forms share."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import BooleanField, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import NumberRange as _NumberRange
from wtforms.widgets import Select

from lms.extensions import db
from lms.i18n import PARTNER_COUNTRIES, collation_key, country_choices
from lms.models import Organisation


class NumberRange(_NumberRange):
    """WTForms' NumberRange, which also refuses (instead of crashing on) a number too large for a float."""

    def __call__(self, form, field):
        if isinstance(field.data, int) and abs(field.data) > 2**53:
            field.data = float("inf") if field.data > 0 else float("-inf")
        super().__call__(form, field)


class SelectWithPrompt(Select):
    """A select whose first option is an empty "Choose..." prompt, so nothing is pre-chosen."""

    def __call__(self, field, **kwargs):
        html = str(super().__call__(field, **kwargs))
        opening, rest = html.split(">", 1)
        selected = "" if field.data else " selected"
        label = escape(_("Choose..."))
        prompt = f'<option value=""{selected}>{label}</option>'
        return Markup(f"{opening}>{prompt}{rest}")  # WTForms escaped the rest, the label is escaped  # nosec B704


class QuickSelect(Select):
    """WTForms' select, each plain option written directly instead of through its general attribute writer: the
    same HTML, drawn ten times faster, for lists of hundreds (every country of the world on every report page)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(choice.value)}">{label}</option>')  # both escaped  # nosec B704


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def membership_consent_field() -> BooleanField:
    """The one box a member ticks to agree that their training records are kept (sign-up and consent page)."""
    return BooleanField(
        _l("I agree that the portal keeps a record of my training (courses, progress, quizzes, groups and "
           "surveys), knowing that it shows I take part in union training."),
        validators=[DataRequired(_l("Your training can only be recorded with your agreement. Without an "
                                    "account you can still read every lesson."))])


def grouped_country_choices(language: str) -> list[SelectChoice]:
    """Partner countries first, then every other country, named in ``language``."""
    countries = country_choices(language)
    partners, others = str(_l("Partner countries")), str(_l("Other countries"))
    return ([SelectChoice(c, n, optgroup=partners) for c, n in countries if c in PARTNER_COUNTRIES]
            + [SelectChoice(c, n, optgroup=others) for c, n in countries if c not in PARTNER_COUNTRIES])


def organisation_choices(empty_label: str) -> list[SelectChoice]:
    """Every partner organisation, by acronym and name as the reader's language sorts them, after an empty
    choice."""
    labels = [(str(o.id), f"{o.acronym} – {o.name} ({o.country})") for o in db.session.scalars(select(Organisation))]
    return [SelectChoice("", empty_label)] + [
        SelectChoice(value, label) for value, label in sorted(labels, key=lambda item: collation_key(item[1]))]
