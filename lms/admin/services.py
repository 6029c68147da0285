"""What administrators change: partner organisations, and people's roles, scope, suspension and passwords.

Every function flushes and never commits; each change to a person is in the audit log, written here or by the
receivers of the signal it sends (``role_changed``, ``password_changed``: lms/auth/audit_trail.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import select

from lms import clock, signals
from lms.auth.services import give_one_time_password, set_password, set_scope
from lms.auth.session_store import end_sessions
from lms.core import audit
from lms.core.codes import readable_code
from lms.database.portable import as_read
from lms.extensions import db
from lms.groups.services import PASSWORD_ALPHABET
from lms.models import (
    AuditEntry,
    CoordinatorCountry,
    CoordinatorOrganisation,
    Organisation,
    PersonAttributes,
    TrainerPromotion,
    TrainingGroup,
    User,
    Workplace,
)

#: The fields of an organisation an administrator edits.
ORGANISATION_FIELDS = ("name", "acronym", "country", "sector")


def add_organisation(*, name: str, acronym: str, country: str, sector: str) -> Organisation:
    organisation = Organisation(name=name.strip(), acronym=acronym.strip(), country=country.upper(),
                                sector=sector.strip())
    db.session.add(organisation)
    db.session.flush()
    return organisation


# People --------------------------------------------------------------------------------------------------

def people_sorts() -> dict:
    """The columns the people list may be sorted by (with no NULL, which SQLite and PostgreSQL place at opposite
    ends); names as readers expect where the database can (``as_read``)."""
    return {"name": as_read(User.display_name), "username": User.username, "account_role": User.role,
            "country": User.country, "organisation": sa.func.coalesce(Organisation.acronym, ""),
            "active": sa.func.coalesce(User.last_active_at, User.created_at)}


#: The columns the people list's search looks in.
PEOPLE_SEARCHED = (User.display_name, User.username, User.phone, User.email)


def people(*, role: str | None = None, country: str | None = None) -> sa.Select:
    """Accounts that are not erased (a tombstone has nothing to administer), each with its organisation, as a
    query for ``lms.core.listing``; narrowed to one role or one country when given."""
    query = (select(User, Organisation).outerjoin(Organisation, Organisation.id == User.organisation_id)
             .where(User.erased_at.is_(None)))
    if role:
        query = query.where(User.role == role)
    if country:
        query = query.where(User.country == country)
    return query


def audit_trail(person: User) -> sa.Select:
    """The audit entries about ``person``'s account and those they wrote, as a query for ``lms.core.listing``."""
    return select(AuditEntry).where(sa.or_(AuditEntry.user_id == person.id,
                                           AuditEntry.details["account"].as_integer() == person.id))


@dataclass(frozen=True)
class Placement:
    """What an administrator sets on the person's page: their role, where they work, what they coordinate."""

    role: str
    country: str
    organisation_id: int | None
    #: Only kept for a coordinator; cleared for any other role.
    coordinated_countries: tuple[str, ...] = ()
    coordinated_organisations: tuple[int, ...] = ()


def place_person(person: User, placement: Placement, by: User) -> list[str]:
    """Set ``person``'s role, country, organisation and coordinated countries and organisations; the names of
    what changed (flushed). A new role sends ``role_changed`` (their sessions end, the audit log has it); the
    rest is written to the audit log as "change scope". Made a participant, a trainer's standing promotion is
    marked revoked, not deleted (``revoke_promotions``)."""
    changed = set_scope(person, country=placement.country, organisation_id=placement.organisation_id)
    coordinator = placement.role == "coordinator"
    countries = sorted(set(placement.coordinated_countries)) if coordinator else []
    organisations = sorted(set(placement.coordinated_organisations)) if coordinator else []
    if sorted(person.country_scope) != countries:
        person.coordinated_countries = [c for c in person.coordinated_countries if c.country in countries] + [
            CoordinatorCountry(country=c) for c in countries if c not in person.country_scope]
        changed.append("coordinated countries")
    held = [c.organisation_id for c in person.coordinated_organisations]
    if sorted(held) != organisations:
        person.coordinated_organisations = [
            c for c in person.coordinated_organisations if c.organisation_id in organisations] + [
            CoordinatorOrganisation(organisation_id=o) for o in organisations if o not in held]
        changed.append("coordinated organisations")
    db.session.flush()
    if changed:
        audit.record("change scope", {"account": person.id, "fields": changed}, user=by)
    old = person.role
    if placement.role != old:
        person.role = placement.role
        if placement.role == "participant":
            revoke_promotions(person)
        db.session.flush()
        signals.role_changed.send(person, old=old, new=placement.role, by=by)
        changed.insert(0, "role")
    return changed


def revoke_promotions(person: User) -> int:
    """Reversing "make trainer": the person's standing promotions are marked revoked; the rows stay in the trainer
    family tree, and figures of trainers trained in a period keep counting them (the training took place)."""
    result = db.session.execute(
        sa.update(TrainerPromotion).where(TrainerPromotion.user_id == person.id, TrainerPromotion.revoked_at.is_(None))
        .values(revoked_at=clock.utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


def promotions_of(person: User) -> list[tuple[TrainerPromotion, str]]:
    """``person``'s promotions to trainer, reversed or standing, each with the name of its training of trainers."""
    return list(db.session.execute(
        select(TrainerPromotion, TrainingGroup.name).join(TrainingGroup, TrainingGroup.id == TrainerPromotion.group_id)
        .where(TrainerPromotion.user_id == person.id).order_by(TrainerPromotion.promoted_at, TrainerPromotion.id)))


def suspend(person: User, by: User) -> bool:
    """Suspend ``person``: they cannot sign in and every session of theirs ends; False if already suspended."""
    if person.suspended_at is not None:
        return False
    person.suspended_at = clock.utcnow()
    db.session.flush()
    ended = end_sessions(person.id)
    audit.record("suspend account", {"account": person.id, "sessions": ended}, user=by)
    return True


def reinstate(person: User, by: User) -> bool:
    """Lift ``person``'s suspension: they sign in again with their password; False if not suspended."""
    if person.suspended_at is None:
        return False
    person.suspended_at = None
    db.session.flush()
    audit.record("reinstate account", {"account": person.id}, user=by)
    return True


def reset_password(person: User, by: User) -> str:
    """A new one-time password for ``person`` (returned, to be shown once): they choose their own at next sign-in,
    within ONE_TIME_PASSWORD_DAYS. Every session of theirs ends; the audit log has "change password" by ``by``."""
    password = readable_code(8, PASSWORD_ALPHABET)
    set_password(person, password, by=by)
    give_one_time_password(person)
    return password
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
