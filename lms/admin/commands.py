"""The `flask orgs` and `flask users` commands: partner organisations and accounts."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.vocabulary import ROLES

orgs = AppGroup("orgs", help="Partner organisations (unions).")
users = AppGroup("users", help="Manage accounts.")


@orgs.command("add")
@click.argument("name")
@click.option("--acronym", required=True)
@click.option("--country", required=True, help="ISO code, e.g. PE.")
@click.option("--sector", required=True, help='e.g. "garment", "agriculture".')
def orgs_add(name: str, acronym: str, country: str, sector: str) -> None:
    """Add a partner organisation."""
    from lms.admin.services import add_organisation

    organisation = add_organisation(name=name, acronym=acronym, country=country, sector=sector)
    db.session.commit()
    click.echo(f"Added {organisation.acronym} (id {organisation.id}).")


@orgs.command("list")
def orgs_list() -> None:
    """List partner organisations with their ids."""
    from lms.models import Organisation

    for o in db.session.scalars(select(Organisation).order_by(Organisation.country, Organisation.acronym)):
        click.echo(f"{o.id}\t{o.country}\t{o.acronym}\t{o.name}\t{o.sector}")


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="participant")
@click.option("--country", required=True, help="ISO code of the country where the person works.")
@click.option("--name", "display_name", required=True)
@click.option("--coordinates", multiple=True, help="A country a coordinator looks after (repeatable).")
@click.option("--coordinates-org", "organisations", multiple=True, type=int,
              help="Id of an organisation a coordinator looks after (repeatable; see `orgs list`).")
@click.password_option()
def users_create(username: str, role: str, country: str, display_name: str,
                 coordinates: tuple[str, ...], organisations: tuple[int, ...], password: str) -> None:
    """Create an account (for staff; members sign up themselves)."""
    from lms.auth.services import create_user, identifier_taken, normalise_username

    if identifier_taken(username=normalise_username(username)):
        click.echo(f"The username {username!r} is taken.", err=True)
        sys.exit(1)
    from lms.auth.passwords import is_common

    if len(password) < 8 or is_common(password):
        click.echo("Choose another password: at least 8 characters, and not one of the most common.", err=True)
        sys.exit(1)
    from lms.models import CoordinatorOrganisation

    user = create_user(username=username, password=password, display_name=display_name, country=country.upper(),
                       gender="undisclosed", role=role, coordinated_countries=[c.upper() for c in coordinates])
    user.coordinated_organisations = [CoordinatorOrganisation(organisation_id=o) for o in organisations]
    db.session.commit()
    click.echo(f"Created {username} ({role}).")


@users.command("place")
@click.argument("username")
@click.option("--country", required=True, help="ISO code of the country where the person works.")
@click.option("--organisation", type=int, default=None,
              help="Id of their organisation (see `orgs list`); none if left out.")
def users_place(username: str, country: str, organisation: int | None) -> None:
    """Set USERNAME's country and organisation: for trainers, coordinators and administrators they decide what
    they see, so only an administrator changes them (here or on the person's page); written to the audit log."""
    from lms.auth.services import find_by_username, set_scope
    from lms.core import audit
    from lms.i18n import country_choices
    from lms.models import Organisation

    user = find_by_username(username)
    if user is None:
        click.echo(f"No account called {username!r}.", err=True)
        sys.exit(1)
    if country.upper() not in {code for code, _name in country_choices("en")}:
        click.echo(f"No country with the code {country!r}.", err=True)
        sys.exit(1)
    if organisation is not None and db.session.get(Organisation, organisation) is None:
        click.echo(f"No organisation with the id {organisation}.", err=True)
        sys.exit(1)
    changed = set_scope(user, country=country, organisation_id=organisation)
    audit.record("change scope", {"account": user.id, "fields": changed})
    db.session.commit()
    click.echo(f"{user.username}: {user.country}, organisation {user.organisation_id or 'none'}.")


@users.command("one-time-password")
@click.argument("username")
def users_one_time_password(username: str) -> None:
    """Give USERNAME a new one-time password (printed once), for a member whose one has expired; it works
    ONE_TIME_PASSWORD_DAYS, and the member chooses their own at sign-in. Their sessions end (audit log)."""
    from lms.auth.services import find_by_username, give_one_time_password, set_password
    from lms.core.codes import readable_code
    from lms.groups.services import PASSWORD_ALPHABET

    user = find_by_username(username)
    if user is None:
        click.echo(f"No account called {username!r}.", err=True)
        sys.exit(1)
    password = readable_code(8, PASSWORD_ALPHABET)
    set_password(user, password, by=None)  # "change password" in the audit log; every session ends
    give_one_time_password(user)
    db.session.commit()
    click.echo(f"One-time password of {user.username}: {password}")


@users.command("erase")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Erase without asking.")
def users_erase(username: str, yes: bool) -> None:
    """Erase USERNAME's personal data (members' right to erasure); written to the audit log."""
    from lms.auth.services import find_by_username
    from lms.privacy.services import erase_account

    user = find_by_username(username)
    if user is None:
        click.echo(f"No account called {username!r}.", err=True)
        sys.exit(1)
    if not yes:
        click.confirm(f"Erase {user.username} ({user.role})? This cannot be undone.", abort=True)
    tombstone = erase_account(user)  # the audit log and the end of its sessions follow its signal
    db.session.commit()
    click.echo(f"Erased; the account is now {tombstone}.")


@users.command("sign-out")
@click.argument("username")
def users_sign_out(username: str) -> None:
    """End every session of USERNAME on every device (a lost phone, a shared password); written to the audit log."""
    from lms.auth.services import find_by_username
    from lms.auth.session_store import end_sessions
    from lms.core import audit

    user = find_by_username(username)
    if user is None:
        click.echo(f"No account called {username!r}.", err=True)
        sys.exit(1)
    ended = end_sessions(user.id)
    audit.record("end sessions", {"account": user.id, "sessions": ended})
    db.session.commit()
    click.echo(f"Ended {ended} session(s) of {user.username}.")


@users.command("purge-inactive")
@click.option("--dry-run", is_flag=True, help="Only count the accounts that would be erased.")
def users_purge_inactive(dry_run: bool) -> None:
    """Erase accounts unused for RETENTION_INACTIVE_DAYS days (administrators never)."""
    from lms.privacy.services import purge_inactive

    days = current_app.config["RETENTION_INACTIVE_DAYS"]
    if days <= 0:
        click.echo("RETENTION_INACTIVE_DAYS is 0: accounts are kept.")
        return
    ids = purge_inactive(clock.utcnow(), days, dry_run=dry_run)
    db.session.commit()
    verb = "would be erased" if dry_run else "erased"
    click.echo(f"{len(ids)} account(s) unused for more than {days} days {verb}.")


jobs = AppGroup("jobs", help="Scheduled jobs: survey waves, reminders, survey answers released in batches.")
