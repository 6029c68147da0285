"""The training portal: ``create_app`` reads like a table of contents."""
from __future__ import annotations

import secrets

from flask import Flask

from lms.config import INSTANCE_DIR, Config

#: The feature packages, lowest first. A feature imports only features before it; it reacts to those after it
#: through the signals of lms/signals.py, which they send without importing it. Below every feature: the
#: shared packages and the root modules (signals, permissions, disclosure...), which import no feature.
#: Above them all: this factory and the packages that wire features together. tests/test_layers.py holds the
#: code to this; a new package is placed here.
FEATURES = ("content", "messaging", "auth", "surveys", "learn", "author", "translate", "groups", "privacy", "reports",
            "admin")
SHARED_PACKAGES = ("core", "models", "database", "files", "i18n")
#: The modules at the root of lms/ besides this factory: shared by every feature, importing none.
SHARED_MODULES = ("config", "extensions", "permissions", "signals", "clock", "vocabulary", "disclosure")
WIRING_PACKAGES = ("demo", "jobs")


def create_app(config: type[Config] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(config or Config)
    check_config(app)
    register_logging(app)
    register_proxies(app)
    register_extensions(app)
    register_input_checks(app)
    register_blueprints(app)
    register_receivers(app)
    register_throttles(app)
    register_cli(app)
    register_errors(app)
    register_security_headers(app)
    register_delivery(app)
    return app


class UnsafeConfiguration(RuntimeError):
    """The app refuses to start as configured."""


def check_config(app: Flask) -> None:
    key = app.config.get("SECRET_KEY") or ""
    if app.config["RELEASE_EVERY_DAYS"] < 1:
        raise UnsafeConfiguration("RELEASE_EVERY_DAYS must be 1 or more: survey answers are published every that "
                                  "many days (docs/privacy.md)")
    if app.config["SMS_GATEWAY"] not in ("", "kannel", "http"):
        raise UnsafeConfiguration('SMS_GATEWAY must be "kannel", "http" or empty (no SMS): docs/deploy.md, "SMS"')
    from lms.messaging import prices

    try:
        prices.check(app.config)
    except prices.BadPrices as error:
        raise UnsafeConfiguration(f'{error}: docs/deploy.md, "SMS"') from error
    from lms.reports import iati_settings

    try:
        iati_settings.read(app.config)
    except iati_settings.BadSettings as error:
        raise UnsafeConfiguration(f'{error}\n(docs/reports.md, "IATI")') from error
    if app.config["APP_ENV"] == "production":
        if len(key) < 32 or key in ("dev", "change-me", "secret"):
            raise UnsafeConfiguration(
                "APP_ENV=production needs SECRET_KEY set to a random value of 32 characters or more, "
                "for example: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        if len(app.config.get("PSEUDONYM_KEY") or "") < 32:
            raise UnsafeConfiguration("APP_ENV=production needs PSEUDONYM_KEY set to a random value of 32 characters "
                                      "or more; keep it: survey pseudonyms are made with it")
        if app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
            raise UnsafeConfiguration("APP_ENV=production needs RATELIMIT_STORAGE_URI set to a shared store, for "
                                      "example redis://127.0.0.1:6379/0, so that every worker counts failed "
                                      "sign-ins together")
        if not app.config["PUBLIC_URL"].startswith("https://"):
            raise UnsafeConfiguration("APP_ENV=production needs PUBLIC_URL set to the portal's https:// address: "
                                      "links in e-mails (a forgotten password, survey reminders) point there")
        if app.config["SMS_GATEWAY"] and len(app.config["SMS_CALLBACK_SECRET"]) < 32:
            raise UnsafeConfiguration("APP_ENV=production with SMS_GATEWAY needs SMS_CALLBACK_SECRET set to a random "
                                      "value of 32 characters or more: delivery reports and incoming SMS are taken "
                                      "only with it")
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
        # "__Host-": the browser takes the cookie only over HTTPS, for this host and the whole site.
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        app.config["REMEMBER_COOKIE_NAME"] = "__Host-remember"
        app.config["DEVICE_COOKIE_NAME"] = "__Host-device"
    else:
        if not key:
            # Development without a key: sessions last as long as this process.
            app.config["SECRET_KEY"] = secrets.token_hex(32)
        app.config["PSEUDONYM_KEY"] = app.config.get("PSEUDONYM_KEY") or instance_pseudonym_key(app)


def instance_pseudonym_key(app: Flask) -> str:
    """Without PSEUDONYM_KEY outside production: a random key kept in the instance folder (``pseudonym.key``,
    readable by its owner only), made by the first process that needs it, so that the web server, the scheduler
    and the CLI seal and pair with one key that survives a restart and that no one else knows."""
    import os
    from pathlib import Path

    path = Path(app.instance_path) / "pseudonym.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under another name, then linked: two processes starting at once end up with one key.
        draft = path.with_name(f".pseudonym.key.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if len(key) < 32:
        raise UnsafeConfiguration(f"{path} holds no key of 32 characters: delete it to make a new one (answers "
                                  "waiting in the survey pool and pseudonyms made with the old one are then lost)")
    return key


def register_logging(app: Flask) -> None:
    from lms.core import logs

    logs.register(app)


def register_proxies(app: Flask) -> None:
    """Behind nginx, trust its X-Forwarded-* headers (``TRUSTED_PROXIES`` of them), and only then."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    from lms.extensions import babel, csrf, db, login_manager
    from lms.i18n import remember_language_switch, select_locale

    db.init_app(app)
    from lms.database import postgresql, sqlite

    with app.app_context():
        sqlite.configure(db.engine)
        postgresql.configure(db.engine)
    from lms.database import storage

    storage.register()
    from lms.database import migrations

    migrations.register(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message_category = "info"
    from lms.auth import sessions

    login_manager.user_loader(sessions.load_user)
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to see this page.")
    sessions.register(app)  # first: the session is checked before anything reads current_user
    app.before_request(remember_language_switch)
    from lms.core.templating import register_template_helpers

    register_template_helpers(app)


def register_blueprints(app: Flask) -> None:
    from lms.admin.views import bp as admin
    from lms.admin.views import people
    from lms.auth.views import bp as auth
    from lms.author.views import bp as author
    from lms.core.views import bp as core
    from lms.groups.message_views import bp as group_messages
    from lms.groups.views import bp as groups
    from lms.learn.views import bp as learn
    from lms.messaging.callbacks import bp as sms
    from lms.privacy.views import bp as privacy
    from lms.reports.views import bp as reports
    from lms.surveys.views import bp as surveys
    from lms.translate.views import bp as translate

    app.register_blueprint(core)
    app.register_blueprint(auth)
    app.register_blueprint(learn)
    app.register_blueprint(author)
    app.register_blueprint(translate)
    app.register_blueprint(groups)
    app.register_blueprint(group_messages)
    app.register_blueprint(admin)
    app.register_blueprint(people)
    app.register_blueprint(surveys)
    app.register_blueprint(reports)
    app.register_blueprint(privacy)
    app.register_blueprint(sms)


def register_receivers(app: Flask) -> None:
    """The features that react to other features' signals (``lms/signals.py``): connected once per process, for
    the web app, the CLI, the scheduler and the tests alike."""
    from lms.auth import (
        audit_trail,  # noqa: F401 - account events in the audit log
        phone,  # noqa: F401 - a code sent back by SMS confirms the number; codes go with a number or an account
        sessions,  # noqa: F401 - sessions end when a password, contact or role changes
    )
    from lms.groups import receivers as groups  # noqa: F401 - certificates name the group's organisation
    from lms.messaging import keywords  # noqa: F401 - STOP and START by SMS; an erased account's messages
    from lms.privacy import receivers as privacy  # noqa: F401 - records the consent given at sign-up
    from lms.reports.summaries import forgetting  # noqa: F401 - an erasure takes the person out of the summaries
    from lms.surveys import receivers as surveys  # noqa: F401 - invitations as members enrol, complete, join;
    # reminders by e-mail


def register_throttles(app: Flask) -> None:
    """Limits on guessing passwords and codes, wrapped around the views that ask for them."""
    from lms.auth import throttle

    throttle.register(app)


def register_cli(app: Flask) -> None:
    """Each feature's `flask` commands, from its own commands.py."""
    from lms.admin.commands import orgs, users
    from lms.content.commands import content
    from lms.database.commands import backup, restore
    from lms.demo.commands import demo
    from lms.i18n.commands import catalogues
    from lms.jobs.commands import jobs
    from lms.reports.commands import reports
    from lms.surveys.commands import surveys
    from lms.translate.commands import translate

    for command in (content, catalogues, translate, demo, users, orgs, jobs, surveys, reports, backup, restore):
        app.cli.add_command(command)


def register_errors(app: Flask) -> None:
    from lms.core.errors import register

    register(app)


def register_input_checks(app: Flask) -> None:
    """Before the blueprints: their ``<int:...>`` URLs take the bounded converter."""
    from lms.core import inputs

    inputs.register(app)


def register_delivery(app: Flask) -> None:
    from lms.core import delivery

    delivery.register(app)


def register_security_headers(app: Flask) -> None:
    from lms.core.security import add_security_headers

    app.after_request(add_security_headers)
