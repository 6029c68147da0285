"""Flask command groups: content, translate, demo, orgs, users, jobs, backup and restore.

The surveys and reports commands live with their packages (lms/surveys/commands.py, lms/reports/commands.py).
"""
from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from lms.extensions import db
from lms.models import ROLES, Course

orgs = AppGroup("orgs", help="Partner organisations (unions).")
content = AppGroup("content", help="Check, import and export the course library (courses/).")
translate = AppGroup("translate", help="Interface translations: extract, update, compile, init.")
users = AppGroup("users", help="Manage accounts.")

ROOT = Path(__file__).resolve().parent.parent


def _read_library_or_exit(folder: Path, closing: str) -> list:
    """The courses in FOLDER, or every problem as file:line: reason and exit status 1."""
    from lms.content.reader import CourseProblems, read_library

    try:
        return read_library(folder)
    except CourseProblems as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(closing.format(n=len(error.problems)), err=True)
        sys.exit(1)


@content.command("check")
@click.argument("folder", default="courses", type=click.Path(path_type=Path))
def content_check(folder: Path) -> None:
    """Report every problem in FOLDER as file:line: reason."""
    from lms.content.coverage import coverage

    bundles = _read_library_or_exit(folder, "{n} problem(s) found.")
    click.echo(f"{len(bundles)} course(s), no problems in the files.")
    lines = [line for bundle in bundles for line in coverage(bundle)]
    for line in lines:
        click.echo(("" if line.complete else "INCOMPLETE ") + str(line))
    incomplete = [line for line in lines if not line.complete]
    if incomplete:
        click.echo(f"{len(incomplete)} translation(s) below 100%.", err=True)
        sys.exit(1)


@content.command("import")
@click.argument("folder", default="courses", type=click.Path(path_type=Path))
def content_import(folder: Path) -> None:
    """Load every course in FOLDER, all or nothing; running it twice changes nothing."""
    from lms.content.store import import_bundles

    bundles = _read_library_or_exit(folder, "{n} problem(s) found. Nothing was imported.")
    try:
        report = import_bundles(bundles)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Imported {len(bundles)} course(s): {len(report.created)} new, {len(report.updated)} updated, "
               f"{len(report.unchanged)} unchanged.")


@content.command("export")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--course", "slugs", multiple=True, help="Only this course (repeatable).")
def content_export(folder: Path, slugs: tuple[str, ...]) -> None:
    """Write courses to FOLDER in the courses/ format."""
    from lms.content.store import export_bundle
    from lms.content.writer import write_course

    query = select(Course).order_by(Course.slug)
    if slugs:
        query = query.where(Course.slug.in_(slugs))
    courses = list(db.session.scalars(query))
    missing = set(slugs) - {c.slug for c in courses}
    if missing:
        click.echo(f"No such course: {', '.join(sorted(missing))}", err=True)
        sys.exit(1)
    folder.mkdir(parents=True, exist_ok=True)
    for course in courses:
        click.echo(str(write_course(export_bundle(course), folder)))


@content.command("checksums")
@click.argument("course_folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--stamp", default=None, metavar="LANG",
              help="Write the current source checksums into LANG's files.")
def content_checksums(course_folder: Path, stamp: str | None) -> None:
    """Print the source checksum of each text of a course (for a translation's "source:" line)."""
    from lms.content.reader import read_course
    from lms.content.writer import write_course

    problems: list = []
    bundle = read_course(course_folder, problems)
    if bundle is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    source = bundle.languages[bundle.source_language]
    click.echo(f"index.md\t{source.index.checksum}")
    for lesson_id in bundle.lesson_ids:
        click.echo(f"{lesson_id}\t{source.lessons[lesson_id].checksum}")
    if stamp:
        texts = bundle.languages.get(stamp)
        if texts is None or stamp == bundle.source_language:
            click.echo(f"No translation folder {stamp!r}.", err=True)
            sys.exit(1)
        texts.index.source = source.index.checksum
        for lesson_id, page in texts.lessons.items():
            page.source = source.lessons[lesson_id].checksum
        write_course(bundle, course_folder.parent)
        click.echo(f"Stamped {stamp}: its texts now count as translations of the current source.")


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


POT = str(ROOT / "translations" / "messages.pot")
TRANSLATIONS = str(ROOT / "translations")


@translate.command("extract")
def translate_extract() -> None:
    """Collect the interface's strings into translations/messages.pot."""
    _pybabel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "N_plural:1,2", "--no-location",
             "--sort-output", "--project", "lms", "-o", POT, str(ROOT / "lms"))


@translate.command("update")
def translate_update() -> None:
    """Extract, then merge new strings into every language's messages.po."""
    translate_extract.callback()
    _pybabel("update", "-i", POT, "-d", TRANSLATIONS, "--no-fuzzy-matching", "--ignore-obsolete")


@translate.command("compile")
def translate_compile() -> None:
    """Compile every messages.po into the messages.mo the portal reads."""
    _pybabel("compile", "-d", TRANSLATIONS, "--statistics")


@translate.command("stats")
def translate_stats() -> None:
    """Share of translated messages per interface language; exit 1 if one is below 100%."""
    from lms.i18n import UI_LANGUAGES
    from lms.translations import catalogue_stats

    below = []
    for stats in catalogue_stats(Path(TRANSLATIONS), [lang for lang in UI_LANGUAGES if lang != "en"]):
        click.echo(str(stats))
        if stats.translated < stats.total:
            below.append(stats.language)
    if below:
        click.echo(f"Below 100%: {', '.join(below)}", err=True)
        sys.exit(1)


@translate.command("init")
@click.argument("language")
def translate_init(language: str) -> None:
    """Start a catalogue for a new LANGUAGE."""
    _pybabel("init", "-i", POT, "-d", TRANSLATIONS, "-l", language)


@click.command("demo")
@click.option("--password", envvar="DEMO_PASSWORD", default=None,
              help="Password of the demo accounts (default: $DEMO_PASSWORD, else a generated one).")
@with_appcontext
def demo(password: str | None) -> None:
    """Create or refresh the demo accounts, enrolled so that every page has something to show."""
    from lms.demo import DemoRefused, create_demo_accounts

    generated = not password
    password = password or secrets.token_urlsafe(9)
    try:
        names = create_demo_accounts(password, app_env=current_app.config["APP_ENV"])
    except DemoRefused as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Demo accounts: {', '.join(names)}")
    click.echo(f"Password: {password}" + ("  (generated; set DEMO_PASSWORD to choose one)" if generated else ""))


@orgs.command("add")
@click.argument("name")
@click.option("--acronym", required=True)
@click.option("--country", required=True, help="ISO code, e.g. PE.")
@click.option("--sector", required=True, help='e.g. "garment", "agriculture".')
def orgs_add(name: str, acronym: str, country: str, sector: str) -> None:
    """Add a partner organisation."""
    from lms.orgs import add_organisation

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
    they see, so only this command changes them; written to the audit log."""
    from lms import audit
    from lms.auth.services import find_by_username, set_scope
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
    from lms.codes import readable_code
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
    from lms import audit
    from lms.auth.services import find_by_username
    from lms.auth.session_store import end_sessions

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
    from lms.models import utcnow
    from lms.privacy.services import purge_inactive

    days = current_app.config["RETENTION_INACTIVE_DAYS"]
    if days <= 0:
        click.echo("RETENTION_INACTIVE_DAYS is 0: accounts are kept.")
        return
    ids = purge_inactive(utcnow(), days, dry_run=dry_run)
    db.session.commit()
    verb = "would be erased" if dry_run else "erased"
    click.echo(f"{len(ids)} account(s) unused for more than {days} days {verb}.")


jobs = AppGroup("jobs", help="Scheduled jobs: survey waves, reminders, survey answers released in batches.")


@jobs.command("run")
def jobs_run() -> None:
    """Run the scheduler in this process (exactly one such process per installation)."""
    import logging

    from lms.jobs import JOBS, run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"Scheduler started: {', '.join(JOBS)} every {current_app.config['JOBS_INTERVAL_MINUTES']} min.")
    run_scheduler(current_app._get_current_object())


@jobs.command("run-once")
@click.argument("name")
def jobs_run_once(name: str) -> None:
    """Run the job NAME now (open-waves, send-reminders, release-answers, purge-inactive); release-answers
    publishes every batch of 5 or more at once, without waiting for the next checkpoint."""
    from lms.jobs import RUN_ONCE, run_job

    if name not in RUN_ONCE:
        click.echo(f"No job called {name!r}. Jobs: {', '.join(RUN_ONCE)}", err=True)
        sys.exit(1)
    done = run_job(current_app._get_current_object(), name, RUN_ONCE)
    click.echo(f"{name}: {done} done.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(file: Path) -> None:
    """Write a backup of the portal's data (the database, uploaded images included) to FILE."""
    from lms import backup as backups

    try:
        kind = backups.backup(db.engine.url, file)
    except backups.BackupError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(f"Wrote {file} ({kind}, {file.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the data without asking.")
@with_appcontext
def restore(file: Path, yes: bool) -> None:
    """Replace ALL the portal's data with the backup FILE, all or nothing (stop lms-web and lms-jobs first)."""
    from alembic.script import ScriptDirectory

    from lms import backup as backups

    url = db.engine.url
    try:
        revision = backups.check_backup(url, file)
    except backups.BackupError as error:
        click.echo(str(error), err=True)
        click.echo("Nothing was restored.", err=True)
        sys.exit(1)
    migrations = ScriptDirectory(str(ROOT / "migrations"))
    if revision not in {script.revision for script in migrations.walk_revisions()}:
        click.echo(f"{file} was made by a newer version of the portal (migration {revision} is unknown here): "
                   "update the portal first. Nothing was restored.", err=True)
        sys.exit(1)
    if not yes and not click.confirm(f"Replace all the data in {url.render_as_string(hide_password=True)} "
                                     f"with {file}?"):
        click.echo("Nothing was restored.", err=True)
        sys.exit(1)
    db.session.remove()
    db.engine.dispose()
    try:
        backups.restore(url, file)
    except backups.BackupError as error:
        click.echo(str(error), err=True)
        click.echo("Nothing was restored.", err=True)
        sys.exit(1)
    click.echo(f"Restored {file} (migration {revision}).")
    if revision != migrations.get_current_head():
        click.echo("The backup was made by an older version of the portal: run `flask --app wsgi db upgrade` now.")
