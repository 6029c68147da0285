"""Partner organisations: listing them for forms, and adding them."""
from __future__ import annotations

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms.extensions import db
from lms.models import Organisation


def organisation_choices(empty_label: str) -> list[SelectChoice]:
    """Every partner organisation, by country then acronym, after an empty choice."""
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.country, Organisation.acronym))
    return [SelectChoice("", empty_label)] + [
        SelectChoice(str(o.id), f"{o.acronym} – {o.name} ({o.country})") for o in organisations]


def add_organisation(*, name: str, acronym: str, country: str, sector: str) -> Organisation:
    organisation = Organisation(name=name.strip(), acronym=acronym.strip(), country=country.upper(),
                                sector=sector.strip())
    db.session.add(organisation)
    db.session.flush()
    return organisation
