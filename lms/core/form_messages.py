"""WTForms' messages that our fields and validators can show, marked for our catalogue (lms/core/forms.py).

``flask catalogues extract`` collects ``N_`` (one of pybabel's keywords) and ``N_plural`` (given to it with
``-k N_plural:1,2``); the strings are WTForms' own, word for word, so that they are found when it asks for them.
"""
from __future__ import annotations


def N_(message: str) -> str:  # the name pybabel looks for
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:  # the name given to pybabel
    """Marks a singular and plural pair for the catalogue."""
    return singular, plural


SINGULAR = frozenset({
    N_("This field is required."),
    N_("Field must be equal to %(other_name)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid Choice: could not coerce."),
    N_("Not a valid choice."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_("Not a valid date value."),
    N_("Not a valid integer value."),
    N_("Not a valid float value."),
})

PLURAL = frozenset({
    N_plural("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long."),
    N_plural("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters."),
    N_plural("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long."),
    N_plural("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field."),
})
