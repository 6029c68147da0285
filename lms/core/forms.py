"""The base of every form: WTForms' own messages ("Not a valid choice.") in the member's language.

WTForms has catalogues for some of our languages only: a member reading Bengali, Burmese, Indonesian, Khmer,
Swahili or Vietnamese got its refusals in English (outside tester E). Its messages that our fields and
validators can give are in our catalogue (``lms/core/form_messages.py``) and read from there, in every language.
"""
from __future__ import annotations

from flask_babel import get_translations
from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.i18n import DummyTranslations

from lms.core.form_messages import PLURAL, SINGULAR


class FormTranslations:
    """Our catalogue for WTForms' messages that it holds, WTForms' own (Flask-WTF's) for the others."""

    def __init__(self, fallback) -> None:
        self.fallback = fallback or DummyTranslations()

    def gettext(self, string: str) -> str:
        if string in SINGULAR:
            return get_translations().ugettext(string)
        return self.fallback.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if (singular, plural) in PLURAL:
            return get_translations().ungettext(singular, plural, n)
        return self.fallback.ngettext(singular, plural, n)


class TranslatedMeta:
    """Form options (WTForms composes a form's Meta from its bases'): the messages through FormTranslations."""

    def get_translations(self, form):
        return FormTranslations(super().get_translations(form))


class PortalForm(FlaskForm):
    Meta = TranslatedMeta


class PlainForm(Form):
    """A form without a CSRF token: the filters read from a GET's query, and the forms inside a form."""

    Meta = TranslatedMeta
