"""Every view states who may use it through one of the guards, and the guards refuse everyone else.

What each route answers to each kind of caller, object and country included, is in
tests/test_route_policy.py.
"""
from __future__ import annotations

import pytest
from flask import Blueprint

from lms import create_app
from lms.models import ROLES
from lms.permissions import public, roles, signed_in
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
    from flask_migrate import upgrade

    from lms.auth.services import create_user
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
