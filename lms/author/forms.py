"""Forms for writing courses, lessons, quizzes and translations."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from lms.content.markdown import markdown_problem, refusal
from lms.core.fields import CheckboxesField, NumberRange
from lms.core.forms import PlainForm, PortalForm
from lms.i18n import UI_LANGUAGES, language_name
from lms.vocabulary import TOPIC_LABELS

TITLE = [DataRequired(_l("Please write a title.")), Length(max=200)]


def renderable_markdown(form, field) -> None:
    """Markdown the renderer takes (lms/content/markdown.py bounds its size and nesting)."""
    problem = markdown_problem(field.data or "")
    if problem:
        raise ValidationError(refusal(problem))


class CourseTextForm(PortalForm):
    title = StringField(_l("Title"), validators=TITLE)
    summary = StringField(_l("Summary (one line, shown in the catalogue)"),
                          validators=[DataRequired(_l("Please write a summary.")), Length(max=400)])
    intro = TextAreaField(_l("Introduction (Markdown)"),
                          validators=[DataRequired(_l("Please write an introduction.")), renderable_markdown],
                          render_kw={"rows": 8})


class NewCourseForm(CourseTextForm):
    language = SelectField(_l("Language the course is written in"),
                           choices=[SelectChoice(code, language_name(code)) for code in UI_LANGUAGES])
    topics = CheckboxesField(_l("Topics"), choices=[SelectChoice(code, label) for code, label in TOPIC_LABELS.items()],
                             validators=[DataRequired(_l("Please choose at least one topic."))])


class TitleForm(PortalForm):
    title = StringField(_l("Title"), validators=TITLE)


class LessonForm(PortalForm):
    title = StringField(_l("Title"), validators=TITLE)
    body = TextAreaField(_l("Lesson text (Markdown)"), validators=[DataRequired(_l("Please write the lesson.")),
                                                                   renderable_markdown],
                         render_kw={"rows": 18, "data-live-preview": "live-preview"})
    #: The version this edit started from: a save on top of a newer one is refused.
    version = HiddenField()
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))


class ImageForm(PortalForm):
    image = FileField(_l("Image (JPEG, PNG, GIF or WebP, up to 5 MB)"),
                      validators=[FileRequired(_l("Please choose an image file."))])


class ArchiveForm(PortalForm):
    archive = FileField(_l("Course archive (.zip, in the courses/ format)"),
                        validators=[FileRequired(_l("Please choose a zip file."))])


class EditorForm(PortalForm):
    username = StringField(_l("Username of the trainer"), validators=[DataRequired(_l("Please write a username."))])


class PassMarkForm(PortalForm):
    pass_mark = IntegerField(_l("Pass mark (percent of questions right)"), validators=[
        InputRequired(_l("Please give a pass mark.")),
        NumberRange(1, 100, _l("Please give a number from %(min)s to %(max)s."))])


class ChoiceForm(PlainForm):
    text = StringField(_l("Answer"), validators=[Optional(), Length(max=500)])
    feedback = StringField(_l("Feedback shown to whoever picks it"), validators=[Optional(), Length(max=1000)])
    correct = BooleanField(_l("This answer is right"))


class QuestionForm(PortalForm):
    prompt = StringField(_l("Question"), validators=[DataRequired(_l("Please write the question.")),
                                                     Length(max=1000)])
    kind = RadioField(_l("Kind"), choices=[SelectChoice("single", _l("One right answer")),
                                           SelectChoice("multiple", _l("One or more right answers"))],
                      default="single", validators=[InputRequired(_l("Please choose one answer."))])
    choices = FieldList(FormField(ChoiceForm), min_entries=5, max_entries=8)

    def filled_choices(self) -> list[dict]:
        return [c.data for c in self.choices if (c.data["text"] or "").strip()]

    def validate_choices(self, field) -> None:
        filled = self.filled_choices()
        if len(filled) < 2:
            raise ValidationError(_l("A question needs at least two answers."))
        if any(not (c["feedback"] or "").strip() for c in filled):
            raise ValidationError(_l("Every answer needs feedback that explains it."))
        right = sum(1 for c in filled if c["correct"])
        if right == 0:
            raise ValidationError(_l("Mark at least one answer as right."))
        if self.kind.data == "single" and right != 1:
            raise ValidationError(_l("A question with one right answer needs exactly one answer marked right."))


class TranslationForm(PortalForm):
    title = StringField(_l("Title"), validators=TITLE)
    body = TextAreaField(_l("Translation (Markdown)"), validators=[DataRequired(_l("Please write the translation.")),
                                                                      renderable_markdown],
                         render_kw={"rows": 18})
    version = HiddenField()
    save = SubmitField(_l("Save translation"))
