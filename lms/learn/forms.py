"""The catalogue filter and the quiz form, built per module."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from lms.core.fields import CheckboxesField
from lms.core.forms import PlainForm, PortalForm
from lms.i18n import language_name, pick_string
from lms.models import Module
from lms.vocabulary import TOPIC_LABELS


class CatalogueFilter(PlainForm):
    """GET filter of the catalogue; no CSRF token needed, it changes nothing. A filter left out of the URL means
    "all" (the empty choice), so a plain visit is valid."""

    topic = SelectField(_l("Topic"), validate_choice=True, default="")
    language = SelectField(_l("Language"), validate_choice=True, default="")

    def __init__(self, formdata, languages: list[str], reader_language: str):
        super().__init__(formdata)
        self.topic.choices = [SelectChoice("", _l("All topics"))] + [
            SelectChoice(code, label) for code, label in TOPIC_LABELS.items()]
        self.language.choices = [SelectChoice("", _l("All languages"))] + [
            SelectChoice(code, language_name(code)) for code in languages]
        self.reader_language = reader_language


def quiz_form(module: Module, language: str, source_language: str, formdata=None) -> PortalForm:
    """A form with one field per question: radio buttons or check boxes, in ``language``."""

    class QuizForm(PortalForm):
        pass

    for question in module.questions:
        label = pick_string(question.translations, language, source_language, "prompt")
        choices = [SelectChoice(c.slug, pick_string(c.translations, language, source_language, "text"))
                   for c in question.choices]
        required = InputRequired(_l("Please answer this question."))
        field = (RadioField(label, choices=choices, validators=[required]) if question.kind == "single"
                 else CheckboxesField(label, choices=choices, validators=[required],
                                      description=_l("Tick every answer that is right.")))
        setattr(QuizForm, f"q_{question.slug}", field)
    return QuizForm(formdata=formdata) if formdata is not None else QuizForm()
