"""The request's locale and message catalogue, found once per request instead of once per word and number.

Flask-Babel finds the catalogue anew for every ``gettext`` (the locale looked up, named, and looked up again in its
cache) and the locale for every ``get_locale``: a few microseconds each, and a report page asks for them a thousand
times (each heading, each number). Here the catalogue is kept on the request with the locale it was found for, and
the locale is read where Flask-Babel keeps it once chosen. ``force_locale`` sets another locale object for a
while: the catalogue and the code are then found again for it, and again when it ends.
tests/test_i18n.py compares what these give with Flask-Babel's own answers.
"""
from __future__ import annotations

from functools import cached_property

from babel import Locale
from flask import g
from flask_babel import Babel, Domain, get_locale


def request_locale() -> Locale | None:
    """``get_locale()``, read where Flask-Babel keeps the request's locale once it has chosen it (or where
    ``force_locale`` puts another); None outside an app context."""
    if not g:
        return None
    locale = getattr(g.get("_flask_babel"), "babel_locale", None)
    return locale if locale is not None else get_locale()


def locale_code(default: str) -> str:
    """``str(get_locale())`` ("fr", "pt_BR"), named once per request and locale; ``default`` without a locale."""
    locale = request_locale()
    if locale is None:
        return default
    kept = g.get("_lms_locale_code")
    if kept is None or kept[0] is not locale:
        kept = g._lms_locale_code = (locale, str(locale))
    return kept[1]


class RequestDomain(Domain):
    """Flask-Babel's message domain, its catalogue for the request's locale kept on the request."""

    def get_translations(self):
        locale = request_locale()
        if locale is None:
            return super().get_translations()
        kept = g.get("_lms_catalogue")
        if kept is not None and kept[0] is locale and kept[1] is self:
            return kept[2]
        found = super().get_translations()
        g._lms_catalogue = (locale, self, found)
        return found


class RequestBabel(Babel):
    """Flask-Babel with a ``RequestDomain`` as its default domain."""

    @cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)
