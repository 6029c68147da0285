"""What administrators change: partner organisations."""
from __future__ import annotations

from lms.extensions import db
from lms.models import Organisation


def add_organisation(*, name: str, acronym: str, country: str, sector: str) -> Organisation:
    organisation = Organisation(name=name.strip(), acronym=acronym.strip(), country=country.upper(),
                                sector=sector.strip())
    db.session.add(organisation)
    db.session.flush()
    return organisation
