"""Who may use what. Every view is wrapped in exactly one of these decorators, and every other access rule (which
groups, workplaces and courses someone sees; what a menu or a button offers) is a function here.

``tests/test_route_policy.py`` checks every endpoint of the URL map against its stated access for seven kinds of
caller; ``tests/test_permissions.py`` checks the decorators and each rule here, in Python and in SQL alike.
Templates never name a role: they ask ``may_visit``, ``can_promote``... (``tests/test_templates_ask_permissions.py``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TypeVar

import sqlalchemy as sa
from flask import abort, current_app
from flask_login import current_user

from lms.extensions import db, login_manager
from lms.models import Course, CourseEditor, GroupMember, Survey, SurveyWave, TrainingGroup, User, Workplace
from lms.vocabulary import ROLES

F = TypeVar("F", bound=Callable)


def public(view: F) -> F:
    """Anyone, signed in or not."""
    view.access = "public"  # type: ignore[attr-defined]
    return view


def signed_in(view: F) -> F:
    """Any signed-in account."""
    return roles(*ROLES)(view)


def has_role(user: User, allowed: frozenset[str]) -> bool:
    """Whether ``user`` is signed in with one of the ``allowed`` roles."""
    return user.is_authenticated and user.role in allowed


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
            if not has_role(current_user, allowed_set):
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = "signed-in" if allowed_set == set(ROLES) else sorted(allowed_set)  # type: ignore[attr-defined]
        wrapper.allowed_roles = allowed_set  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def may_visit(user: User, endpoint: str) -> bool:
    """Whether the guard of ``endpoint`` lets ``user`` in: a menu offers a page only if its view opens it.

    Only the guard is asked: the view may still refuse an object (a group, a course) that ``user`` may not see.
    """
    view = current_app.view_functions[endpoint]
    return view.access == "public" or has_role(user, view.allowed_roles)


def admits_members(endpoint: str) -> bool:
    """Whether the guard of ``endpoint`` lets members (participants) in: if not, the page is staff work."""
    view = current_app.view_functions[endpoint]
    return getattr(view, "access", "public") == "public" or "participant" in view.allowed_roles


#: Roles that write courses: only they are made a course's editors, and they preview the drafts they edit.
COURSE_WRITERS = frozenset({"trainer", "admin"})


def writes_courses(user: User) -> bool:
    """Trainers and admins, the accounts a course's editors are chosen from."""
    return has_role(user, COURSE_WRITERS)


def can_edit_course(user: User, course) -> bool:
    """Admins edit every course; trainers those they own or are assigned to."""
    if not writes_courses(user):
        return False
    return user.role == "admin" or db.session.get(CourseEditor, (course.id, user.id)) is not None


def owns_course(user: User, course) -> bool:
    """Admins, and the trainers who own the course (not its other editors): who set its rules, such as independent
    review of translations, which an editor could otherwise lift to review their own work."""
    if not writes_courses(user):
        return False
    editor = db.session.get(CourseEditor, (course.id, user.id))
    return user.role == "admin" or (editor is not None and editor.role == "owner")


def edited_courses(user: User):
    """SQL condition on Course: the courses ``can_edit_course`` lets ``user`` edit."""
    if not writes_courses(user):
        return sa.false()
    if user.role == "admin":
        return sa.true()
    return Course.id.in_(sa.select(CourseEditor.course_id).where(CourseEditor.user_id == user.id))


@dataclass(frozen=True)
class Scope:
    """The countries and organisations whose groups or workplaces someone sees: all of them, or these."""

    everything: bool = False
    countries: frozenset[str] = frozenset()
    organisations: frozenset[int] = frozenset()

    def holds(self, country: str, organisation_id: int | None) -> bool:
        return self.everything or country in self.countries or (
            organisation_id is not None and organisation_id in self.organisations)

    def where(self, country: sa.ColumnElement, organisation_id: sa.ColumnElement) -> sa.ColumnElement[bool]:
        """The same as ``holds``, as an SQL condition on these two columns."""
        if self.everything:
            return sa.true()
        if not (self.countries or self.organisations):
            return sa.false()
        return sa.or_(country.in_(sorted(self.countries)), organisation_id.in_(sorted(self.organisations)))

    @property
    def sees_course_waves(self) -> bool:
        """Course-wide waves reach members of every country: they are seen for the respondents of one's countries,
        so not by a coordinator of organisations only."""
        return self.everything or bool(self.countries)

    def respondent_countries(self) -> list[str] | None:
        """The countries whose respondents' answers count in the figures shown: None for all (admins, and a
        coordinator of organisations only, who sees only their organisations' groups and workplaces)."""
        return None if self.everything or not self.countries else sorted(self.countries)


def coordinated_scope(user: User) -> Scope:
    """Admins: everything; coordinators: their countries and organisations; others: nothing."""
    if not user.is_authenticated:
        return Scope()
    if user.role == "admin":
        return Scope(everything=True)
    if user.role == "coordinator":
        return Scope(countries=frozenset(user.country_scope),
                     organisations=frozenset(c.organisation_id for c in user.coordinated_organisations))
    return Scope()


def can_manage_group(user: User, group) -> bool:
    """The group's trainer (while still staff: a trainer made a participant again no longer sees the members'
    progress), coordinators of its country or organisation, and admins."""
    if not user.is_authenticated:
        return False
    return (group.trainer_id == user.id and has_role(user, SCOPED_ROLES)) or coordinated_scope(user).holds(
        group.country, group.organisation_id)


def managed_groups(user: User):
    """SQL condition on TrainingGroup: the groups ``can_manage_group`` lets ``user`` manage."""
    if not user.is_authenticated:
        return sa.false()
    scope = coordinated_scope(user)
    if scope.everything:
        return sa.true()
    own = TrainingGroup.trainer_id == user.id if has_role(user, SCOPED_ROLES) else sa.false()
    return sa.or_(own, scope.where(TrainingGroup.country, TrainingGroup.organisation_id))


def can_see_group(user: User, group) -> bool:
    """A group's page: those who manage it, and its members (who see the group, not the others' progress).
    ``visible_groups`` is the same rule in SQL, for lists."""
    return can_manage_group(user, group) or (
        user.is_authenticated and db.session.get(GroupMember, (group.id, user.id)) is not None)


def visible_groups(user: User):
    """SQL condition on TrainingGroup: the groups ``user`` sees in the list, those they manage or are a member of."""
    if not user.is_authenticated:
        return sa.false()
    if coordinated_scope(user).everything:
        return sa.true()
    member_of = sa.select(GroupMember.group_id).where(GroupMember.user_id == user.id)
    return sa.or_(TrainingGroup.id.in_(member_of), managed_groups(user))


def can_promote(user: User, group) -> bool:
    """Whether ``user`` may make trainers of ``group``'s members: a training of trainers, managed by a coordinator
    (of its country or organisation) or an admin, as the guard of ``groups.promote`` and its view decide."""
    return group.trains_trainers and may_visit(user, "groups.promote") and can_manage_group(user, group)


def can_be_made_trainer(member: User, group) -> bool:
    """Only a participant of a training of trainers becomes a trainer (once they complete its course)."""
    return group.trains_trainers and member.role == "participant"


#: Roles whose country and organisation decide what they see (``can_see_workplace``, ``can_manage_group``):
#: only an administrator changes them (a person's page, ``flask users place``), never the member in their profile.
SCOPED_ROLES = frozenset({"trainer", "coordinator", "admin"})


def may_change_own_scope(user: User) -> bool:
    """Whether the profile form lets ``user`` change their own country and organisation: members only."""
    return not has_role(user, SCOPED_ROLES)


def can_administer(user: User, person: User) -> bool:
    """Whether ``user`` may change ``person``'s role, scope, suspension or erase them on the people pages:
    administrators, for anyone but themselves (another administrator must), and never an erased account."""
    return (has_role(user, frozenset({"admin"})) and person.erased_at is None and person.id != user.id)


#: Roles whose password a coordinator may reset, within their countries and organisations.
COORDINATED_ROLES = frozenset({"participant", "trainer"})


def can_reset_password(user: User, person: User) -> bool:
    """Whether ``user`` may give ``person`` a new one-time password (``/people/<id>/password``).

    Administrators for anyone but themselves (their own is changed in the profile); coordinators for participants
    and trainers of their countries or organisations; a group's trainer (and its coordinators) for the
    participants who are members of a group they manage, as Kolibri's coaches can. Never an erased account, nor a
    suspended one (its one-time password could not be used: an administrator reinstates it first).
    """
    if (not user.is_authenticated or person.erased_at is not None or person.suspended_at is not None
            or person.id == user.id):
        return False
    if user.role == "admin":
        return True
    if user.role == "coordinator" and person.role in COORDINATED_ROLES and coordinated_scope(user).holds(
            person.country, person.organisation_id):
        return True
    if person.role != "participant" or not has_role(user, frozenset({"trainer", "coordinator"})):
        return False
    groups_of_person = sa.select(GroupMember.group_id).where(GroupMember.user_id == person.id)
    return db.session.scalar(sa.select(sa.func.count(TrainingGroup.id)).where(
        TrainingGroup.id.in_(groups_of_person), managed_groups(user))) > 0


def listed_roles(user: User) -> tuple[str, ...]:
    """The roles of the accounts the people list shows ``user``: all to admins; to coordinators those whose
    passwords they reset (``COORDINATED_ROLES``); none to anyone else."""
    if has_role(user, frozenset({"admin"})):
        return ROLES
    if has_role(user, frozenset({"coordinator"})):
        return tuple(role for role in ROLES if role in COORDINATED_ROLES)
    return ()


def listed_people(user: User):
    """SQL condition on User: the accounts the people list shows ``user``: every one to admins; to a coordinator the
    participants and trainers of their countries and organisations (``can_reset_password``'s first rule)."""
    if has_role(user, frozenset({"admin"})):
        return sa.true()
    roles_seen = listed_roles(user)
    if not roles_seen:
        return sa.false()
    return sa.and_(User.role.in_(roles_seen), coordinated_scope(user).where(User.country, User.organisation_id))


def can_see_workplace(user: User, workplace) -> bool:
    """Admins see every workplace; coordinators those of their countries and organisations; trainers those of
    their own country and of their own organisation. Its results and its rounds' collection follow."""
    return workplace_scope(user).holds(workplace.country, workplace.organisation_id)


def workplace_scope(user: User) -> Scope:
    """Coordinators and admins: as for groups; trainers: their own country and their own organisation."""
    if user.is_authenticated and user.role == "trainer":
        return Scope(countries=frozenset({user.country}),
                     organisations=frozenset({user.organisation_id} - {None}))
    return coordinated_scope(user)


def visible_workplaces(user: User):
    """SQL condition on Workplace: the workplaces ``can_see_workplace`` lets ``user`` see."""
    return workplace_scope(user).where(Workplace.country, Workplace.organisation_id)


def can_read_course(user: User, course) -> bool:
    """Published courses are for everyone; a draft only for its editors and admins."""
    return course.published or can_edit_course(user, course)


def readable_courses(user: User):
    """SQL condition on Course: the courses ``can_read_course`` lets ``user`` read (their titles included)."""
    return sa.or_(Course.published.is_(True), edited_courses(user))


def can_edit_survey(user: User, survey) -> bool:
    """Admins edit every survey; trainers and coordinators the surveys they made."""
    return user.is_authenticated and (user.role == "admin" or survey.created_by_id == user.id)


def edited_surveys(user: User):
    """SQL condition on Survey: the surveys ``can_edit_survey`` lets ``user`` edit."""
    if not user.is_authenticated:
        return sa.false()
    return sa.true() if user.role == "admin" else Survey.created_by_id == user.id


def listed_surveys(user: User):
    """SQL condition on Survey: those ``user`` edits, and those with a wave whose results they see."""
    return sa.or_(edited_surveys(user), Survey.id.in_(sa.select(SurveyWave.survey_id).where(seen_waves(user))))


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
    workplaces of their countries and organisations, the survey's author (a trainer) the workplaces they may see;
    course-wide waves a coordinator of countries sees for respondents of their countries, an author for every
    respondent (``Scope.respondent_countries``).
    """
    if user.role == "admin":
        return list(survey.waves), None
    author = can_edit_survey(user, survey)
    coordinator = user.role == "coordinator"
    scope = coordinated_scope(user)
    waves = []
    for wave in survey.waves:
        if wave.group_id is not None:
            seen = can_manage_group(user, db.session.get(TrainingGroup, wave.group_id))
        elif wave.workplace_id is not None:
            seen = (scope.holds(wave.workplace.country, wave.workplace.organisation_id) if coordinator
                    else author and can_see_workplace(user, wave.workplace))
        else:
            seen = (coordinator and scope.sees_course_waves) or author
        if seen:
            waves.append(wave)
    return waves, wave_countries(user)


def wave_countries(user: User) -> list[str] | None:
    """The countries whose responses ``user`` counts in the waves they see: a coordinator's own
    (``Scope.respondent_countries``); all (None) for anyone else, who sees only the waves of their own trainings
    and surveys (``visible_waves``)."""
    return coordinated_scope(user).respondent_countries() if user.role == "coordinator" else None


def seen_waves(user: User):
    """SQL condition on SurveyWave: the waves ``visible_waves`` gives ``user``, over every survey at once."""
    if not user.is_authenticated:
        return sa.false()
    if user.role == "admin":
        return sa.true()
    groups = SurveyWave.group_id.in_(sa.select(TrainingGroup.id).where(managed_groups(user)))
    if user.role == "coordinator":
        scope = coordinated_scope(user)
        workplaces = SurveyWave.workplace_id.in_(
            sa.select(Workplace.id).where(scope.where(Workplace.country, Workplace.organisation_id)))
        course_waves = SurveyWave.course_id.is_not(None) if scope.sees_course_waves else sa.false()
        return sa.or_(groups, workplaces, course_waves)
    authored = SurveyWave.survey_id.in_(sa.select(Survey.id).where(Survey.created_by_id == user.id))
    workplaces = SurveyWave.workplace_id.in_(sa.select(Workplace.id).where(visible_workplaces(user)))
    return sa.or_(groups, sa.and_(authored, sa.or_(workplaces, SurveyWave.course_id.is_not(None))))


def works_as_staff(user: User) -> bool:
    """Trainers, coordinators and admins: their work pages take a desktop's width (lms/core/templating.py)."""
    return has_role(user, SCOPED_ROLES)


#: Staff homes, the first ``user`` may visit first: where staff land after signing in, and "My work" in the menu.
STAFF_HOMES = ("reports.overview", "reports.today")


def staff_home(user: User) -> str | None:
    """The endpoint of ``user``'s home as staff (a coordinator's or admin's overview, a trainer's day); None for
    members, whose home is the portal's."""
    if not user.is_authenticated:
        return None
    return next((endpoint for endpoint in STAFF_HOMES if may_visit(user, endpoint)), None)
