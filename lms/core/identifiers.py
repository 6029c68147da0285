"""The ways to name an account (username, e-mail address, phone number), each in one normal form.

Every spelling of the same identifier must reach the same normal form before it is compared: at sign-up
(uniqueness), at sign-in (finding the account) and in the sign-in limit (one count per identifier).

- Usernames: Unicode NFKC case folding, so "ＡＭＩＮＡ" (fullwidth) and "Amina" are "amina".
- E-mail addresses: NFKC, trimmed, lower-cased.
- Phone numbers: E.164 (``+51987654321``) with Google's libphonenumber (``phonenumbers``). "00" is read as
  the international prefix; a number written without "+" or "00" is read in the member's country, so
  ``987 654 321`` written by a member of Peru is ``+51987654321``.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

#: Letters, digits, ".", "-" and "_", 3 to 40 of them, checked on the normal form.
USERNAME = re.compile(r"^[\w.-]{3,40}$")
PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
#: What remains of a phone number without its separators: digits (of any script), after an optional "+".
PHONE_TEXT = re.compile(r"\+?\d{3,20}")
#: Longer input is no phone number; phonenumbers refuses beyond 250 characters anyway.
LONGEST_PHONE_INPUT = 40


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def normalise_username(raw: str | None) -> str:
    """NFKC case folding (Unicode's NFKC_Casefold): look-alike spellings become one."""
    return nfkc(nfkc((raw or "").strip()).casefold()).strip()


def normalise_email(raw: str | None) -> str | None:
    email = nfkc(raw or "").strip().lower()
    return email or None


def _phone_text(raw: str) -> str | None:
    """``raw`` without separators and with "00" read as "+", if what remains is digits (after an optional
    "+"); else None. Letters are refused, so that no username is read as a "vanity" number."""
    text = nfkc(raw or "").strip()
    if len(text) > LONGEST_PHONE_INPUT:
        return None
    text = PHONE_SEPARATORS.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    return text if PHONE_TEXT.fullmatch(text) else None


def normalise_phone(raw: str | None, country: str | None = None) -> str | None:
    """A phone number a member gives, in E.164; None if it cannot be one.

    Without "+" or "00" the number is read in ``country`` (the one the member chose); with neither, None.
    """
    text = _phone_text(raw or "")
    if text is None or (not text.startswith("+") and not country):
        return None
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def read_phone(raw: str | None) -> str | None:
    """An international number (with "+" or "00") as it would be stored, to find an account; no check of
    its length, so that numbers stored before a country changed its numbering plan are still found."""
    text = _phone_text(raw or "")
    if text is None or not text.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class Identifier:
    """What a sign-in names: ``kind`` is "email", "phone" or "username"; ``value`` its normal form."""

    kind: str
    value: str

    @property
    def key(self) -> str:
        """One key per identifier however it is spelled, hashed so that no name is kept in the limits' store."""
        return self.kind + ":" + hashlib.sha256(f"{self.kind}:{self.value}".encode()).hexdigest()[:32]


def sign_in_identifier(raw: str | None) -> Identifier:
    """How a sign-in form's "username, phone number or e-mail address" is read.

    The reading depends only on the text typed (never on which accounts exist), so that the sign-in
    limit treats a known and an unknown account alike.
    """
    text = nfkc(raw or "").strip()[:254]
    if "@" in text:
        return Identifier("email", normalise_email(text) or "")
    phone = read_phone(text)
    if phone:
        return Identifier("phone", phone)
    return Identifier("username", normalise_username(text))
