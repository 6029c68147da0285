"""Configuration, health check, security headers and the demo accounts."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms import UnsafeConfiguration, create_app
from lms.config import Config, TestConfig
from lms.extensions import db
from lms.models import Enrolment, Survey, TrainingGroup, User
from tests.helpers import sign_in


@pytest.mark.parametrize("key", ["", "short", "change-me"])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    class Production(Config):
        APP_ENV = "production"
        SECRET_KEY = key

    with pytest.raises(UnsafeConfiguration):
        create_app(Production)


def test_production_starts_with_a_real_secret_key_and_secure_cookies():
    class Production(Config):
        APP_ENV = "production"
        SECRET_KEY = "x" * 64
        PSEUDONYM_KEY = "y" * 64
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
        PUBLIC_URL = "https://portal.example.org"
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    app = create_app(Production)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_production_refuses_to_start_without_the_portals_https_address():
    """Links in e-mails (a forgotten password) would otherwise point at the default http://127.0.0.1:5000."""
    class Production(Config):
        APP_ENV = "production"
        SECRET_KEY = "x" * 64
        PSEUDONYM_KEY = "y" * 64
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    with pytest.raises(UnsafeConfiguration, match="PUBLIC_URL"):
        create_app(Production)


def test_production_refuses_to_start_without_a_pseudonym_key():
    class Production(Config):
        APP_ENV = "production"
        SECRET_KEY = "x" * 64
        PSEUDONYM_KEY = ""

    with pytest.raises(UnsafeConfiguration, match="PSEUDONYM_KEY"):
        create_app(Production)


def test_development_without_a_pseudonym_key_makes_a_secret_one_in_the_instance_folder(tmp_path, monkeypatch):
    """`make run` sealed answers and made pseudonyms with a key written in the source code, which anyone could read."""
    monkeypatch.setattr("lms.INSTANCE_DIR", tmp_path / "instance")

    class Development(TestConfig):
        PSEUDONYM_KEY = ""

    first, second = create_app(Development), create_app(Development)
    key = first.config["PSEUDONYM_KEY"]
    assert re.fullmatch(r"[0-9a-f]{64}", key), "a random key"
    assert second.config["PSEUDONYM_KEY"] == key, "every process of one instance seals with one key"
    assert (tmp_path / "instance" / "pseudonym.key").stat().st_mode & 0o077 == 0, "readable by its owner only"
    monkeypatch.setattr("lms.INSTANCE_DIR", tmp_path / "elsewhere")
    assert create_app(Development).config["PSEUDONYM_KEY"] != key


def test_healthz_answers_with_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    class Broken(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing/dir/db.sqlite"

    response = create_app(Broken).test_client().get("/healthz")
    assert response.status_code == 503


def test_pages_carry_a_strict_content_security_policy(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_script_or_style():
    from tests.helpers import ROOT

    for template in (ROOT / "lms" / "templates").rglob("*.html"):
        text = template.read_text()
        assert "<script>" not in text and "<style" not in text and " style=" not in text, template


def test_demo_creates_the_accounts_with_progress(app, app_ctx, library):
    result = app.test_cli_runner().invoke(args=["demo", "--password", "demo pass 1"])
    assert result.exit_code == 0, result.output
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert set(users) == {"demo-member", "demo-trainer", "demo-coordinator", "demo-admin"}
    assert users["demo-coordinator"].role == "coordinator"
    assert users["demo-coordinator"].country_scope == ["PE"]
    assert db.session.scalar(select(Enrolment.user_id)) == users["demo-member"].id
    client = app.test_client()
    assert sign_in(client, "demo-member", "demo pass 1").status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Continue where you left off" in home and "A survey is waiting for you" in home
    assert "(demo)" in client.get("/groups").get_data(as_text=True)
    trainer = app.test_client()
    sign_in(trainer, "demo-trainer", "demo pass 1")
    assert "Social dialogue at work" in trainer.get("/author/").get_data(as_text=True)
    results = trainer.get("/surveys/manage/dialogue-at-work/results").get_data(as_text=True)
    assert re.search(r"(10|15) responses", results) and "Workers who say management listens" not in results
    coordinator = app.test_client()
    sign_in(coordinator, "demo-coordinator", "demo pass 1")
    results = coordinator.get("/surveys/manage/dialogue-at-work/results").get_data(as_text=True)
    assert "Workers who say management listens" in results and re.search(r"\((10|15) pairs\)", results)  # 12
    assert "(demo)" in coordinator.get("/groups").get_data(as_text=True)
    assert "Demo Hotel Miraflores" in coordinator.get("/workplaces").get_data(as_text=True)


def test_demo_runs_twice_and_takes_the_new_password(app, app_ctx, library):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "--password", "first pass 1"])
    result = runner.invoke(args=["demo", "--password", "second pass 2"])
    assert result.exit_code == 0
    assert db.session.scalar(select(db.func.count(User.id))) == 4
    assert db.session.scalar(select(db.func.count(TrainingGroup.id))) == 1
    assert db.session.scalar(select(db.func.count(Survey.id))) == 2
    client = app.test_client()
    assert sign_in(client, "demo-admin", "first pass 1").status_code == 200
    assert sign_in(client, "demo-admin", "second pass 2").status_code == 302


def test_demo_generates_and_prints_a_password(app, app_ctx):
    result = app.test_cli_runner().invoke(args=["demo"], env={"DEMO_PASSWORD": ""})
    assert result.exit_code == 0
    assert "Password: " in result.output and "generated" in result.output


def test_demo_refuses_production(app_ctx):
    from lms.demo.accounts import DemoRefused, create_demo_accounts

    with pytest.raises(DemoRefused):
        create_demo_accounts("pw", app_env="production")
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_no_web_fonts_system_fonts_render_every_script():
    from tests.helpers import ROOT

    css = (ROOT / "lms" / "static" / "site.css").read_text()
    assert "@font-face" not in css and "@import" not in css
    assert "system-ui" in css
