"""Languages: which ones the interface speaks, how one is chosen, and the content fallback."""
from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, Protocol, TypeVar

from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages
from flask import abort, current_app, has_request_context, request, session
from flask_login import current_user

from lms.i18n.per_request import locale_code

#: Interface languages with a complete catalogue in translations/ (the tests hold them to 100%).
UI_LANGUAGES = ("en", "fr", "es", "pt", "nl", "id", "vi", "km", "my", "bn", "ar", "sw")
DEFAULT_LANGUAGE = "en"
#: Where the organisation works; listed first in the country picker.
PARTNER_COUNTRIES = (
    "BJ", "ML", "NE", "SN", "CI", "GN", "TN",
    "KH", "ID", "VN", "BD", "MM",
    "BO", "CO", "GT", "NI", "PE",
)


@lru_cache(maxsize=1024)  # CLDR's data does not change while the process runs; every page names the languages
def language_name(code: str, in_language: str | None = None) -> str:
    """A language's name in ``in_language`` as CLDR writes it mid-sentence ("français"), or by
    default in the language itself, capitalised for a menu ("Français")."""
    try:
        locale = Locale.parse(code)
    except (ValueError, UnknownLocaleError):  # a language CLDR names but has no locale data for (Tetum: tet)
        try:
            name = Locale.parse(in_language or "en").languages.get(code.replace("-", "_").split("_")[0])
        except (ValueError, UnknownLocaleError):
            name = None
        return name or code
    if in_language:
        return locale.get_display_name(in_language) or code
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


def is_known_language(code: str) -> bool:
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return False
    return True


@lru_cache(maxsize=1024)
def text_direction(code: str) -> str:
    try:
        return "rtl" if Locale.parse(code).character_order == "right-to-left" else "ltr"
    except (ValueError, UnknownLocaleError):
        return "ltr"


def select_locale() -> str:
    """The interface language: ?lang=, the session's choice, the member's profile, the browser's, the default.

    A choice made with ?lang= lasts for the session (visitor or member) and never changes the profile: only
    the profile form does (lms/auth/views.py).
    """
    if not has_request_context():
        return DEFAULT_LANGUAGE
    asked = request.args.get("lang")
    if asked in UI_LANGUAGES:
        return asked
    if session.get("lang") in UI_LANGUAGES:
        return session["lang"]
    if current_user.is_authenticated and current_user.locale in UI_LANGUAGES:
        return current_user.locale
    return request.accept_languages.best_match(UI_LANGUAGES) or DEFAULT_LANGUAGE


def remember_language_switch() -> None:
    """Keep an explicit ?lang= choice in the session (a GET changes the page, never the profile), with a
    mark of the account that made it, so that it outlives a sign-out and sign-in of that account only."""
    asked = request.args.get("lang")
    if asked is None:
        return
    if asked not in UI_LANGUAGES:
        abort(404)
    session["lang"] = asked
    session["lang_by"] = language_chooser(current_user.id if current_user.is_authenticated else None)


def language_chooser(user_id: int | None) -> str | None:
    """Who chose the session's language: None for a visitor, else a keyed hash of the account (the session
    cookie can be read on a shared phone; the account's id is not written in it)."""
    if user_id is None:
        return None
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"language chooser {user_id}".encode(), hashlib.sha256).hexdigest()[:16]


def current_language() -> str:
    return locale_code(DEFAULT_LANGUAGE)


@lru_cache(maxsize=64)  # CLDR's data does not change while the process runs; sorting 250 names takes milliseconds
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(ISO code, name in ``language``) for every country CLDR knows, sorted by name."""
    territories = Locale.parse(language).territories
    countries = [
        (code, name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    ]
    return tuple(sorted(countries, key=lambda item: collation_key(item[1])))


def collation_key(text: str) -> str:
    """A sort key close to a language's collation without ICU: accents and case set aside ("Égypte" sorts with
    "Egypte", before "Zambie"); names keep their CLDR spelling, only the order uses this."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def country_language(country: str | None) -> str | None:
    """The first official language of ``country`` (CLDR, de facto ones too) that the interface speaks: "fr" for
    Senegal (Wolof is not one of ours), "km" for Cambodia; None if none is."""
    if not country:
        return None
    return next((code for code in get_official_languages(country, de_facto=True) if code in UI_LANGUAGES), None)


def member_language(user) -> str:
    """The language to write to ``user`` in when no page is open (an SMS, an e-mail): the one they chose, else their
    country's, else the default. An account a trainer made from a list has chosen none: a member in Côte d'Ivoire
    reads French, not English."""
    return user.locale or country_language(user.country) or DEFAULT_LANGUAGE


def country_name(code: str, language: str) -> str:
    return Locale.parse(language).territories.get(code, code)


#: CLDR two-letter territories that are not countries a member lives in.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


class HasLanguage(Protocol):
    language: str


T = TypeVar("T", bound=HasLanguage)


@dataclass(frozen=True)
class Localised(Generic[T]):
    """The text row to show, and why it is not in the language asked for (if it is not)."""

    row: T
    #: None, "missing" (no translation) or "outdated" (the source changed since).
    fallback: str | None = None

    @property
    def language(self) -> str:
        return self.row.language


def pick_text(rows: Iterable[T], language: str, source_language: str) -> Localised[T] | None:
    """The one fallback rule for content: the asked language if current, else the source."""
    by_language = {row.language: row for row in rows}
    source = by_language.get(source_language)
    wanted = by_language.get(language)
    if wanted is not None:
        # Rows of short texts (prompts, choices) have no checksum: their module's texts go out of date as one
        # (``lms.learn.services.quiz_texts``). A translation that names no source (a survey's texts from an
        # XLSForm) is taken as current; course texts always name theirs (import and the browser record it).
        made_from = getattr(wanted, "source_checksum", None)
        if source is None or wanted is source or made_from in (None, getattr(source, "checksum", None)):
            return Localised(wanted)
        return Localised(source, "outdated")
    if source is None:
        return None
    return Localised(source, "missing")


def pick_string(rows: Sequence[T], language: str, source_language: str, field: str) -> str:
    """A short text (a title, a prompt) in the asked language, else in the source language (also when the
    translation leaves this text out: a module's title, say)."""
    picked = pick_text(rows, language, source_language)
    if picked is None:
        return ""
    value = getattr(picked.row, field)
    if not value and not picked.fallback:
        source = next((row for row in rows if row.language == source_language), None)
        value = getattr(source, field) if source is not None else value
    return value or ""
