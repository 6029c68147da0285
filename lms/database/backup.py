"""Backups of the whole portal, and restoring one.

The database is all there is to keep: uploaded images are rows (``Image.data``) and the course library
is loaded into it, so a backup is one file of the database's own kind:

- SQLite: a copy of the database file made with SQLite's online backup API, consistent even while the
  portal writes; restore checks a copy of the file, then copies it into the database in one transaction.
- PostgreSQL: ``pg_dump --format=custom``; restore is ``pg_restore --clean --if-exists --no-owner
  --single-transaction``: all of it or, on any error, nothing.

A file is restored only after it has been checked to be a backup of this portal (it holds Alembic's
``alembic_version``) for this kind of database; anything else raises ``BackupError`` with the reason.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # pg_dump and pg_restore, with argument lists, never a shell  # nosec B404
import tempfile
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup could not be made or restored; the message says why, and nothing was changed."""


def backup(database_url: str | URL, target: Path) -> str:
    """Write a backup of the database to ``target`` (readable by its owner only); returns its kind."""
    url = make_url(database_url)
    target = Path(target)
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    # Written beside the target, then renamed: a failed backup never leaves a truncated file under its name.
    handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    partial = Path(partial)
    try:
        if url.get_backend_name() == "sqlite":
            database = _sqlite_path(url)
            if not database.is_file():
                raise BackupError(f"There is no database at {database}.")
            _sqlite_backup(database, partial)
        elif url.get_backend_name() == "postgresql":
            _run(["pg_dump", "--format=custom", f"--file={partial}", "--dbname", _libpq_uri(url)], url)
        else:
            raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
        partial.chmod(0o600)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return url.get_backend_name()


def check_backup(database_url: str | URL, source: Path) -> str:
    """The Alembic revision of the backup ``source``, if it is a backup of this portal for this kind of
    database; otherwise ``BackupError``."""
    url = make_url(database_url)
    if _check_kind(url, Path(source)) == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            return _sqlite_revision(_copy(Path(source), Path(folder)))
    return _pg_revision(Path(source), url)


def restore(database_url: str | URL, source: Path) -> str:
    """Replace every row of the database with the backup ``source``, all or nothing; returns the backup's
    Alembic revision. Checks the file first (``BackupError`` if it is not a backup of the right kind)."""
    url = make_url(database_url)
    source = Path(source)
    if _check_kind(url, source) == "sqlite":
        target = _sqlite_path(url)
        with tempfile.TemporaryDirectory() as folder:
            copy = _copy(source, Path(folder))
            revision = _sqlite_revision(copy)
            # The backup API copies every page in one write transaction: other connections see the old
            # database or the restored one, never a mixture, and a failure leaves the old one.
            _sqlite_backup(copy, target)
        return revision
    revision = _pg_revision(source, url)
    _pg_check_tables(source, url)
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", "--dbname", _libpq_uri(url), str(source)], url)
    return revision


def _check_kind(url: URL, source: Path) -> str:
    """The database's kind, if ``source`` is a file of that kind (by its first bytes)."""
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups of {backend} databases are not supported.")
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    with source.open("rb") as stream:
        start = stream.read(len(SQLITE_MAGIC))
    if backend == "sqlite" and not start.startswith(SQLITE_MAGIC):
        raise _wrong_kind(source, start, "an SQLite database file")
    if backend == "postgresql" and not start.startswith(PG_DUMP_MAGIC):
        raise _wrong_kind(source, start, "a pg_dump file in custom format (pg_dump -Fc)")
    return backend


def _wrong_kind(source: Path, start: bytes, expected: str) -> BackupError:
    if start.startswith(SQLITE_MAGIC):
        found = "an SQLite database file"
    elif start.startswith(PG_DUMP_MAGIC):
        found = "a PostgreSQL dump"
    else:
        found = "neither an SQLite database file nor a PostgreSQL dump"
    return BackupError(f"{source} is {found}; this portal's database needs {expected}.")


def _not_ours(source: Path) -> BackupError:
    return BackupError(f"{source} is not a backup of this portal: it has no alembic_version table.")


# SQLite


def _sqlite_path(url: URL) -> Path:
    if url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        raise BackupError("The database is in memory or given as a URI; only a database file can be backed up.")
    return Path(url.database)


def _sqlite_backup(source: Path, target: Path) -> None:
    try:
        with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
            origin.backup(copy)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy {source} to {target}: {error}") from error


def _copy(source: Path, folder: Path) -> Path:
    """A copy of ``source`` to check and read, so that the file given is never opened for writing."""
    copy = folder / "backup.sqlite"
    shutil.copyfile(source, copy)
    return copy


def _sqlite_revision(path: Path) -> str:
    try:
        with closing(sqlite3.connect(path)) as connection:
            problems = connection.execute("PRAGMA quick_check").fetchall()
            if problems != [("ok",)]:
                raise BackupError(f"The file is a damaged SQLite database: {problems[0][0]}")
            has_version = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone() if has_version else None
    except sqlite3.Error as error:
        raise BackupError(f"The file cannot be read as an SQLite database: {error}") from error
    if row is None:
        raise BackupError("The file is an SQLite database, but not a backup of this portal: "
                          "it has no alembic_version table.")
    return row[0]


# PostgreSQL


def _libpq_uri(url: URL) -> str:
    """The URL for pg_dump and pg_restore, without the password (they read it from PGPASSWORD, so it does
    not show in the process list)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: URL, capture: bool = False) -> str:
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)  # fixed programs, no shell  # nosec B603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).") from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed; nothing was changed:\n{done.stderr.strip()}")
    return done.stdout if capture else ""


def _pg_toc(source: Path, url: URL) -> list[str]:
    try:
        listing = _run(["pg_restore", "--list", str(source)], url, capture=True)
    except BackupError as error:
        raise BackupError(f"{source} cannot be read as a pg_dump file: {error}") from error
    return [line for line in listing.splitlines() if line and not line.startswith(";")]


def _pg_tables(toc: list[str]) -> set[str]:
    """Table names in a pg_restore listing (``123; 1259 16390 TABLE public user postgres``)."""
    tables = set()
    for line in toc:
        words = line.split()
        if len(words) >= 6 and words[3] == "TABLE" and words[4] != "DATA":
            tables.add(words[5])
    return tables


def _pg_revision(source: Path, url: URL) -> str:
    toc = _pg_toc(source, url)
    if "alembic_version" not in _pg_tables(toc):
        raise _not_ours(source)
    if not any(" TABLE DATA " in line and " alembic_version " in line for line in toc):
        raise BackupError(f"{source} holds the tables of this portal but not their rows (a --schema-only dump?).")
    # The revision itself is only in the data; read it from an SQL rendering of that one table.
    data = _run(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(source)], url,
                capture=True)
    lines = data.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            return lines[number + 1].strip()
    raise _not_ours(source)


def _pg_check_tables(source: Path, url: URL) -> None:
    """Refuse a backup that lacks tables the database has: ``--clean`` would leave those tables as they are."""
    engine = sa.create_engine(url)
    try:
        present = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    missing = present - _pg_tables(_pg_toc(source, url))
    if missing:
        raise BackupError(
            f"The database has tables the backup does not ({', '.join(sorted(missing))}): it was made by an "
            "older version of the portal. Restore it into an empty database, then run `flask --app wsgi db upgrade`.")
