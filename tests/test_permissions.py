"""Every view states who may use it, and everyone else is refused."""
from __future__ import annotations

import pytest
from flask import Blueprint

from lms import create_app
from lms.models import ROLES
from lms.permissions import public, roles, signed_in
from tests.conftest import csrf_token, sign_in

#: Endpoints that only signed-in accounts may use, with an example URL and method.
SIGNED_IN_ONLY = [
    ("GET", "/my-learning"),
    ("GET", "/profile"),
    ("POST", "/profile"),
    ("POST", "/profile/password"),
    ("POST", "/courses/social-dialogue-at-work/start"),
    ("POST", "/courses/social-dialogue-at-work/lessons/who-takes-part/done"),
    ("GET", "/courses/social-dialogue-at-work/modules/what-and-who/quiz"),
    ("POST", "/courses/social-dialogue-at-work/modules/what-and-who/quiz"),
    ("GET", "/courses/social-dialogue-at-work/modules/what-and-who/quiz/result"),
    ("GET", "/courses/social-dialogue-at-work/offline.json"),
    ("GET", "/sync/token"),
    ("POST", "/sync"),
    ("GET", "/first-password"),
    ("POST", "/first-password"),
    ("GET", "/groups"),
    ("GET", "/groups/new"),
    ("POST", "/groups/new"),
    ("GET", "/groups/1"),
    ("GET", "/groups/1/code"),
    ("GET", "/join"),
    ("POST", "/join"),
    ("GET", "/join/ABCDEF"),
    ("POST", "/join/ABCDEF"),
    ("GET", "/groups/1/members/bulk"),
    ("POST", "/groups/1/members/bulk"),
    ("POST", "/groups/1/sessions"),
    ("GET", "/groups/1/paper-scores/what-and-who"),
    ("POST", "/groups/1/paper-scores/what-and-who"),
    ("POST", "/groups/1/members/2/promote"),
    ("POST", "/groups/1/waves"),
    ("GET", "/certificates/1"),
    ("GET", "/surveys"),
    ("GET", "/surveys/invitations/1"),
    ("POST", "/surveys/invitations/1"),
    ("GET", "/surveys/invitations/1/answer"),
    ("POST", "/surveys/invitations/1/answer"),
    ("POST", "/surveys/workers-voice/withdraw"),
]

S = "/surveys/manage/workers-voice"
#: Trainers and coordinators (and admins): building surveys, their results, workplaces. Which survey,
#: group or country each may reach is tested in tests/surveys.
STAFF_ONLY = [
    ("GET", "/surveys/manage"),
    ("GET", "/surveys/manage/new"),
    ("POST", "/surveys/manage/new"),
    ("POST", "/surveys/manage/import"),
    ("GET", S),
    ("POST", f"{S}/questions"),
    ("GET", f"{S}/questions/safe"),
    ("POST", f"{S}/questions/safe"),
    ("POST", f"{S}/questions/safe/delete"),
    ("POST", f"{S}/questions/safe/move"),
    ("POST", f"{S}/publish"),
    ("POST", f"{S}/discard"),
    ("POST", f"{S}/responses"),
    ("POST", f"{S}/waves"),
    ("POST", f"{S}/indicators"),
    ("GET", f"{S}/texts/en"),
    ("POST", f"{S}/texts/en"),
    ("GET", f"{S}/results"),
    ("GET", f"{S}/xlsform.xlsx"),
    ("GET", "/workplaces"),
    ("POST", "/workplaces"),
    ("GET", "/workplaces/1"),
    ("GET", "/workplaces/1/waves/1/collect"),
    ("POST", "/workplaces/1/waves/1/collect"),
]


C = "/author/courses/social-dialogue-at-work"
#: Endpoints for trainers (and admins) only; ownership of the course is tested in tests/author.
TRAINER_ONLY = [
    ("GET", "/author/"),
    ("GET", "/author/import"),
    ("POST", "/author/import"),
    ("GET", f"{C}/export.zip"),
    ("GET", "/author/courses/new"),
    ("POST", "/author/courses/new"),
    ("GET", C),
    ("GET", f"{C}/texts/en"),
    ("POST", f"{C}/texts/en"),
    ("POST", f"{C}/publish"),
    ("POST", f"{C}/editors"),
    ("POST", f"{C}/review-rule"),
    ("POST", f"{C}/modules"),
    ("POST", f"{C}/modules/what-and-who/lessons"),
    ("POST", f"{C}/modules/what-and-who/title"),
    ("POST", f"{C}/modules/what-and-who/move"),
    ("POST", f"{C}/lessons/who-takes-part/move"),
    ("GET", f"{C}/lessons/who-takes-part"),
    ("POST", f"{C}/lessons/who-takes-part"),
    ("GET", f"{C}/lessons/who-takes-part/history"),
    ("POST", f"{C}/lessons/who-takes-part/history/1/restore"),
    ("POST", f"{C}/images"),
    ("POST", f"{C}/preview"),
    ("GET", f"{C}/modules/what-and-who/quiz"),
    ("POST", f"{C}/modules/what-and-who/quiz"),
    ("GET", f"{C}/modules/what-and-who/questions/new"),
    ("POST", f"{C}/modules/what-and-who/questions/new"),
    ("GET", f"{C}/modules/what-and-who/questions/definition"),
    ("POST", f"{C}/modules/what-and-who/questions/definition"),
    ("POST", f"{C}/modules/what-and-who/questions/definition/delete"),
    ("GET", f"{C}/translate/fr"),
    ("GET", f"{C}/translate/fr/lessons/who-takes-part"),
    ("POST", f"{C}/translate/fr/lessons/who-takes-part"),
    ("POST", f"{C}/translate/fr/lessons/who-takes-part/review"),
    ("GET", f"{C}/translate/fr/modules/what-and-who"),
    ("POST", f"{C}/translate/fr/modules/what-and-who"),
]


#: Coordinators (their countries) and administrators: reports.
COORDINATOR_ONLY = [("GET", "/reports"), ("GET", "/reports/by_country.csv")]

#: Administrators only.
ADMIN_ONLY = [("GET", "/admin/organisations"), ("POST", "/admin/organisations"), ("GET", "/reports/iati.xml"),
              ("GET", "/reports/xapi.json"), ("GET", "/admin/audit")]


def as_rule(path: str) -> str:
    for value, name in (("social-dialogue-at-work", "<slug>"), ("who-takes-part", "<lesson>"),
                        ("what-and-who", "<module>"), ("/definition", "/<question>"),
                        ("/history/1/", "/history/<int:number>/")):
        path = path.replace(value, name)
    path = path.replace("/groups/1", "/groups/<int:group_id>").replace("/members/2/", "/members/<int:user_id>/")
    path = path.replace("/certificates/1", "/certificates/<int:course_id>").replace("/join/ABCDEF", "/join/<code>")
    path = path.replace("/surveys/invitations/1", "/surveys/invitations/<int:invitation_id>")
    path = path.replace("/surveys/workers-voice/", "/surveys/<code>/").replace(S, "/surveys/manage/<code>")
    path = path.replace("/questions/safe", "/questions/<question>").replace("/waves/1/", "/waves/<int:wave_id>/")
    path = path.replace("/workplaces/1", "/workplaces/<int:workplace_id>")
    path = path.replace("/reports/by_country.csv", "/reports/<table>.<extension>")
    return path.replace("/texts/en", "/texts/<language>").replace("/translate/fr", "/translate/<language>")


def test_every_endpoint_states_its_access(app):
    undeclared = [
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "access")
    ]
    assert undeclared == []


def test_signed_in_endpoints_are_listed_here(app):
    """A new signed-in view must be added to SIGNED_IN_ONLY, so that its refusal is tested."""
    declared = {rule.rule for rule in app.url_map.iter_rules()
                if getattr(app.view_functions[rule.endpoint], "access", "public") != "public"}
    listed = {as_rule(path) for _, path in SIGNED_IN_ONLY + TRAINER_ONLY + STAFF_ONLY + COORDINATOR_ONLY + ADMIN_ONLY}
    assert declared == listed


@pytest.mark.parametrize("method, path", SIGNED_IN_ONLY)
def test_anonymous_visitors_are_sent_to_sign_in(client, library, method, path):
    data = {"csrf_token": csrf_token(client, "/sign-in")} if method == "POST" else None
    response = client.open(path, method=method, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("method, path", TRAINER_ONLY)
def test_authoring_refuses_anonymous_visitors_participants_and_coordinators(app, client, create_user, library,
                                                                          method, path):
    def call(who, token_page):
        data = {"csrf_token": csrf_token(who, token_page)} if method == "POST" else None
        return who.open(path, method=method, data=data)

    assert call(client, "/sign-in").status_code == 302
    for role in ("participant", "coordinator"):
        create_user(f"x-{role}", role=role)
        signed = app.test_client()
        sign_in(signed, f"x-{role}")
        assert call(signed, "/").status_code == 403, role


@pytest.mark.parametrize("method, path", STAFF_ONLY)
def test_survey_building_refuses_anonymous_visitors_and_participants(app, client, create_user, method, path):
    data = {"csrf_token": csrf_token(client, "/sign-in")} if method == "POST" else None
    response = client.open(path, method=method, data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    create_user("z-participant", role="participant")
    signed = app.test_client()
    sign_in(signed, "z-participant")
    data = {"csrf_token": csrf_token(signed, "/")} if method == "POST" else None
    assert signed.open(path, method=method, data=data).status_code == 403


@pytest.mark.parametrize("method, path", COORDINATOR_ONLY)
def test_reports_refuse_everyone_but_coordinators_and_admins(app, client, create_user, method, path):
    assert client.open(path, method=method).status_code == 302
    for role in ("participant", "trainer"):
        create_user(f"r-{role}", role=role)
        signed = app.test_client()
        sign_in(signed, f"r-{role}")
        assert signed.open(path, method=method).status_code == 403, role


@pytest.mark.parametrize("method, path", ADMIN_ONLY)
def test_administration_refuses_everyone_but_admins(app, client, create_user, method, path):
    data = {"csrf_token": csrf_token(client, "/sign-in")} if method == "POST" else None
    assert client.open(path, method=method, data=data).status_code == 302
    for role in ("participant", "trainer", "coordinator"):
        create_user(f"y-{role}", role=role)
        signed = app.test_client()
        sign_in(signed, f"y-{role}")
        data = {"csrf_token": csrf_token(signed, "/")} if method == "POST" else None
        assert signed.open(path, method=method, data=data).status_code == 403, role


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
    from flask_migrate import upgrade

    from lms.auth.services import create_user
    from lms.extensions import db
    from tests.conftest import ROOT

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        for role in ROLES:
            create_user(username=f"g-{role}", password="password 123", display_name=role, country="PE",
                        gender="woman", role=role)
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
