"""What every template can use: the language switcher, text direction, labels."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from babel import numbers
from babel.lists import format_list
from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime
from flask_login import current_user
from markupsafe import Markup

from lms import disclosure, permissions
from lms.i18n import UI_LANGUAGES, country_name, current_language, language_name, text_direction
from lms.vocabulary import WAVE_LABELS, WAVE_LABELS_FOR_MEMBERS, gender_label, role_label_of, topic_label


def switch_language_url(code: str) -> str:
    """This page in another interface language (works without JavaScript)."""
    if not request.args:  # most pages: no query to keep
        return f"{request.path}?{urlencode({'lang': code})}"
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


@lru_cache(maxsize=8192, typed=True)
def _formatted_number(number, locale: str, pattern: str | None = None) -> str:
    return numbers.format_decimal(number, format=pattern, locale=locale)


@lru_cache(maxsize=4096, typed=True)
def _formatted_percent(share, locale: str) -> str:
    return numbers.format_percent(share, locale=locale)


def format_number(number) -> str:
    """Flask-Babel's ``format_number``, each number formatted once per process and language: a report page shows
    hundreds of them, a family tree thousands."""
    return _formatted_number(number, current_language())


def format_percent_value(value: float) -> str:
    """A percentage (0-100) in the reader's locale, each formatted once per process and language, as numbers are."""
    return _formatted_percent(value / 100, current_language())


def content_language_attrs(localised) -> Markup:
    """` lang=".." dir=".."` on content shown in another language than the page (a fallback)."""
    if localised is None or not localised.fallback:
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(localised.language, text_direction(localised.language))


def format_decimal_value(value: float, signed: bool = False, digits: int = 1) -> str:
    """A statistic with one decimal (or ``digits``), in the reader's locale; "+" before a positive change."""
    text = _formatted_number(value, current_language(), "#,##0." + "0" * digits if digits else "#,##0")
    return f"+{text}" if signed and value > 0 else text


#: More than this many (languages x roles x parts is far fewer) and the parts are drawn afresh.
MAX_KEPT_PARTS = 512


def kept(name: str, caller) -> Markup:
    """``{% call kept('menu') %}...{% endcall %}``: the enclosed part of a page, drawn once per app process for
    each interface language, whether someone is signed in and their role, then reused. Only for parts that depend
    on nothing else: no CSRF token, no name, no path, no progress (tests/test_kept_parts.py)."""
    parts = current_app.extensions.setdefault("kept_parts", {})
    role = current_user.role if current_user.is_authenticated else None
    key = (name, current_language(), role, request.script_root)
    part = parts.get(key)
    if part is None:
        if len(parts) >= MAX_KEPT_PARTS:
            parts.clear()
        part = parts[key] = Markup(caller())  # a template's own output, escaped as it was drawn  # nosec B704
    return part


#: Features whose pages are staff work: shown to staff, they take a desktop's width (a member reading her group's
#: page or her certificate keeps the reading column).
STAFF_FEATURES = frozenset({"author", "translate", "groups", "reports", "admin"})


def wide_layout() -> bool:
    """Whether this page is staff work for its reader, laid out to the width of a desktop screen: a page of a staff
    feature, or any page whose guard admits no participant (survey building, workplaces), read by staff."""
    endpoint = request.endpoint
    if endpoint not in current_app.view_functions or not permissions.works_as_staff(current_user):
        return False
    return request.blueprint in STAFF_FEATURES or not permissions.admits_members(endpoint)


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def language_helpers():
        language = current_language()
        return {
            "ui_languages": [(code, language_name(code)) for code in UI_LANGUAGES],
            "current_language": language,
            "text_direction": text_direction(language),
            "switch_language_url": switch_language_url,
            "language_name": language_name,
            "topic_label": topic_label,
            "gender_label": gender_label,
            "role_label_of": role_label_of,
            "wave_labels": WAVE_LABELS,
            "member_wave_labels": WAVE_LABELS_FOR_MEMBERS,
            "direction_of": text_direction,
            "country_name": lambda code: country_name(code, language),
            "format_date": format_date,
            "format_datetime": format_datetime,
            "format_number": format_number,
            "percent": format_percent_value,
            "format_decimal_value": format_decimal_value,
            "disclosure_note": disclosure.note,
            "min_shown": disclosure.MIN_SHOWN,
        }

    # Templates ask permissions what to offer and never name a role (tests/test_templates_ask_permissions.py).
    for question in (permissions.may_visit, permissions.can_promote, permissions.can_be_made_trainer,
                     permissions.staff_home, permissions.can_edit_survey, permissions.can_administer,
                     permissions.can_reset_password, permissions.can_see_workplace, permissions.owns_course):
        app.add_template_global(question)
    app.add_template_global(wide_layout)
    app.add_template_global(kept)

    app.add_template_filter(language_name, "language_name")
    app.add_template_filter(content_language_attrs, "content_lang")
    app.add_template_filter(lambda items: format_list(list(items), locale=current_language()), "format_list")
    app.add_template_filter(topic_label, "topic_label")
