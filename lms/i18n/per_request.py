"""The request's locale and message catalogue, found once per request instead of once per word and number.

Flask-Babel finds the catalogue anew for every ``gettext`` (the locale looked up, named, and looked up again in its
cache) and the locale for every ``get_locale``: a few microseconds each, and a report page asks for them a thousand
times (each heading, each number). Here the catalogue is kept on the request with the locale it was found for, and
the locale is read where Flask-Babel keeps it once chosen. ``force_locale`` sets another locale object for a
while: the catalogue and the code are then found again for it, and again when it ends.

Both read the app context's ``g`` from its context variable rather than through ``flask.g``: each access through
that proxy costs about a microsecond, and a report page made thousands (tests/test_i18n.py compares what these give
with Flask-Babel's own answers, across changes of locale within a request).
"""
from __future__ import annotations

from functools import cached_property

from babel import Locale
from flask.globals import _cv_app
from flask_babel import Babel, Domain, get_locale, get_translations


def request_globals():
    """The app context's ``g`` (what ``flask.g`` stands for), None outside an app context."""
    context = _cv_app.get(None)
    return None if context is None else context.g


def request_locale() -> Locale | None:
    """``get_locale()``, read where Flask-Babel keeps the request's locale once it has chosen it (or where
    ``force_locale`` puts another); None outside an app context."""
    g = request_globals()
    if g is None:
        return None
    locale = getattr(g.__dict__.get("_flask_babel"), "babel_locale", None)
    return locale if locale is not None else get_locale()


def locale_code(default: str) -> str:
    """``str(get_locale())`` ("fr", "pt_BR"), named once per request and locale; ``default`` without a locale."""
    locale = request_locale()
    if locale is None:
        return default
    g = request_globals()
    kept = g.__dict__.get("_lms_locale_code")
    if kept is None or kept[0] is not locale:
        kept = g._lms_locale_code = (locale, str(locale))
    return kept[1]


def catalogue():
    """Flask-Babel's ``get_translations()``: the catalogue kept on the request if it is the one of the request's
    locale and domain, else found (and kept) by the domain."""
    g = request_globals()
    if g is not None:
        babel = g.__dict__.get("_flask_babel")
        kept = g.__dict__.get("_lms_catalogue")
        if (kept is not None and babel is not None and kept[0] is getattr(babel, "babel_locale", None)
                and kept[1] is getattr(babel, "babel_domain", None)):
            return kept[2]
    return get_translations()


class RequestDomain(Domain):
    """Flask-Babel's message domain, its catalogue for the request's locale kept on the request."""

    def get_translations(self):
        locale = request_locale()
        if locale is None:
            return super().get_translations()
        g = request_globals()
        kept = g.__dict__.get("_lms_catalogue")
        if kept is not None and kept[0] is locale and kept[1] is self:
            return kept[2]
        found = super().get_translations()
        g._lms_catalogue = (locale, self, found)
        return found


class RequestBabel(Babel):
    """Flask-Babel with a ``RequestDomain`` as its default domain, and templates' gettext reading its kept
    catalogue directly."""

    @cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs) -> None:
        super().init_app(app, *args, **kwargs)
        if app.jinja_env is not None and "jinja2.ext.InternationalizationExtension" in app.jinja_env.extensions:
            app.jinja_env.install_gettext_callables(
                gettext=lambda s: catalogue().ugettext(s),
                ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
                newstyle=True,
                pgettext=lambda c, s: catalogue().upgettext(c, s),
                npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n))
