"""What administrators change: partner organisations."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lms.extensions import db
from lms.models import CoordinatorOrganisation, Organisation, PersonAttributes, TrainingGroup, User, Workplace

#: The fields of an organisation an administrator edits.
ORGANISATION_FIELDS = ("name", "acronym", "country", "sector")


def add_organisation(*, name: str, acronym: str, country: str, sector: str) -> Organisation:
    organisation = Organisation(name=name.strip(), acronym=acronym.strip(), country=country.upper(),
                                sector=sector.strip())
    db.session.add(organisation)
    db.session.flush()
    return organisation


def acronym_taken(country: str, acronym: str, but: Organisation | None = None) -> bool:
    """Whether another organisation of ``country`` has this acronym (they are unique per country)."""
    query = sa.select(sa.func.count(Organisation.id)).where(
        Organisation.country == country.upper(), Organisation.acronym == acronym.strip())
    if but is not None:
        query = query.where(Organisation.id != but.id)
    return bool(db.session.scalar(query))


def update_organisation(organisation: Organisation, **values: str) -> list[str]:
    """Set the given fields (of ``ORGANISATION_FIELDS``); returns the names of those that changed."""
    cleaned = {key: (value.strip().upper() if key == "country" else value.strip()) for key, value in values.items()}
    changed = [key for key in ORGANISATION_FIELDS if key in cleaned and getattr(organisation, key) != cleaned[key]]
    for key in changed:
        setattr(organisation, key, cleaned[key])
    db.session.flush()
    return changed


@dataclass(frozen=True)
class References:
    """What refers to an organisation: while anything does, it is kept (figures and scopes depend on it)."""

    people: int
    past_people: int
    groups: int
    workplaces: int
    coordinators: int

    @property
    def any(self) -> bool:
        return any((self.people, self.past_people, self.groups, self.workplaces, self.coordinators))


def references_to(organisation: Organisation) -> References:
    def count(column) -> int:
        return db.session.scalar(sa.select(sa.func.count()).where(column == organisation.id)) or 0

    members_now = sa.select(User.id).where(User.organisation_id == organisation.id)
    # People who belonged to it once: the reports count them in it for the periods they did.
    past_people = db.session.scalar(sa.select(sa.func.count(sa.distinct(PersonAttributes.user_id))).where(
        PersonAttributes.organisation_id == organisation.id, PersonAttributes.user_id.not_in(members_now))) or 0
    return References(people=count(User.organisation_id), past_people=past_people,
                      groups=count(TrainingGroup.organisation_id),
                      workplaces=count(Workplace.organisation_id),
                      coordinators=count(CoordinatorOrganisation.organisation_id))


class StillReferenced(Exception):
    """The organisation is referred to and cannot be deleted."""


def delete_organisation(organisation: Organisation) -> None:
    """Delete an organisation that nothing refers to (``references_to``); else raise ``StillReferenced``."""
    if references_to(organisation).any:
        raise StillReferenced()
    db.session.delete(organisation)
    db.session.flush()
