"""Forms of the administrators' pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from lms.core.fields import SelectWithPrompt
from lms.core.forms import PortalForm


class OrganisationForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please write a name.")), Length(max=200)])
    acronym = StringField(_l("Acronym"), validators=[DataRequired(_l("Please write an acronym.")), Length(max=40)])
    country = SelectField(_l("Country"), widget=SelectWithPrompt(),
                          validators=[InputRequired(_l("Please choose your country."))])
    sector = StringField(_l("Sector (for example garment, agriculture, hotels)"),
                         validators=[DataRequired(_l("Please write a sector.")), Length(max=80)])


class ConfirmForm(PortalForm):
    """A confirmation of buttons only: its CSRF token is all it checks."""
