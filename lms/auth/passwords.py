"""Passwords too common to protect an account (OWASP ASVS 2.1.7), checked without composition rules.

The list is the 30,000 most common passwords that ships with zxcvbn (MIT licence), of which those of 8
characters or more matter here: shorter ones are refused anyway. It is loaded once per process, at
the first password chosen.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(password for password in FREQUENCY_LISTS["passwords"] if len(password) >= 8)


def is_common(password: str) -> bool:
    """Whether the password, in any case, is on the list."""
    return password.casefold() in common_passwords()
