"""Who may use what. Every view is wrapped in exactly one of these decorators.

``tests/test_permissions.py`` checks that every endpoint states its access and that everyone
outside it is refused.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort
from flask_login import current_user

from lms.extensions import login_manager
from lms.models import User
from lms.vocabulary import ROLES

F = TypeVar("F", bound=Callable)

def public(view: F) -> F:
    """Anyone, signed in or not."""
    view.access = "public"  # type: ignore[attr-defined]
    return view


def signed_in(view: F) -> F:
    """Any signed-in account."""
    return roles(*ROLES)(view)


def roles(*allowed: str) -> Callable[[F], F]:
    """Signed-in accounts with one of these roles; admins may always."""
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    allowed_set = frozenset(allowed) | {"admin"}

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed_set:
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = "signed-in" if allowed_set == set(ROLES) else sorted(allowed_set)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def can_edit_course(user: User, course) -> bool:
    """Admins edit every course; trainers those they own or are assigned to."""
    if not user.is_authenticated:
        return False
    if user.role == "admin":
        return True
    from lms.extensions import db
    from lms.models import CourseEditor

    return user.role == "trainer" and db.session.get(CourseEditor, (course.id, user.id)) is not None


def can_manage_group(user: User, group) -> bool:
    """The group's trainer, coordinators of its country or organisation, and admins."""
    if not user.is_authenticated:
        return False
    if user.role == "admin" or group.trainer_id == user.id:
        return True
    if user.role == "coordinator":
        organisations = {c.organisation_id for c in user.coordinated_organisations}
        return group.country in user.country_scope or (group.organisation_id in organisations)
    return False


#: Roles whose country and organisation decide what they see (``can_see_workplace``, ``can_manage_group``):
#: only an administrator changes them (``flask users place``), never the member in their profile.
SCOPED_ROLES = frozenset({"trainer", "coordinator", "admin"})


def can_see_workplace(user: User, workplace) -> bool:
    """Admins see every workplace; coordinators those of their countries and organisations; trainers those of
    their own country and of their own organisation. Its results and its rounds' collection follow."""
    if not user.is_authenticated:
        return False
    if user.role == "admin":
        return True
    if user.role == "coordinator":
        organisations = {c.organisation_id for c in user.coordinated_organisations}
        return workplace.country in user.country_scope or workplace.organisation_id in organisations
    if user.role == "trainer":
        return workplace.country == user.country or (
            user.organisation_id is not None and workplace.organisation_id == user.organisation_id)
    return False


def visible_workplaces(user: User):
    """SQL condition on Workplace: the workplaces ``can_see_workplace`` lets ``user`` see."""
    import sqlalchemy as sa

    from lms.models import Workplace

    if user.role == "admin":
        return sa.true()
    if user.role == "coordinator":
        organisations = [c.organisation_id for c in user.coordinated_organisations]
        return sa.or_(Workplace.country.in_(user.country_scope), Workplace.organisation_id.in_(organisations))
    if user.role == "trainer":
        mine = [Workplace.country == user.country]
        if user.organisation_id is not None:
            mine.append(Workplace.organisation_id == user.organisation_id)
        return sa.or_(*mine)
    return sa.false()


def can_read_course(user: User, course) -> bool:
    """Published courses are for everyone; a draft only for its editors and admins."""
    return course.published or can_edit_course(user, course)


def visible_countries(user: User) -> list[str] | None:
    """Countries whose data ``user`` may see: None means all (admins), [] means none."""
    if user.role == "admin":
        return None
    if user.role == "coordinator":
        return user.country_scope
    return []


def can_edit_survey(user: User, survey) -> bool:
    """Admins edit every survey; trainers and coordinators the surveys they made."""
    return user.is_authenticated and (user.role == "admin" or survey.created_by_id == user.id)


def can_ask_course(user: User, survey, course) -> bool:
    """Who may ask a survey of everyone taking a course: its editors (and admins) for a survey with names; only
    admins for an anonymous or pseudonymous one.

    A course's wave reaches every member taking it, in every country. And a trainer who writes a course of her
    own and runs its only group decides who is asked, as a group's trainer does: four accounts of hers beside
    one member made the batch of the week, read in the database (outside tester H).
    """
    if not survey.names_respondents:
        return user.role == "admin"
    return can_edit_course(user, course)


def can_read_figures(user: User, survey) -> bool:
    """Figures of an anonymous or pseudonymous survey are for coordinators and admins, not for trainers.

    Whoever runs a training group decides who is in it, and can make its members' accounts: a trainer who
    answered with all but one of the accounts behind a figure would read the last one's answer in it, however
    the figure is rounded (docs/privacy.md, "Who decides who answers"). Identified answers promise no such thing.
    """
    return survey.names_respondents or user.role in ("coordinator", "admin")


def visible_waves(user: User, survey) -> tuple[list, list[str] | None]:
    """The waves of ``survey`` whose results ``user`` may see, and the countries they are limited to.

    Admins see everything. Everyone else sees the waves within their scope, authors included (anyone may attach
    a published survey to their group, so an author's survey can be asked far outside the author's scope): the
    groups they manage (as their trainer, or as coordinators of their country or union), a coordinator the
    workplaces of their countries, the survey's author (a trainer) the workplaces they may see; course-wide
    waves a coordinator sees for respondents of their countries, an author for every respondent.
    """
    if user.role == "admin":
        return list(survey.waves), None
    from lms.extensions import db
    from lms.models import TrainingGroup

    author = can_edit_survey(user, survey)
    coordinator = user.role == "coordinator"
    waves = []
    for wave in survey.waves:
        if wave.group_id is not None:
            seen = can_manage_group(user, db.session.get(TrainingGroup, wave.group_id))
        elif wave.workplace_id is not None:
            seen = (wave.workplace.country in user.country_scope if coordinator
                    else author and can_see_workplace(user, wave.workplace))
        else:
            seen = coordinator or author
        if seen:
            waves.append(wave)
    return waves, (user.country_scope if coordinator else None)
