"""Keyed hashes (HMAC-SHA256) with keys derived from SECRET_KEY, one key per use, so that what a table keeps of a
code or a phone number cannot be matched against a list of numbers by someone who holds the database only.

Rotating SECRET_KEY changes every derived key: what was kept under the old one no longer matches (docs/deploy.md).
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def derived_key(use: str) -> bytes:
    """The key of one use ("sms-codes", "sms-numbers"), derived from SECRET_KEY."""
    return hashlib.sha256(use.encode() + b":" + current_app.config["SECRET_KEY"].encode()).digest()


def keyed_digest(use: str, *parts: object) -> str:
    """The HMAC (hex, 64 characters) of ``parts`` under the key of ``use``; None parts count as empty."""
    message = "\n".join("" if part is None else str(part) for part in parts)
    return hmac.new(derived_key(use), message.encode(), hashlib.sha256).hexdigest()
