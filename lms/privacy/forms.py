"""Forms of the privacy pages; every label and message is translated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField
from wtforms.validators import AnyOf, DataRequired

from lms.core.forms import PortalForm
from lms.models import CONSENT_PURPOSES


def membership_consent_field() -> BooleanField:
    """The one box a member ticks to agree that their training records are kept (sign-up and consent page)."""
    return BooleanField(
        _l("I agree that the portal keeps a record of my training (courses, progress, quizzes, groups and "
           "surveys), knowing that it shows I take part in union training."),
        validators=[DataRequired(_l("Your training can only be recorded with your agreement. Without an "
                                    "account you can still read every lesson."))])


class ConsentForm(PortalForm):
    agree = membership_consent_field()


class WithdrawForm(PortalForm):
    purpose = HiddenField(validators=[AnyOf(CONSENT_PURPOSES)])


class EraseForm(PortalForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Please write your password."))],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("I understand that this cannot be undone."),
                           validators=[DataRequired(_l("Please tick the box to confirm."))])
