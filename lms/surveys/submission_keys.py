"""Submissions imported from ODK or KoboToolbox, known by keyed hashes only: an export imported again adds nothing.

KoboToolbox and ODK Central export every submission to date, each with its key (``meta/rootUuid``, ``KEY``,
``_uuid``, ``meta/instanceID``). A submission is one response of its survey, in whichever wave it was imported
into. What is kept of it (``ImportedSubmission``) is an HMAC of the survey and its key, and an HMAC of the
survey, its key and its answers, under a key derived from PSEUDONYM_KEY for this use alone: no reference to
the response it became, no time, a random row id. Whoever reads the database learns how many submissions were
imported into a wave (which its published responses say anyway), not which response is which submission, nor
whose; whoever holds an export and not the server's key cannot even tell which of its submissions were
imported (docs/privacy.md).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select

from lms.extensions import db
from lms.models import ImportedSubmission, Survey, SurveyWave

#: Sets the key these hashes are made with apart from every other use of PSEUDONYM_KEY.
LABEL = b"lms.surveys: imported submission keys, v1"
#: The prefix OpenRosa puts before an instance's UUID (``uuid:...``); KoboToolbox's ``_uuid`` has none.
UUID_PREFIX = "uuid:"
#: Hashes looked up per statement (SQLite limits the parameters of one statement).
LOOKUP_CHUNK = 500
INSERT_CHUNK = 200


def _secret() -> bytes:
    return hmac.new(current_app.config["PSEUDONYM_KEY"].encode(), LABEL, hashlib.sha256).digest()


def normalise_key(key: str) -> str:
    """The same text for ``uuid:abc`` (``meta/instanceID``, ``KEY``) and ``abc`` (KoboToolbox's ``_uuid``)."""
    key = key.strip()
    return key[len(UUID_PREFIX):] if key.lower().startswith(UUID_PREFIX) else key


def key_hash(survey: Survey, key: str) -> str:
    """The keyed hash a submission is known by in its survey."""
    message = f"survey:{survey.id}:submission:{normalise_key(key)}".encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()


def content_hash(survey: Survey, key: str, answers: dict[str, str]) -> str:
    """The keyed hash of a submission's answers (question code -> value as stored, empty ones left out).

    The key is part of it, so two submissions with the same answers do not show as such.
    """
    content = json.dumps(sorted((code, value) for code, value in answers.items() if value != ""),
                         ensure_ascii=False, separators=(",", ":"))
    message = f"survey:{survey.id}:submission:{normalise_key(key)}:answers:{content}".encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()


def known(key_hashes: Iterable[str]) -> dict[str, str]:
    """The content hash of each of these key hashes that was imported before."""
    wanted = list(dict.fromkeys(key_hashes))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        rows = db.session.execute(select(ImportedSubmission.key_hash, ImportedSubmission.content_hash).where(
            ImportedSubmission.key_hash.in_(wanted[start:start + LOOKUP_CHUNK])))
        found.update((key, content) for key, content in rows)
    return found


def remember(wave: SurveyWave, hashes: list[tuple[str, str]]) -> None:
    """Record submissions imported into ``wave`` as (key hash, content hash), in a random order; flushes."""
    rows = [{"id": uuid.uuid4(), "wave_id": wave.id, "key_hash": key, "content_hash": content}
            for key, content in hashes]
    secrets.SystemRandom().shuffle(rows)  # in explicit statements: the order rows are stored in is not the file's
    for start in range(0, len(rows), INSERT_CHUNK):
        db.session.execute(sa.insert(ImportedSubmission.__table__).values(rows[start:start + INSERT_CHUNK]))
    db.session.flush()
