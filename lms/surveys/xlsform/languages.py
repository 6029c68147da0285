"""The languages of a form's columns: ``label::French (fr)``, ``label::Français``, ``label:French`` (one colon,
as KoboToolbox also reads it) all name French."""
from __future__ import annotations

import re
from functools import cache

from babel import Locale, UnknownLocaleError

from lms.i18n import UI_LANGUAGES

#: The code at the end of a language's name: ``French (fr)``, ``Português (pt-BR)``.
LANGUAGE_CODE = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})?)\)\s*$")


@cache
def language_names() -> dict[str, str]:
    """Language names in English and in the interface languages themselves -> language code."""
    english = Locale("en").languages
    # Regional names (``Dari`` is fa_AF) first, so that a language's own code wins when two share a name.
    names = {name.casefold(): code.replace("_", "-") for code, name in english.items() if "_" in code}
    names.update({name.casefold(): code for code, name in english.items() if "_" not in code})
    names.update({code.casefold(): code for code in english if "_" not in code})  # a bare code: ``EN``
    for code in UI_LANGUAGES:
        names[Locale.parse(code).get_display_name(code).casefold()] = code
    return names


def language_code(name: str) -> str | None:
    """``French (fr)`` -> ``fr``; a bare name (``French``, ``Français``) or code (``FR``) is looked up in CLDR;
    None if unknown."""
    match = LANGUAGE_CODE.search(name)
    if match:
        return match.group(1).replace("_", "-")
    return language_names().get(name.strip().casefold())


def column_language(code: str) -> str:
    """``English (en)``: the form the XLSForm spec asks for in ``label::`` columns."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name("en")
    except (ValueError, LookupError, UnknownLocaleError):  # CLDR names languages it has no locale data for: tet
        name = Locale("en").languages.get(code.split("-")[0]) or code
    return f"{name} ({code})"
