"""Form validators shared by several blueprints."""
from __future__ import annotations

from wtforms.validators import NumberRange as _NumberRange


class NumberRange(_NumberRange):
    """WTForms' NumberRange, which also refuses (instead of crashing on) a number too large for a float."""

    def __call__(self, form, field):
        if isinstance(field.data, int) and abs(field.data) > 2**53:
            field.data = float("inf") if field.data > 0 else float("-inf")
        super().__call__(form, field)
