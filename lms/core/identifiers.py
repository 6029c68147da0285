"""The ways to name an account (username, e-mail address, phone number), each in one normal form.

Every spelling of the same identifier must reach the same normal form before it is compared: at sign-up
(uniqueness), at sign-in (finding the account) and in the sign-in limit (one count per identifier).

- Usernames: Unicode NFKC case folding, so "ＡＭＩＮＡ" (fullwidth) and "Amina" are "amina".
- E-mail addresses: NFKC, trimmed, lower-cased.
- Phone numbers: E.164 (``+51987654321``) with Google's libphonenumber (``phonenumbers``). "00" is read as
  the international prefix; a number written without "+" or "00" is read in the member's country, so
  ``987 654 321`` written by a member of Peru is ``+51987654321``. Where no country is chosen (signing in,
  recovering), such a number is read in the portal's countries (those the gateway serves, ``SMS_COUNTRIES``,
  when set; else ``PARTNER_COUNTRIES``) if it is valid in exactly one of them; in several, it is
  ``ambiguous_phone`` and the page asks for the country code.
- Countries that lengthened their numbers (``RENUMBERED``): an old number is read as the new one at sign-in,
  and a form that refuses it names the new one.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from flask import current_app, has_app_context

from lms.core.phone_display import known_reader_country
from lms.i18n import PARTNER_COUNTRIES

#: Letters, digits, ".", "-" and "_", 3 to 40 of them, checked on the normal form.
USERNAME = re.compile(r"^[\w.-]{3,40}$")
PHONE_SEPARATORS = re.compile(r"[\s()./]")
#: What a number copied from a page, a contact or a link may carry: "tel:" in front.
TEL_PREFIX = re.compile(r"^tel:", re.IGNORECASE)
#: What remains of a phone number without its separators: digits (of any script), after an optional "+".
PHONE_TEXT = re.compile(r"\+?\d{3,20}")
#: Longer input is no phone number; phonenumbers refuses beyond 250 characters anyway.
LONGEST_PHONE_INPUT = 40
#: Countries that lengthened their numbers: country -> (old length of the national number, digits put in front).
#: Benin: 8 digits to 10, "01" in front, on 30 November 2024. Another country's renumbering is one more line.
RENUMBERED: dict[str, tuple[tuple[int, str | dict[str, str]], ...]] = {
    "BJ": ((8, "01"),),  # 30 November 2024: "01" before every number
    # 31 January 2021: mobile numbers get their network's digits, told by the old number's second digit
    # (Moov 01, MTN 05, Orange 07).
    "CI": ((8, {"0": "01", "1": "01", "2": "01", "3": "01", "4": "05", "5": "05", "6": "05", "7": "07",
                "8": "07", "9": "07"}),),
}
#: The kinds of numbers a member's number is: a number written without its country code is read only as one.
MEMBER_NUMBER_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


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
    text = TEL_PREFIX.sub("", nfkc(raw or "").strip())
    if len(text) > LONGEST_PHONE_INPUT:
        return None
    # Dashes of every kind separate digit groups; invisible format characters (the direction marks a page puts
    # around a number it shows, a zero-width space) come along when a number is copied: both are dropped.
    text = "".join(c for c in text if unicodedata.category(c) not in ("Pd", "Cf"))
    text = PHONE_SEPARATORS.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    return text if PHONE_TEXT.fullmatch(text) else None


def normalise_phone(raw: str | None, country: str | None = None) -> str | None:
    """A phone number a member gives, in E.164; None if it cannot be one.

    Without "+" or "00" the number is read in ``country`` (the one the member chose); with neither, None.
    """
    number = _parsed(raw, country)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parsed(raw: str | None, country: str | None) -> phonenumbers.PhoneNumber | None:
    """``raw`` read internationally (with "+" or "00") or in ``country``; None if it cannot be read."""
    text = _phone_text(raw or "")
    if text is None or (not text.startswith("+") and not country):
        return None
    try:
        return phonenumbers.parse(text, None if text.startswith("+") else country)
    except phonenumbers.NumberParseException:
        return None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def renumbered(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber | None:
    """The number as its country writes it since it lengthened its numbers (``RENUMBERED``), if ``number`` is not
    valid and is an old one that becomes valid with the new digits in front; else None."""
    if phonenumbers.is_valid_number(number):
        return None
    region = phonenumbers.region_code_for_country_code(number.country_code)
    national = phonenumbers.national_significant_number(number)
    for old_length, rule in RENUMBERED.get(region, ()):
        if len(national) != old_length:
            continue
        prefix = rule if isinstance(rule, str) else rule.get(national[1:2], "")
        try:
            new = phonenumbers.parse("+" + str(number.country_code) + prefix + national, None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(new):
            return new
    return None


def old_forms(phone: str) -> list[str]:
    """The forms ``phone`` (E.164) had before its country lengthened its numbers: how it may still be stored."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return []
    region = phonenumbers.region_code_for_country_code(number.country_code)
    national = phonenumbers.national_significant_number(number)
    prefixes = {prefix for _length, rule in RENUMBERED.get(region, ())
                for prefix in ([rule] if isinstance(rule, str) else rule.values())}
    return ["+" + str(number.country_code) + national[len(prefix):]
            for old_length, _rule in RENUMBERED.get(region, ()) for prefix in sorted(prefixes)
            if national.startswith(prefix) and len(national) == old_length + len(prefix)]


def suggested_phone(raw: str | None, country: str | None = None) -> str | None:
    """The new number (E.164) when ``raw`` is an old one of a country that lengthened its numbers, read
    internationally or in ``country``; None otherwise. For the message that names it."""
    number = _parsed(raw, country)
    new = renumbered(number) if number is not None else None
    return _e164(new) if new is not None else None


def local_countries() -> tuple[str, ...]:
    """Where a number written without its country code may be from: the countries the gateway serves
    (``SMS_COUNTRIES``) when set, else the partner countries. Configuration only, never accounts."""
    served = current_app.config.get("SMS_COUNTRIES", "") if has_app_context() else ""
    countries = tuple(sorted({c.strip().upper() for c in served.split(",") if c.strip()}))
    return countries or PARTNER_COUNTRIES


def _local_readings(text: str) -> dict[str, str]:
    """Country -> the number (E.164) a number written without its country code is there, in the portal's
    countries where it is a valid mobile number, as it is or (an old number) with its country's new digits. Only
    mobiles: "07 12 34 56" is an old Ivorian mobile, not a landline of Myanmar."""
    readings = {}
    for country in local_countries():
        try:
            number = phonenumbers.parse(text, country)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            number = renumbered(number)
        if number is not None and phonenumbers.number_type(number) in MEMBER_NUMBER_TYPES:
            readings[country] = _e164(number)
    return readings


def _local_reading(text: str) -> str | None:
    """The one number a number written without its country code is: the only reading, or the reading in the
    reader's own country (their profile's, or their browser's region) when there are several; else None."""
    readings = _local_readings(text)
    if len(set(readings.values())) == 1:
        return next(iter(readings.values()))
    return readings.get(known_reader_country() or "")


def ambiguous_phone(raw: str | None) -> bool:
    """Whether ``raw`` is a number written without its country code that is valid in several of the portal's
    countries: the page asks for the country code (whatever accounts exist)."""
    text = _phone_text(raw or "")
    return (text is not None and not text.startswith("+") and len(set(_local_readings(text).values())) > 1
            and _local_reading(text) is None)


def needs_country_code(raw: str | None) -> bool:
    """Whether ``raw`` looks like a number written without its country code (digits only, at least 6) that cannot
    be read as one number of the portal's countries: a failed sign-in adds how to write it. Text only."""
    text = _phone_text(raw or "")
    return (text is not None and not text.startswith("+") and len(text) >= 6
            and _local_reading(text) is None)


def read_typed_phone(raw: str | None) -> str | None:
    """A number typed to sign in or recover, as it would be stored: international (with "+" or "00"), or written
    without its country code and valid in exactly one of the portal's countries; an old number of a country that
    lengthened its numbers is read as the new one. Depends only on the text."""
    text = _phone_text(raw or "")
    if text is None:
        return None
    if not text.startswith("+"):
        return _local_reading(text)
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    return _e164(renumbered(number) or number)


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
    limit treats a known and an unknown account alike. Digits that are a number in none or several of the
    portal's countries are a username (accounts made before usernames needed a letter).
    """
    text = nfkc(raw or "").strip()[:254]
    if "@" in text:
        return Identifier("email", normalise_email(text) or "")
    phone = read_typed_phone(text)
    if phone:
        return Identifier("phone", phone)
    return Identifier("username", normalise_username(text))
