"""Forms for training groups."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from lms import clock
from lms.core.fields import CheckboxesField, NumberRange, SelectWithPrompt
from lms.core.forms import PortalForm
from lms.groups.messages import Draft, clean_text
from lms.groups.services import organisation_fits
from lms.i18n import country_name, current_language
from lms.messaging.segments import measure
from lms.messaging.texts import Frame, longest
from lms.models import Workplace
from lms.vocabulary import GROUP_MODE_LABELS, MESSAGE_AUDIENCE_LABELS

#: The highest maximum a paper quiz may be marked out of.
MOST_MARKS = 1000


class GroupForm(PortalForm):
    name = StringField(_l("Name of the group"), validators=[DataRequired(_l("Please write a name.")),
                                                            Length(max=120)])
    course = SelectField(_l("Course"), widget=SelectWithPrompt(),
                         validators=[InputRequired(_l("Please choose a course."))])
    country = SelectField(_l("Country"), widget=SelectWithPrompt(),
                          validators=[InputRequired(_l("Please choose your country."))])
    organisation = SelectField(_l("Partner organisation"), default="")
    #: Choices from ``offer_workplaces``; validated against them, with a message of ours (``validate_workplace``).
    workplace = SelectField(_l("Workplace"), default="", validate_choice=False,
                            description=_l("The hotel, factory or site the training is held at or for, if it is for "
                                           "one: its workplace survey rounds are then shown before and after it."))
    mode = RadioField(_l("How the group meets"), choices=[SelectChoice(k, v) for k, v in GROUP_MODE_LABELS.items()],
                      validators=[InputRequired(_l("Please choose one answer."))])
    place = StringField(_l("Place (leave empty for a group that meets online)"),
                        validators=[Length(max=120)])
    starts_on = DateField(_l("First day"), validators=[InputRequired(_l("Please give a date."))])
    ends_on = DateField(_l("Last day"), validators=[InputRequired(_l("Please give a date."))])
    trains_trainers = BooleanField(_l("This is a training of trainers"))

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day comes before the first day."))

    def validate_place(self, field) -> None:
        if self.mode.data in ("in-person", "blended") and not (field.data or "").strip():
            raise ValidationError(_l("Please write where the group meets."))

    def group_country(self) -> str | None:
        return self.country.data

    def validate_organisation(self, field) -> None:
        """A Senegal group filed under a Peruvian union was shown to Peru's coordinator, not Senegal's."""
        country = self.group_country()
        if field.data and country and not organisation_fits(int(field.data), country):
            raise ValidationError(_l("This organisation works in another country than the group: choose one of "
                                     "the group's country, or none."))

    def offer_workplaces(self, workplaces: list[Workplace]) -> None:
        """The workplaces the group may be held at (``services.offered_workplaces``): the only ones accepted."""
        self.offered = {str(w.id): w for w in workplaces}
        language = current_language()
        self.workplace.choices = [SelectChoice("", _("None"))] + [
            SelectChoice(key, f"{w.name} ({country_name(w.country, language)})") for key, w in self.offered.items()]

    def validate_workplace(self, field) -> None:
        """One of the workplaces offered (its creator may see it), of the group's country: its rounds are read
        beside the training, by those who see both."""
        if not field.data:
            return
        chosen = self.offered.get(field.data)
        if chosen is None:
            raise ValidationError(_l("Choose one of the workplaces offered: a group is held at a workplace you may "
                                     "see, or at none."))
        country = self.group_country()
        if country and chosen.country != country:
            raise ValidationError(_l("This workplace is in another country than the group: choose one of the "
                                     "group's country, or none."))

    def workplace_id(self) -> int | None:
        return self.offered[self.workplace.data].id if self.workplace.data else None


class EditGroupForm(GroupForm):
    """A group's country stays: it decides who manages the group and where its figures count."""

    country = None

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_country = country

    def group_country(self) -> str | None:
        return self.fixed_country


class JoinForm(PortalForm):
    code = StringField(_l("Join code"), validators=[DataRequired(_l("Please write the code."))],
                       render_kw={"autocapitalize": "characters", "autocomplete": "off"})


class BulkForm(PortalForm):
    members = TextAreaField(_l("Members, one a line: a name, or a name, a comma and a username"),
                            validators=[DataRequired(_l("The list is empty."))], render_kw={"rows": 12})

    def describe(self, example_phone: str) -> None:
        """The list's help, with a number as it is dialled in the group's country."""
        self.members.description = _("A gender, a year of birth and a phone number may follow, separated by "
                                     "commas, for example: Awa Ndiaye, , woman, 1990, %(phone)s (any of them may "
                                     "be left empty; a username left empty is made up). Without a gender, it is "
                                     "\"I prefer not to say\".", phone=example_phone)


class SessionForm(PortalForm):
    held_on = DateField(_l("Date"), validators=[InputRequired(_l("Please give a date."))])
    topic = StringField(_l("What was done"), validators=[DataRequired(_l("Please write what was done.")),
                                                         Length(max=200)])
    present = CheckboxesField(_l("Present"), coerce=int, choices=[])
    lessons = CheckboxesField(_l("Lessons the session covered"), coerce=int, choices=[],
                              description=_l("They are marked done for every member ticked present."))

    def validate_held_on(self, field) -> None:
        """Attendance counts in the month the session was held, and the figures of a month that has ended are
        published (docs/reports.md): nobody may add records to them."""
        if field.data and field.data < clock.today().replace(day=1):
            raise ValidationError(_l("A session in a month that has ended cannot be added: that month's figures "
                                     "are published. To type in an earlier training, give today's date and write "
                                     "the real date in \"What was done\": the lessons it covered are marked done "
                                     "all the same."))

    def validate_lessons(self, field) -> None:
        if field.data and self.held_on.data and self.held_on.data > clock.today():
            raise ValidationError(_l("Lessons are marked done once the session is held: record them on the day "
                                     "or later."))


class PaperScoreForm(PortalForm):
    mark = IntegerField(_l("Mark"), validators=[InputRequired(_l("Please give a whole number.")),
                                                NumberRange(0, MOST_MARKS)],
                        render_kw={"inputmode": "numeric"})
    out_of = IntegerField(_l("Out of"), validators=[InputRequired(_l("Please give a whole number.")),
                                                    NumberRange(1, MOST_MARKS)],
                          render_kw={"inputmode": "numeric"})

    def validate_mark(self, field) -> None:
        if field.data is not None and self.out_of.data and field.data > self.out_of.data:
            raise ValidationError(_l("The mark is more than the maximum."))


def parse_marks(form, member_names: dict[int, str], out_of_raw: str) -> tuple[int | None, dict[int, int], list[str]]:
    """The maximum and each member's mark from the paper scores sheet, and what is wrong with them."""
    errors = []
    out_of = int(out_of_raw) if out_of_raw.isdigit() and 1 <= int(out_of_raw) <= MOST_MARKS else None
    if out_of is None:
        errors.append(_("The maximum mark is a whole number from 1 to %(most)d.", most=MOST_MARKS))
    marks = {}
    for user_id, name in member_names.items():
        raw = form.get(f"mark-{user_id}", "").strip()
        if not raw:
            continue
        if not raw.isdigit() or (out_of is not None and int(raw) > out_of):
            errors.append(_("%(name)s: a mark is a whole number from 0 to the maximum.", name=name))
        else:
            marks[user_id] = int(raw)
    return out_of, marks, errors


class MessageForm(PortalForm):
    """A message to the group's members: the text, and to whom. ``sessions`` (id -> label) are those the members
    absent from one may be chosen from; ``frames`` (lms/groups/messages.py ``frames``) what each SMS adds to the
    text, in the members' languages: the text's length is that of its longest SMS."""

    text = TextAreaField(_l("Message"), validators=[DataRequired(_l("Please write the message."))],
                         render_kw={"rows": 5, "data-sms-counter": ""},
                         description=_l("It goes as you write it, by SMS or by e-mail as each member chose."))
    audience = RadioField(_l("To whom"), default="group",
                          choices=[SelectChoice(k, v) for k, v in MESSAGE_AUDIENCE_LABELS.items()],
                          validators=[InputRequired(_l("Please choose one answer."))])
    session = SelectField(_l("The session they missed"), default="", validate_choice=False)

    def __init__(self, *args, sessions: dict[int, str], frames: list[Frame] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = sessions
        self.frames = frames or []
        self.session.choices = [SelectChoice("", _("Choose a session"))] + [
            SelectChoice(str(key), label) for key, label in sessions.items()]

    def validate_text(self, field) -> None:
        most = current_app.config["SMS_MAX_SEGMENTS"]
        text = clean_text(field.data)
        size = longest(text, self.frames) if self.frames else measure(text)
        if size.segments > most:
            raise ValidationError(_("With the portal's name and the way to stop, this message takes %(n)d SMS; a "
                                    "message to a group may take %(most)d at most. Please shorten it.",
                                    n=size.segments, most=most))

    def validate_session(self, field) -> None:
        if self.audience.data == "absent" and self.session_id() is None:
            raise ValidationError(_l("Please choose one of this group's sessions."))

    def frames_data(self) -> list[list[str]]:
        """The frames for the counter script (sms-counter.js): [before, after] each."""
        return [[frame.before, frame.after] for frame in self.frames]

    def session_id(self) -> int | None:
        raw = (self.session.data or "").strip()
        return int(raw) if raw.isdigit() and int(raw) in self.sessions else None

    def draft(self) -> Draft:
        absent = self.audience.data == "absent"
        return Draft(clean_text(self.text.data), self.audience.data, self.session_id() if absent else None)
