"""The record key: a permanent random number on every record that published figures count.

The cell key of a figure is the sum of the record keys of the records behind it (lms/disclosure.py), so the
same records always give the same figure, and any other set of records an unrelated one.
"""
from __future__ import annotations

import secrets

from sqlalchemy.orm import Mapped, mapped_column

#: Record keys and cell keys are integers in [0, KEY_SPACE); cell keys add up modulo KEY_SPACE.
KEY_SPACE = 2**31


def new_record_key() -> int:
    return secrets.randbelow(KEY_SPACE)


def record_key_column() -> Mapped[int]:
    """The ``record_key`` column: drawn when the row is made, never changed."""
    return mapped_column(default=new_record_key)
