"""Forms of the privacy pages; every label and message is translated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField
from wtforms.validators import AnyOf, DataRequired

from lms.core.fields import membership_consent_field
from lms.core.forms import PortalForm
from lms.models import CONSENT_PURPOSES


class ConsentForm(PortalForm):
    agree = membership_consent_field()


class WithdrawForm(PortalForm):
    purpose = HiddenField(validators=[AnyOf(CONSENT_PURPOSES)])


class EraseForm(PortalForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Please write your password."))],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("I understand that this cannot be undone."),
                           validators=[DataRequired(_l("Please tick the box to confirm."))])
