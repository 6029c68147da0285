"""Every view states who may use it through one of the guards, and the guards refuse everyone else.

What each route answers to each kind of caller, object and country included, is in
tests/test_route_policy.py.
"""
from __future__ import annotations

import pytest
from flask import Blueprint

from lms import clock, create_app
from lms.permissions import public, roles, signed_in
from lms.vocabulary import ROLES
from tests.helpers import sign_in


def test_every_endpoint_states_its_access(app):
    undeclared = [
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "access")
    ]
    assert undeclared == []


@pytest.fixture(scope="module")
def guarded_app(tmp_path_factory):
    """An app with one view for each kind of guard, to test the guards themselves."""
    from lms.config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path_factory.mktemp('guards') / 'g.sqlite'}"

    app = create_app(Config)
    bp = Blueprint("guarded", __name__)
    bp.add_url_rule("/g/public", "public", public(lambda: "ok"))
    bp.add_url_rule("/g/signed-in", "signed_in", signed_in(lambda: "ok"))
    bp.add_url_rule("/g/trainers", "trainers", roles("trainer")(lambda: "ok"))
    bp.add_url_rule("/g/coordinators", "coordinators", roles("coordinator")(lambda: "ok"))
    app.register_blueprint(bp)
    from lms.auth.services import create_user
    from lms.database.migrations import upgrade
    from lms.extensions import db
    from lms.privacy.services import give_consent
    from tests.helpers import ROOT

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        for role in ROLES:
            user = create_user(username=f"g-{role}", password="password 123", display_name=role, country="PE",
                               gender="woman", role=role)
            give_consent(user, "membership")
        db.session.commit()
    return app


@pytest.mark.parametrize("path, allowed", [
    ("/g/public", set(ROLES)),
    ("/g/signed-in", set(ROLES)),
    ("/g/trainers", {"trainer", "admin"}),
    ("/g/coordinators", {"coordinator", "admin"}),
])
def test_role_guards_admit_only_their_roles(guarded_app, path, allowed):
    for role in ROLES:
        client = guarded_app.test_client()
        sign_in(client, f"g-{role}", "password 123")
        status = client.get(path).status_code
        assert (status == 200) == (role in allowed), (role, status)
        if role not in allowed:
            assert status == 403
    assert guarded_app.test_client().get(path).status_code == (200 if path == "/g/public" else 302)


def test_unknown_role_is_a_programming_error():
    with pytest.raises(ValueError):
        roles("janitor")


# The rules outside the guards: each one once in lms/permissions.py, its Python and SQL forms answering alike.
# The world: a Benin training of trainers, a Peruvian group and a Kenyan group of a Beninese union; the same
# three places as workplaces; callers of every role, a coordinator outside Benin and one of the union.

CALLERS = ("visitor", "participant", "trainer", "other_trainer", "union_trainer", "coordinator",
           "other_coordinator", "union_coordinator", "admin")


@pytest.fixture
def world(library, create_user):

    from flask_login import AnonymousUserMixin

    from lms.author.services import add_editor
    from lms.extensions import db
    from lms.groups import services as groups
    from lms.learn.services import find_course
    from lms.models import CoordinatorOrganisation, Organisation
    from lms.surveys.building import create_workplace
    from tests.helpers import BUNDLED_COURSE

    union = Organisation(name="Hotel workers", acronym="HW", country="BJ", sector="hotels")
    db.session.add(union)
    db.session.flush()
    users = {
        "visitor": AnonymousUserMixin(),
        "participant": create_user("participant", country="BJ"),
        "trainer": create_user("trainer", role="trainer", country="BJ"),
        "other_trainer": create_user("other-trainer", role="trainer", country="PE"),
        "union_trainer": create_user("union-trainer", role="trainer", country="PE", organisation_id=union.id),
        "coordinator": create_user("coordinator", role="coordinator", country="BJ", coordinated_countries=["BJ"]),
        "other_coordinator": create_user("other-coordinator", role="coordinator", coordinated_countries=["PE"]),
        "union_coordinator": create_user("union-coordinator", role="coordinator", coordinated_countries=["PE"]),
        "admin": create_user("admin", role="admin"),
    }
    db.session.add(CoordinatorOrganisation(user_id=users["union_coordinator"].id, organisation_id=union.id))
    course = find_course(BUNDLED_COURSE)
    add_editor(course, users["trainer"])
    today = clock.today()

    def group(name, trainer, country, **fields):
        return groups.create_group(trainer=users[trainer], course=course, name=name, country=country, place=None,
                                   mode="in-person", starts_on=today, ends_on=today, **fields)

    made = {"benin": group("Cotonou", "trainer", "BJ", trains_trainers=True),
            "peru": group("Lima", "other_trainer", "PE"),
            "kenya-union": group("Nairobi", "other_trainer", "KE", organisation_id=union.id)}
    groups.add_member(made["benin"], users["participant"])
    places = {name: create_workplace(name=name, sector="hotels", country=country,
                                     organisation_id=union.id if name == "kenya-union" else None)
              for name, country in (("benin", "BJ"), ("peru", "PE"), ("kenya-union", "KE"))}
    db.session.commit()
    return users, made, places, course


def test_each_caller_manages_the_groups_of_their_scope_and_the_list_shows_those_and_their_own(world):
    from sqlalchemy import select

    from lms.extensions import db
    from lms.models import TrainingGroup
    from lms.permissions import can_manage_group, can_see_group, managed_groups, visible_groups

    users, groups, _, _ = world
    manages = {"visitor": set(), "participant": set(), "trainer": {"benin"}, "other_trainer": {"peru", "kenya-union"},
               "union_trainer": set(), "coordinator": {"benin"}, "other_coordinator": {"peru"},
               "union_coordinator": {"peru", "kenya-union"}, "admin": {"benin", "peru", "kenya-union"}}
    member_of = {"participant": {"benin"}}
    names = {group.id: name for name, group in groups.items()}
    for who, expected in manages.items():
        user = users[who]
        assert {name for name, group in groups.items() if can_manage_group(user, group)} == expected, who
        sql = {names[i] for i in db.session.scalars(select(TrainingGroup.id).where(managed_groups(user)))}
        assert sql == expected, who
        listed = {names[i] for i in db.session.scalars(select(TrainingGroup.id).where(visible_groups(user)))}
        assert listed == expected | member_of.get(who, set()), who
        assert {name for name, group in groups.items() if can_see_group(user, group)} == listed, who


def test_each_caller_sees_the_workplaces_of_their_scope(world):
    from sqlalchemy import select

    from lms.extensions import db
    from lms.models import Workplace
    from lms.permissions import can_see_workplace, visible_workplaces

    users, _, places, _ = world
    sees = {"visitor": set(), "participant": set(), "trainer": {"benin"}, "other_trainer": {"peru"},
            "union_trainer": {"peru", "kenya-union"}, "coordinator": {"benin"}, "other_coordinator": {"peru"},
            "union_coordinator": {"peru", "kenya-union"}, "admin": {"benin", "peru", "kenya-union"}}
    names = {place.id: name for name, place in places.items()}
    for who, expected in sees.items():
        user = users[who]
        assert {name for name, place in places.items() if can_see_workplace(user, place)} == expected, who
        sql = {names[i] for i in db.session.scalars(select(Workplace.id).where(visible_workplaces(user)))}
        assert sql == expected, who


def test_trainers_and_admins_write_courses_and_edit_those_they_are_editors_of(world):
    from sqlalchemy import select

    from lms.extensions import db
    from lms.models import Course
    from lms.permissions import can_edit_course, can_read_course, edited_courses, readable_courses, writes_courses

    users, _, _, course = world
    course.published = False  # a draft: read only by its editors and admins
    db.session.flush()
    every_course = set(db.session.scalars(select(Course.id)))
    assert len(every_course) > 1
    edits = {"visitor": set(), "participant": set(), "trainer": {course.id}, "other_trainer": set(),
             "union_trainer": set(), "coordinator": set(), "other_coordinator": set(), "union_coordinator": set(),
             "admin": every_course}
    for who, expected in edits.items():
        user = users[who]
        assert writes_courses(user) == (who in ("trainer", "other_trainer", "union_trainer", "admin")), who
        assert {c.id for c in db.session.scalars(select(Course)) if can_edit_course(user, c)} == expected, who
        assert set(db.session.scalars(select(Course.id).where(edited_courses(user)))) == expected, who
        published = every_course - {course.id}
        readable = {c.id for c in db.session.scalars(select(Course)) if can_read_course(user, c)}
        assert readable == published | expected, who
        assert set(db.session.scalars(select(Course.id).where(readable_courses(user)))) == readable, who


def test_only_members_change_their_own_country_and_organisation(world):
    from lms.permissions import may_change_own_scope

    users = world[0]
    for who in CALLERS[1:]:
        assert may_change_own_scope(users[who]) == (who == "participant"), who


def test_only_coordinators_and_admins_managing_a_training_of_trainers_promote_its_participants(world):
    from lms.permissions import can_be_made_trainer, can_promote

    users, groups, _, _ = world
    promoters = {"coordinator", "admin"}  # the Beninese trainer runs it, a Peruvian coordinator is outside it
    for who in CALLERS:
        assert can_promote(users[who], groups["benin"]) == (who in promoters), who
        assert not can_promote(users[who], groups["peru"]), who  # not a training of trainers
    for who in CALLERS[1:]:
        assert can_be_made_trainer(users[who], groups["benin"]) == (who == "participant"), who
        assert not can_be_made_trainer(users[who], groups["peru"]), who


def test_each_caller_resets_the_passwords_of_the_people_they_look_after(world, create_user):
    """Admins: anyone but themselves; coordinators: participants and trainers of their countries or unions; a group's
    trainer (and its coordinators): the participants who are members of it. Never an erased account."""
    from lms.extensions import db
    from lms.permissions import can_reset_password
    from lms.privacy.services import erase_account

    users = world[0]
    people = {**{who: users[who] for who in CALLERS[1:]},
              "stranger": create_user("stranger", country="PE"),
              "union_member": create_user("union-member", country="KE",
                                          organisation_id=users["union_trainer"].organisation_id),
              "erased": create_user("erased", country="BJ")}
    erase_account(people["erased"])
    db.session.commit()
    may = {
        "visitor": set(), "participant": set(), "other_trainer": set(), "union_trainer": set(),
        "trainer": {"participant"},  # the member of her group, not a trainer of her country
        "coordinator": {"participant", "trainer"},
        "other_coordinator": {"other_trainer", "union_trainer", "stranger"},
        "union_coordinator": {"other_trainer", "union_trainer", "stranger", "union_member"},
        "admin": set(people) - {"admin", "erased"},
    }
    for who, expected in may.items():
        allowed = {name for name, person in people.items() if can_reset_password(users[who], person)}
        assert allowed == expected, who


def test_only_admins_administer_others_and_never_an_erased_account(world, create_user):
    from lms.extensions import db
    from lms.permissions import can_administer
    from lms.privacy.services import erase_account

    users = world[0]
    erased = create_user("erased")
    erase_account(erased)
    db.session.commit()
    for who in CALLERS:
        for target in CALLERS[1:]:
            assert can_administer(users[who], users[target]) == (who == "admin" and target != "admin"), (who, target)
        assert not can_administer(users[who], erased), who


def test_a_trainer_made_participant_again_no_longer_manages_the_groups_they_ran(world):
    from sqlalchemy import select

    from lms.extensions import db
    from lms.models import TrainingGroup
    from lms.permissions import can_manage_group, can_reset_password, managed_groups

    users, groups, _, _ = world
    trainer = users["trainer"]
    trainer.role = "participant"
    db.session.flush()
    assert not can_manage_group(trainer, groups["benin"])
    assert db.session.scalars(select(TrainingGroup.id).where(managed_groups(trainer))).all() == []
    assert not can_reset_password(trainer, users["participant"])


@pytest.mark.parametrize("endpoint, allowed", [
    ("learn.catalogue", set(ROLES) | {"visitor"}),
    ("groups.list_groups", set(ROLES)),
    ("surveys.list_surveys", {"trainer", "coordinator", "admin"}),
    ("author.index", {"trainer", "admin"}),
    ("groups.new_group", {"trainer", "admin"}),
    ("reports.show_dashboard", {"coordinator", "admin"}),
    ("groups.promote", {"coordinator", "admin"}),
    ("reports.export_xapi", {"admin"}),
    ("admin.audit_log", {"admin"}),
    ("admin.list_people", {"coordinator", "admin"}),
    ("people.reset_password", {"trainer", "coordinator", "admin"}),
])
def test_may_visit_answers_as_the_guard_of_the_endpoint(world, endpoint, allowed):
    from lms.permissions import may_visit

    users = world[0]
    for who in ("visitor", *ROLES):
        assert may_visit(users[who], endpoint) == (who in allowed), who


def test_the_menu_offers_each_role_the_pages_its_guards_open(world, app):
    menu = {"/surveys/manage": {"trainer", "coordinator", "admin"}, "/author/": {"trainer", "admin"},
            "/reports": {"coordinator", "admin"}, "/admin/organisations": {"admin"}, "/admin/audit": {"admin"},
            "/admin/people": {"coordinator", "admin"}}
    for role in ROLES:
        client = app.test_client()
        sign_in(client, role)
        page = client.get("/my-learning").get_data(as_text=True)
        offered = {path for path in menu if f'href="{path}"' in page}
        assert offered == {path for path, roles_ in menu.items() if role in roles_}, role
        for path in menu:
            assert (client.get(path).status_code == 200) == (path in offered), (role, path)


def test_each_caller_asks_edits_and_reads_surveys_within_the_rules(world, make_survey):
    """Who asks a survey of a whole course, edits it, reads its figures, and for which countries."""
    from lms.permissions import can_ask_course, can_edit_survey, can_read_figures, coordinated_scope

    users, _, _, course = world
    named = make_survey(code="evaluation", privacy="identified", creator=users["other_trainer"])
    nameless = make_survey(code="voice", privacy="anonymous", creator=users["union_coordinator"])
    coordinators = {"coordinator": ["BJ"], "other_coordinator": ["PE"], "union_coordinator": ["PE"]}
    for who in CALLERS[1:]:
        user = users[who]
        scope = coordinated_scope(user)
        assert (None if scope.everything else sorted(scope.countries)) == (
            {**coordinators, "admin": None}).get(who, []), who
        assert can_ask_course(user, named, course) == (who in ("trainer", "admin")), who  # the course's editors
        assert can_ask_course(user, nameless, course) == (who == "admin"), who
        assert can_read_figures(user, named), who  # identified answers promise no anonymity
        assert can_read_figures(user, nameless) == (who in coordinators or who == "admin"), who
        assert can_edit_survey(user, named) == (who in ("other_trainer", "admin")), who
        assert can_edit_survey(user, nameless) == (who in ("union_coordinator", "admin")), who


def test_the_people_list_shows_admins_everyone_and_coordinators_the_people_whose_passwords_they_reset(world):
    """``listed_people`` (SQL) lists for a coordinator exactly the accounts of their scope that
    ``can_reset_password`` lets them reset by its first rule; nobody else lists anyone."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.models import User
    from lms.permissions import listed_people

    users = world[0]
    named = {user.id: who for who, user in users.items() if who != "visitor"}
    listed = {who: {named[i] for i in db.session.scalars(select(User.id).where(listed_people(users[who])))}
              for who in CALLERS}
    assert listed["admin"] == set(named.values())
    assert listed["coordinator"] == {"participant", "trainer"}
    assert listed["union_coordinator"] == {"other_trainer", "union_trainer"}  # Peru, and the union's
    assert listed["other_coordinator"] == {"other_trainer", "union_trainer"}
    for who in ("visitor", "participant", "trainer", "other_trainer", "union_trainer"):
        assert listed[who] == set(), who
