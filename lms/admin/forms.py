"""Forms of the administrators' pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError

from lms.admin.services import Placement
from lms.core.fields import SelectWithPrompt
from lms.core.forms import PortalForm
from lms.vocabulary import ROLE_LABELS


class OrganisationForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please write a name.")), Length(max=200)])
    acronym = StringField(_l("Acronym"), validators=[DataRequired(_l("Please write an acronym.")), Length(max=40)])
    country = SelectField(_l("Country"), widget=SelectWithPrompt(),
                          validators=[InputRequired(_l("Please choose your country."))])
    sector = StringField(_l("Sector (for example garment, agriculture, hotels)"),
                         validators=[DataRequired(_l("Please write a sector.")), Length(max=80)])


class PlacementForm(PortalForm):
    """A person's role, where they work, and what a coordinator looks after (lms/admin/services.py, Placement)."""

    account_role = SelectField(_l("Role"), widget=SelectWithPrompt(),
                               validators=[InputRequired(_l("Please choose a role."))])
    country = SelectField(_l("Country where they work"), widget=SelectWithPrompt(),
                          validators=[InputRequired(_l("Please choose a country."))])
    organisation = SelectField(_l("Organisation"), validate_choice=True)
    coordinated_countries = SelectMultipleField(
        _l("Countries they coordinate"), description=_l("Only for coordinators: hold Ctrl (or ⌘) to choose several."))
    coordinated_organisations = SelectMultipleField(
        _l("Organisations they coordinate"), description=_l("Only for coordinators."))

    def validate_coordinated_countries(self, field) -> None:
        if self.account_role.data == "coordinator" and not (field.data or self.coordinated_organisations.data):
            raise ValidationError(_l("A coordinator needs at least one country or organisation to look after."))


class SuspensionForm(PortalForm):
    #: "suspend" or "reinstate": the confirmation page says which, so that sending it twice changes nothing more.
    action = HiddenField(validators=[AnyOf(("suspend", "reinstate"), message=_l("Please use the buttons."))])


class EraseForm(PortalForm):
    confirm = BooleanField(_l("I understand that this cannot be undone."),
                           validators=[DataRequired(_l("Tick the box to confirm the erasure."))])


def placement_form(person, countries: list, organisations: list) -> PlacementForm:
    """The form of ``person``'s role and scope, filled from the account (what was sent wins)."""
    data = {"account_role": person.role, "country": person.country, "organisation": str(person.organisation_id or ""),
            "coordinated_countries": person.country_scope,
            "coordinated_organisations": [str(c.organisation_id) for c in person.coordinated_organisations]}
    form = PlacementForm(data=data)
    form.account_role.choices = [(code, str(label)) for code, label in ROLE_LABELS.items()]
    form.country.choices = countries
    form.coordinated_countries.choices = [c for c in countries if c.value]
    form.organisation.choices = organisations
    form.coordinated_organisations.choices = [o for o in organisations if o.value]
    return form


def placement_of(form: PlacementForm) -> Placement:
    return Placement(role=form.account_role.data, country=form.country.data,
                     organisation_id=int(form.organisation.data or 0) or None,
                     coordinated_countries=tuple(form.coordinated_countries.data or ()),
                     coordinated_organisations=tuple(int(o) for o in form.coordinated_organisations.data or ()))
class ConfirmForm(PortalForm):
    """A confirmation of buttons only: its CSRF token is all it checks."""
