"""Phone numbers as a reader sees them: written the way their country writes them, kept in one piece and in
left-to-right order inside any sentence (Arabic included), with an example from the reader's own country."""
from __future__ import annotations

import phonenumbers
from babel.languages import get_official_languages
from flask import has_request_context, request
from flask_babel import ngettext
from flask_login import current_user

from lms.i18n import DEFAULT_LANGUAGE, PARTNER_COUNTRIES, country_name, current_language

#: Left-to-right isolate and its end (Unicode's bidi isolates): inside Arabic text, the groups of "+216 20 123 456"
#: would otherwise be laid out right to left, "456 123 20 216+".
LTR_ISOLATE, END_ISOLATE = "\u2066", "\u2069"
#: Between digit groups, so that a line never breaks inside a number (Khmer, with no spaces between words, breaks
#: at any space it finds).
NO_BREAK_SPACE = "\u00a0"
#: The example's country when the reader's is unknown and the language is spoken in none of the partner countries.
FALLBACK_COUNTRY = PARTNER_COUNTRIES[0]


def inline(text: str) -> str:
    """``text`` (a number as written) in one left-to-right piece that no line break splits."""
    return LTR_ISOLATE + text.replace(" ", NO_BREAK_SPACE) + END_ISOLATE


def international(phone: str) -> str:
    """An E.164 number as people write it, "+51 987 654 321"; unchanged if it cannot be read."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(phone, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return phone


def shown(phone: str) -> str:
    """A stored number for a page or a message on screen (never an SMS: the isolates would cost UCS-2)."""
    return inline(international(phone))


def example_number(country: str) -> str:
    """A mobile number of ``country``, with its country code, as a page shows it."""
    number = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        number = phonenumbers.example_number_for_type(FALLBACK_COUNTRY, phonenumbers.PhoneNumberType.MOBILE)
    return inline(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def known_reader_country() -> str | None:
    """The reader's country when we know it: their profile's, else the region their browser names (fr-BJ), if one
    of ours; None otherwise."""
    if not has_request_context():
        return None
    if current_user.is_authenticated and current_user.country:
        return current_user.country
    for value, _quality in request.accept_languages:
        region = value.replace("_", "-").split("-")[-1].upper() if "-" in value or "_" in value else ""
        if region in PARTNER_COUNTRIES:
            return region
    return None


def reader_country() -> str:
    """The country whose numbers the reader most likely writes: ``known_reader_country``, else the first partner
    country that speaks the page's language."""
    known = known_reader_country()
    if known:
        return known
    language = current_language() if has_request_context() else DEFAULT_LANGUAGE
    return next((c for c in PARTNER_COUNTRIES if language in get_official_languages(c, de_facto=True)),
                FALLBACK_COUNTRY)


def reader_example() -> str:
    """``example_number`` of ``reader_country``: the example a phone field shows."""
    return example_number(reader_country())


def renumbered_message(new: str) -> str:
    """"Benin numbers now have 10 digits: did you mean +229 01 96 55 44 33?", in the reader's language."""
    number = phonenumbers.parse(new, None)
    digits = len(phonenumbers.national_significant_number(number))
    country = country_name(phonenumbers.region_code_for_number(number), current_language())
    return ngettext("%(country)s numbers now have %(num)d digit: did you mean %(number)s?",
                    "%(country)s numbers now have %(num)d digits: did you mean %(number)s?", digits,
                    country=country, number=shown(new))


def national_example(country: str) -> str:
    """A mobile number of ``country`` as it is dialled there ("01 95 12 34 56" in Benin), for a list read in that
    country."""
    number = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return example_number(country)
    return inline(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
