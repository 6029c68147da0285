"""Sealing a waiting response: AES-GCM under a key derived from PSEUDONYM_KEY, padded to a fixed length.

Whoever reads the database, a backup or its files without the server's key sees only the batch a
sealed response belongs to (in clear beside it, and bound to the ciphertext as associated data, so
that a row moved to another batch no longer opens) and its length, which is the same for every
response to one survey version (``length``: lms/surveys/pool.py computes it from the version's
questions), not the length of a free-text answer. A wrong key, or a changed byte, fails loudly
(``SealBroken``); content longer than the length it must be padded to is refused (``TooLong``).
"""
from __future__ import annotations

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

NONCE_BYTES = 12
#: Names this use of PSEUDONYM_KEY, so the derived key serves nothing else (and a new version of the
#: format can take a new one).
KEY_INFO = b"fair-work-learning: sealed survey responses v1"


class SealBroken(Exception):
    """A sealed response does not open: another key sealed it, or it was altered."""


class TooLong(Exception):
    """The content is longer than the length every response to its version is padded to: nothing is sealed."""


def pool_key(secret: str | None = None) -> bytes:
    """The 256-bit AES key, derived with HKDF-SHA256 from PSEUDONYM_KEY (or ``secret``)."""
    material = (secret if secret is not None else current_app.config["PSEUDONYM_KEY"]).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO).derive(material)


def as_json(content: dict) -> bytes:
    """What is sealed: compact JSON in UTF-8."""
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def pad(data: bytes, length: int) -> bytes:
    """``data`` padded to exactly ``length`` bytes (ISO/IEC 7816-4: 0x80, then zeros)."""
    if len(data) + 1 > length:
        raise TooLong(f"{len(data) + 1} bytes to seal, more than the {length} of every response to this version")
    return data + b"\x80" + b"\0" * (length - len(data) - 1)


def unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\0")
    if not stripped.endswith(b"\x80"):
        raise SealBroken("the padding of a sealed response is wrong")
    return stripped[:-1]


def seal(content: dict, associated: bytes, length: int, key: bytes | None = None) -> bytes:
    """Nonce + ciphertext of ``content`` (JSON padded to ``length`` bytes), bound to ``associated`` (what
    stays in clear)."""
    nonce = os.urandom(NONCE_BYTES)
    plain = pad(as_json(content), length)
    return nonce + AESGCM(key or pool_key()).encrypt(nonce, plain, associated)


def unseal(sealed: bytes, associated: bytes, key: bytes | None = None) -> dict:
    """The content ``seal`` was given; ``SealBroken`` if the key or any byte differs."""
    nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        plain = AESGCM(key or pool_key()).decrypt(nonce, ciphertext, associated)
    except InvalidTag:
        raise SealBroken("a sealed survey response does not open: PSEUDONYM_KEY is not the key it was sealed "
                         "with, or the row was altered") from None
    return json.loads(unpad(plain))
