"""Sign-up, sign-in and profile forms; every label and message is translated."""
from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from lms import clock
from lms.auth import channel_choices, passwords, services, sms_codes
from lms.core.fields import NumberRange, SelectWithPrompt, grouped_country_choices, membership_consent_field
from lms.core.forms import PortalForm
from lms.core.identifiers import ambiguous_phone, read_typed_phone, suggested_phone
from lms.core.phone_display import reader_example, renumbered_message
from lms.i18n import UI_LANGUAGES, language_name
from lms.messaging.channels import serves
from lms.models import User
from lms.permissions import may_change_own_scope
from lms.vocabulary import CHANNEL_LABELS, GENDER_LABELS, MESSAGE_TOPIC_LABELS, MESSAGE_TOPICS

OLDEST_BIRTH_YEAR = 1920
#: A number from the reader's country, shown where a phone number is asked for.
EXAMPLE = LazyString(reader_example)
YOUNGEST_AGE = 12


def _phone_check(form, field) -> None:
    """A number the phone library can read: international, or in the country chosen in the same form. An old
    number of a country that lengthened its numbers is refused with the new one named."""
    if not field.data or services.normalise_phone(field.data, form.country.data) is not None:
        return
    new = suggested_phone(field.data, form.country.data)
    if new is not None:
        raise ValidationError(renumbered_message(new))
    raise ValidationError(_l("This is not a phone number we can read. Write it with its country code, for "
                             "example %(example)s.", example=EXAMPLE))


def _not_common(form, field) -> None:
    if field.data and passwords.is_common(field.data):
        raise ValidationError(_l("This password is one of the most common, and easy to guess: please choose "
                                 "another. A short sentence is easy to remember and hard to guess."))


def new_password_field(label) -> PasswordField:
    """At least 8 characters and not a common password; no rule about digits or capitals."""
    return PasswordField(label, validators=[
        DataRequired(_l("Please choose a password.")),
        Length(min=8, max=200, message=_l("A password has at least 8 characters.")), _not_common],
        render_kw={"autocomplete": "new-password"})


def confirm_password_field(label) -> PasswordField:
    return PasswordField(label, validators=[EqualTo("password", _l("The two passwords are not the same."))],
                         render_kw={"autocomplete": "new-password"})


class AboutYouMixin:
    """Fields shared by sign-up and profile."""

    display_name = StringField(_l("Your name, as others will see it"),
                               validators=[DataRequired(_l("Please write your name.")), Length(max=80)])
    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), _phone_check],
                        description=_l("With the country code, for example %(example)s.", example=EXAMPLE),
                        render_kw={"autocomplete": "tel", "inputmode": "tel", "dir": "ltr"})
    email = StringField(_l("E-mail address (optional)"),
                        validators=[Optional(), Email(_l("This does not look like an e-mail address.")),
                                    Length(max=254)],
                        render_kw={"autocomplete": "email", "inputmode": "email"})
    country = SelectField(_l("Country where you work"), widget=SelectWithPrompt(),
                          validators=[InputRequired(_l("Please choose your country."))])
    gender = RadioField(_l("Gender"), choices=[SelectChoice(code, label) for code, label in GENDER_LABELS.items()],
                        validators=[InputRequired(_l("Please choose one answer."))])
    birth_year = IntegerField(
        _l("Year of birth (optional)"),
        validators=[Optional(), NumberRange(OLDEST_BIRTH_YEAR, clock.today().year - YOUNGEST_AGE,
                                            _l("Please give a year between %(min)s and %(max)s."))],
        description=_l("We ask so that we can show how training reaches young and older workers. "
                       "Reports only ever show totals, never your name."),
        render_kw={"inputmode": "numeric", "autocomplete": "bday-year"},
    )

    organisation = SelectField(_l("Your union (optional)"), default="", validators=[Optional()],
                               description=_l("Only your trainer and the programme's coordinators see it."))

    def set_country_choices(self, language: str) -> None:
        from lms.core.fields import organisation_choices

        self.country.choices = grouped_country_choices(language)
        self.organisation.choices = organisation_choices(str(_l("Not listed, or I prefer not to say")))

    def validate_email(self, field) -> None:
        email = services.normalise_email(field.data)
        if email and len(email) > 254:
            raise ValidationError(_l("This e-mail address is too long."))

    def contact_taken(self) -> bool:
        """Whether another account uses this form's e-mail address, which then gets its error. Not a validator:
        asked only of a form valid in every other way, once the answer is counted (lms/auth/throttle.py), so that
        a form with another mistake tells nothing about it. Never of the phone number: any number is accepted,
        and it belongs to whoever confirms it (lms/auth/phone.py), so no form tells whose number it is."""
        except_user = getattr(self, "user", None)
        email = services.normalise_email(self.email.data)
        if email and services.identifier_taken(email=email, except_user=except_user):
            self.email.errors.append(str(_l("Another account already uses this e-mail address.")))
            return True
        return False


class SignUpForm(AboutYouMixin, PortalForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(_l("Please choose a username.")),
                    Length(3, 40, _l("A username has 3 to 40 characters."))],
        description=_l("You sign in with it. Letters, digits, \".\", \"-\" and \"_\"; no spaces."),
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = new_password_field(_l("Password"))
    confirm = confirm_password_field(_l("Password again"))
    reach = RadioField(_l("How may we reach you?"), validators=[Optional()], description=_l(
        "About surveys waiting for you, news from your group, and codes if you forget your password. You can choose "
        "for each later, on your profile. “Not at all”: no code can help if you forget your password."))
    consent = membership_consent_field()

    field_order = ("username", "display_name", "phone", "email", "country", "organisation", "gender",
                   "birth_year", "password", "confirm", "reach", "consent")

    def set_reach_choices(self) -> None:
        """SMS only with a gateway; e-mail always, since the address may be typed in this form."""
        self.reach.choices = [SelectChoice(channel, CHANNEL_LABELS[channel])
                              for channel in channel_choices.offered(has_email=True)]

    def validate_reach(self, field) -> None:
        if self.phone.data and services.normalise_phone(self.phone.data, self.country.data) is None:
            return  # the number has its own error
        phone = services.normalise_phone(self.phone.data, self.country.data) if self.phone.data else None
        problem = channel_choices.refusal(field.data, phone, services.normalise_email(self.email.data))
        if problem:
            raise ValidationError(problem)

    def validate_username(self, field) -> None:
        username = services.normalise_username(field.data)
        if not services.USERNAME.match(username):
            raise ValidationError(_l("Use only letters, digits, \".\", \"-\" and \"_\", without spaces."))
        if not any(character.isalpha() for character in username):
            # A username of digits only could be read as a phone number when signing in.
            raise ValidationError(_l("A username needs at least one letter."))

    def identifiers_taken(self) -> bool:
        """Whether another account has this form's username or e-mail address (as ``contact_taken``), each one
        used getting its error."""
        taken = self.contact_taken()
        if services.identifier_taken(username=services.normalise_username(self.username.data)):
            self.username.errors.append(str(_l("This username is taken; please choose another.")))
            taken = True
        return taken

    def explain_taken(self) -> None:
        """After a sign-up sent at the same moment took this one's username or e-mail (the database's
        unique constraint refused it): the "already used" errors; the username's if the other sign-up has not
        finished."""
        if not self.identifiers_taken():
            self.username.errors.append(str(_l("This username is taken; please choose another.")))


class SignInForm(PortalForm):
    identifier = StringField(_l("Username, phone number or e-mail address"),
                             validators=[DataRequired(_l("Please write your username, phone or e-mail."))],
                             render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please write your password."))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))


class ProfileForm(AboutYouMixin, PortalForm):
    locale = SelectField(_l("Language of the portal"), choices=[
        SelectChoice(code, language_name(code)) for code in UI_LANGUAGES])

    current_password = PasswordField(
        _l("Your password"), description=_l("Needed only to change your phone number or e-mail address."),
        render_kw={"autocomplete": "current-password"})

    field_order = ("display_name", "phone", "email", "country", "organisation", "gender", "birth_year", "locale",
                   "current_password")

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, obj=user, **kwargs)
        self.user = user
        if not self.is_submitted():
            self.organisation.data = str(user.organisation_id or "")
        if not may_change_own_scope(user):
            self.fix_scope()

    def fix_scope(self) -> None:
        """A trainer's, coordinator's or administrator's country and organisation decide which workplaces and
        groups they see: shown, but kept as they are whatever is sent; an administrator changes them."""
        self.country.data, self.country.raw_data = self.user.country, [self.user.country]
        organisation = str(self.user.organisation_id or "")
        self.organisation.data, self.organisation.raw_data = organisation, [organisation]
        for field in (self.country, self.organisation):
            field.render_kw = {**(field.render_kw or {}), "disabled": True}
        self.organisation.description = _l("Your country and union decide which workplaces and groups you see: "
                                           "only an administrator can change them.")


class PasswordForm(PortalForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Please write your password."))],
                            render_kw={"autocomplete": "current-password"})
    password = new_password_field(_l("New password"))
    confirm = confirm_password_field(_l("New password again"))


class ConfirmPasswordForm(PortalForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Please write your password."))],
                             render_kw={"autocomplete": "current-password"})


class FirstPasswordForm(PortalForm):
    password = new_password_field(_l("Your own new password"))
    confirm = confirm_password_field(_l("New password again"))


class RecoveryForm(PortalForm):
    """"Forgot your password?": whatever the sign-in accepts."""

    identifier = StringField(_l("Username, phone number or e-mail address"),
                             validators=[DataRequired(_l("Please write your username, phone or e-mail."))],
                             render_kw={"autocomplete": "username", "autocapitalize": "none"})


class NewPasswordForm(PortalForm):
    """A new password chosen through a link sent by e-mail."""

    password = new_password_field(_l("New password"))
    confirm = confirm_password_field(_l("New password again"))


def _six_digits(form, field) -> None:
    if field.data and sms_codes.typed_code(field.data) is None:
        raise ValidationError(_l("A code has 6 digits."))


def code_field() -> StringField:
    return StringField(_l("Code received by SMS"), validators=[
        DataRequired(_l("Please type the code we sent you by SMS.")), _six_digits],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none"})


class PhoneCodeForm(PortalForm):
    """The code that confirms the member's number."""

    code = code_field()


def _international_phone(form, field) -> None:
    """A number with its country code, or without it in one of the portal's countries, in a country the gateway
    serves (which tells nothing of accounts)."""
    if not field.data:
        return
    number = read_typed_phone(field.data)
    if number is None and ambiguous_phone(field.data):
        raise ValidationError(country_code_needed())
    if number is None:
        raise ValidationError(_l("This is not a phone number we can read. Write it with its country code, for "
                                 "example %(example)s.", example=EXAMPLE))
    if not serves(number):
        raise ValidationError(_l("We cannot send SMS to numbers of this country."))


def country_code_needed() -> str:
    """What a page says of a number written without its country code that could be one of several countries'."""
    return str(_l("This number could be from more than one country. Write it with its country code, for example "
                  "%(example)s.", example=EXAMPLE))


class CodeSignInForm(PortalForm):
    """"Sign in with a code by SMS", first step: the number (named like the sign-in's, for its limits)."""

    identifier = StringField(_l("Your phone number"), validators=[
        DataRequired(_l("Please write your phone number.")), _international_phone],
        description=_l("With the country code, for example %(example)s.", example=EXAMPLE),
        render_kw={"autocomplete": "tel", "inputmode": "tel", "dir": "ltr"})


class CodeEntryForm(PortalForm):
    """The code received for the number or identifier typed on the page before (carried along, unseen)."""

    identifier = HiddenField()
    code = code_field()


class RecoveryCodeForm(CodeEntryForm):
    """A code received by SMS for "Forgot your password?", and the new password."""

    password = new_password_field(_l("New password"))
    confirm = confirm_password_field(_l("New password again"))


def channels_form(user: User, **kwargs) -> PortalForm:
    """"How may we reach you?": one choice per topic among the channels offered to ``user``, showing the
    choice in force (lms/auth/channel_choices.py)."""

    class ChannelsForm(PortalForm):
        def problems(self) -> bool:
            """Whether a choice cannot reach ``user`` (SMS to no number, or to a country not served), each such
            choice getting its error."""
            found = False
            for topic in MESSAGE_TOPICS:
                problem = channel_choices.refusal(self[topic].data, user.phone, user.email)
                if problem:
                    self[topic].errors.append(problem)
                    found = True
            return found

    offered = [SelectChoice(channel, CHANNEL_LABELS[channel])
               for channel in channel_choices.offered(bool(user.email))]
    for choice in channel_choices.choices_of(user):
        hints = [choice.note, channel_choices.without_codes() if choice.topic == "account_codes" else None]
        setattr(ChannelsForm, choice.topic, RadioField(
            MESSAGE_TOPIC_LABELS[choice.topic], choices=offered, default=choice.chosen,
            description=" ".join(hint for hint in hints if hint),
            validators=[InputRequired(_l("Please choose one answer."))]))
    return ChannelsForm(prefix="reach", **kwargs)
