"""Writing courses in the browser. All the URLs of authoring are here (translating: lms/translate)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import select

from lms.author import removal, services
from lms.author.forms import (
    ArchiveForm,
    CourseTextForm,
    EditorForm,
    ImageForm,
    LessonForm,
    NewCourseForm,
    PassMarkForm,
    QuestionForm,
    TitleForm,
)
from lms.author.lookup import (
    editable_course,
    known_language,
    lesson_of,
    module_of,
    question_of,
    refused_differences,
    save_or_conflict,
)
from lms.author.services import text_in
from lms.content.archive import course_zip
from lms.content.markdown import MarkdownRefused, markdown_problem, refusal, render_markdown
from lms.content.reader import CourseProblems
from lms.core import audit
from lms.core.listing import listing
from lms.extensions import db
from lms.i18n import UI_LANGUAGES, current_language, pick_string
from lms.models import Course, LessonVersion, Question, User
from lms.permissions import owns_course, roles, writes_courses
from lms.surveys import results as outcomes

bp = Blueprint("author", __name__, url_prefix="/author")


@bp.route("/")
@roles("trainer")
def index():
    archived = request.args.get("show") == "archived"
    query, title = services.authored_courses(current_user, archived=archived)
    courses = listing(query, sorts={"title": sa.func.lower(title), "created": Course.created_at,
                                    "language": Course.source_language, "state": Course.published},
                      default="title", search_in=[title, Course.slug], tiebreak=Course.id)
    return render_template("author/index.html", courses=courses, archived=archived)


@bp.route("/courses/new", methods=["GET", "POST"])
@roles("trainer")
def new_course():
    form = NewCourseForm()
    if form.validate_on_submit():
        course = services.create_course(owner=current_user, language=form.language.data, title=form.title.data,
                                        summary=form.summary.data, intro=form.intro.data, topics=form.topics.data)
        db.session.commit()
        flash(_("The course is created. It stays a draft until you publish it."), "success")
        return redirect(url_for("author.show_course", slug=course.slug))
    return render_template("author/new_course.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/import", methods=["GET", "POST"])
@roles("trainer")
def import_course():
    form = ArchiveForm()
    problems = []
    if form.validate_on_submit():
        try:
            report = services.import_archive(form.archive.data.read(), current_user)
        except CourseProblems as error:
            db.session.rollback()
            problems = error.problems
        else:
            db.session.commit()
            flash(_("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
                    created=len(report.created), updated=len(report.updated), unchanged=len(report.unchanged)),
                  "success")
            return redirect(url_for("author.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("author/import.html", form=form, problems=problems), status


@bp.route("/courses/<slug>/export.zip")
@roles("trainer")
def export_course(slug: str):
    course = editable_course(slug)
    return Response(course_zip(course), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{course.slug}.zip"'})


@bp.route("/courses/<slug>")
@roles("trainer")
def show_course(slug: str):
    course = editable_course(slug)
    gain = outcomes.gain_sums(course).published
    return render_template("author/course.html", course=course, module_form=TitleForm(prefix="module"),
                           lesson_form=TitleForm(prefix="lesson"), editor_form=EditorForm(),
                           languages=[code for code in UI_LANGUAGES if code != course.source_language],
                           gain=gain)


@bp.route("/courses/<slug>/texts/<language>", methods=["GET", "POST"])
@roles("trainer")
def edit_course_text(slug: str, language: str):
    course = editable_course(slug)
    row = text_in(course.translations, known_language(language))
    form = CourseTextForm(data={"title": row.title, "summary": row.summary, "intro": row.intro_md} if row else None)
    source = text_in(course.translations, course.source_language)
    if form.validate_on_submit() and not (language != course.source_language and refused_differences(
            form, form.intro, source.title, source.intro_md)):
        services.update_course_text(course, language, title=form.title.data, summary=form.summary.data,
                                    intro=form.intro.data, author=current_user)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("author.show_course", slug=course.slug))
    return render_template("author/course_text.html", course=course, form=form, language=language,
                           source=source, state=services.state_of(course.translations, language,
                                                                  course.source_language)
                           ), 400 if form.is_submitted() else 200


@bp.route("/courses/<slug>/publish", methods=["POST"])
@roles("trainer")
def set_published(slug: str):
    course = editable_course(slug)
    course.published = request.form.get("published") == "1"
    db.session.commit()
    flash(_("The course is published.") if course.published else _("The course is a draft again."), "success")
    return redirect(url_for("author.show_course", slug=course.slug))


@bp.route("/courses/<slug>/review-rule", methods=["POST"])
@roles("trainer")
def set_review_rule(slug: str):
    """Whether translations need a reviewer other than their translator: the course's owners decide, and the log
    keeps who did."""
    course = editable_course(slug)
    if not owns_course(current_user, course):
        abort(403)
    course.require_independent_review = request.form.get("require_independent_review") == "1"
    audit.record("course review rule", {"course": course.slug, "independent": course.require_independent_review},
                 current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("author.show_course", slug=course.slug))


@bp.route("/courses/<slug>/editors", methods=["POST"])
@roles("trainer")
def add_editor(slug: str):
    course = editable_course(slug)
    form = EditorForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip().casefold()))
        if user is None or not writes_courses(user):
            flash(_("There is no trainer with this username."), "error")
        else:
            services.add_editor(course, user)
            db.session.commit()
            flash(_("%(name)s may now edit this course.", name=user.display_name), "success")
    return redirect(url_for("author.show_course", slug=course.slug))


@bp.route("/courses/<slug>/modules", methods=["POST"])
@roles("trainer")
def add_module(slug: str):
    course = editable_course(slug)
    form = TitleForm(prefix="module")
    if form.validate_on_submit():
        services.add_module(course, form.title.data)
        db.session.commit()
    else:
        flash(_("Please write a title."), "error")
    return redirect(url_for("author.show_course", slug=course.slug))


@bp.route("/courses/<slug>/modules/<module>/title", methods=["POST"])
@roles("trainer")
def rename_module(slug: str, module: str):
    course = editable_course(slug)
    target = module_of(course, module)
    form = TitleForm(prefix=f"rename-{target.slug}")
    if form.validate_on_submit():
        services.rename_module(target, course.source_language, form.title.data)
        db.session.commit()
        flash(_("Saved."), "success")
    else:
        flash(_("Please write a title."), "error")
    return redirect(url_for("author.show_course", slug=course.slug))


@bp.route("/courses/<slug>/modules/<module>/lessons", methods=["POST"])
@roles("trainer")
def add_lesson(slug: str, module: str):
    course = editable_course(slug)
    target = module_of(course, module)
    form = TitleForm(prefix="lesson")
    if not form.validate_on_submit():
        flash(_("Please write a title."), "error")
        return redirect(url_for("author.show_course", slug=course.slug))
    lesson = services.add_lesson(course, target, form.title.data, _("Write the lesson here."), current_user)
    db.session.commit()
    return redirect(url_for("author.edit_lesson", slug=course.slug, lesson=lesson.slug))


@bp.route("/courses/<slug>/modules/<module>/move", methods=["POST"])
@roles("trainer")
def move_module(slug: str, module: str):
    course = editable_course(slug)
    services.move(course.modules, module_of(course, module), -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("author.show_course", slug=course.slug))


@bp.route("/courses/<slug>/lessons/<lesson>/move", methods=["POST"])
@roles("trainer")
def move_lesson(slug: str, lesson: str):
    course = editable_course(slug)
    item = lesson_of(course, lesson)
    services.move(item.module.lessons, item, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("author.show_course", slug=course.slug))


@bp.route("/courses/<slug>/lessons/<lesson>", methods=["GET", "POST"])
@roles("trainer")
def edit_lesson(slug: str, lesson: str):
    course = editable_course(slug)
    item = lesson_of(course, lesson)
    row = text_in(item.translations, course.source_language)
    form = LessonForm(data={"title": row.title, "body": row.body_md, "version": row.version} if row else None)
    preview, status = None, 200
    if form.validate_on_submit():
        if form.preview.data:
            preview = render_markdown(form.body.data)
        elif save_or_conflict(form, item, course.source_language):
            db.session.commit()
            flash(_("Saved as version %(n)d.", n=text_in(item.translations, course.source_language).version),
                  "success")
            return redirect(url_for("author.edit_lesson", slug=course.slug, lesson=item.slug))
        else:
            status = 409
    elif form.is_submitted():
        status = 400
    return render_template("author/lesson.html", course=course, lesson=item, form=form, preview=preview,
                           image_form=ImageForm()), status


@bp.route("/courses/<slug>/preview", methods=["POST"])
@roles("trainer")
def preview_markdown(slug: str):
    """The rendered, sanitised Markdown, for the script that refreshes the preview as one types."""
    editable_course(slug)
    body = request.form.get("body", "")
    problem = markdown_problem(body)
    if problem:
        return escape(refusal(problem)), 400
    return render_markdown(body)


@bp.route("/courses/<slug>/lessons/<lesson>/history")
@roles("trainer")
def lesson_history(slug: str, lesson: str):
    course = editable_course(slug)
    item = lesson_of(course, lesson)
    language = known_language(request.args.get("lang", course.source_language))
    history = services.versions(item, language)
    by_number = {v.number: v for v in history}
    diff = None
    old, new = by_number.get(request.args.get("a", type=int)), by_number.get(request.args.get("b", type=int))
    if old and new:
        diff = services.diff_versions(old, new)
    return render_template("author/history.html", course=course, lesson=item, language=language, history=history,
                           diff=diff, old=old, new=new)


@bp.route("/courses/<slug>/lessons/<lesson>/history/<int:number>/restore", methods=["POST"])
@roles("trainer")
def restore_version(slug: str, lesson: str, number: int):
    course = editable_course(slug)
    item = lesson_of(course, lesson)
    language = known_language(request.args.get("lang", course.source_language))
    version = db.session.scalar(select(LessonVersion).where(
        LessonVersion.lesson_id == item.id, LessonVersion.language == language, LessonVersion.number == number))
    if version is None:
        abort(404)
    try:
        services.restore_version(item, version, current_user)
    except MarkdownRefused as refused:  # a version saved before the renderer's bounds
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(_("Version %(n)d is the current text again.", n=number), "success")
    return redirect(url_for("author.lesson_history", slug=course.slug, lesson=item.slug, lang=language))


@bp.route("/courses/<slug>/images", methods=["POST"])
@roles("trainer")
def upload_image(slug: str):
    course = editable_course(slug)
    form = ImageForm()
    back = request.form.get("back") or url_for("author.show_course", slug=course.slug)
    if not back.startswith("/author/"):
        back = url_for("author.show_course", slug=course.slug)
    if not form.validate_on_submit():
        flash(_("Please choose an image file."), "error")
        return redirect(back)
    try:
        image = services.store_image(course, form.image.data.read(), current_user)
    except services.NotAnImage as refused:
        flash(_("%(reason)s Nothing was saved.", reason=str(refused)), "error")
        return redirect(back)
    db.session.commit()
    markdown = "![](" + url_for("core.show_image", name=image.name) + ")"
    flash(_("Image uploaded. Put this line in the lesson where it should appear: %(markdown)s",
            markdown=markdown), "success")
    return redirect(back)


@bp.route("/courses/<slug>/modules/<module>/quiz", methods=["GET", "POST"])
@roles("trainer")
def edit_quiz(slug: str, module: str):
    course = editable_course(slug)
    target = module_of(course, module)
    form = PassMarkForm(data={"pass_mark": target.pass_mark or 70})
    if form.validate_on_submit():
        target.pass_mark = form.pass_mark.data if target.questions else None
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("author.edit_quiz", slug=course.slug, module=target.slug))
    return render_template("author/quiz.html", course=course, module=target, form=form)


@bp.route("/courses/<slug>/modules/<module>/questions/new", methods=["GET", "POST"])
@bp.route("/courses/<slug>/modules/<module>/questions/<question>", methods=["GET", "POST"])
@roles("trainer")
def edit_question(slug: str, module: str, question: str | None = None):
    course = editable_course(slug)
    target = module_of(course, module)
    item: Question | None = None
    data = None
    if question is not None:
        item = question_of(target, question)
        language = course.source_language
        data = {"prompt": text_in(item.translations, language).prompt, "kind": item.kind, "choices": [
            {"text": text_in(c.translations, language).text, "feedback": text_in(c.translations, language).feedback,
             "correct": c.correct} for c in item.choices]}
    form = QuestionForm(data=data)
    while len(form.choices) < 5:
        form.choices.append_entry()
    if form.validate_on_submit():
        services.save_question(target, item, language=course.source_language, prompt=form.prompt.data,
                               kind=form.kind.data, choices=[
                                   services.ChoiceInput(c["text"], c["feedback"], c["correct"])
                                   for c in form.filled_choices()])
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("author.edit_quiz", slug=course.slug, module=target.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("author/question.html", course=course, module=target, form=form, question=item), status


@bp.route("/courses/<slug>/modules/<module>/questions/<question>/delete", methods=["GET", "POST"])
@roles("trainer")
def delete_question(slug: str, module: str, question: str):
    course = editable_course(slug)
    target = module_of(course, module)
    item = question_of(target, question)
    back = url_for("author.edit_quiz", slug=course.slug, module=target.slug)
    if not confirmed():
        return confirm_page(course, _("Delete this question?"), pick_string(
            item.translations, current_language(), course.source_language, "prompt"),
            removal.what_goes_with_question(course, item), back)
    services.delete_question(target, item)
    db.session.commit()
    flash(_("The question is deleted."), "success")
    return redirect(back)


@bp.route("/courses/<slug>/modules/<module>/questions/<question>/move", methods=["POST"])
@roles("trainer")
def move_question(slug: str, module: str, question: str):
    course = editable_course(slug)
    target = module_of(course, module)
    removal.move_question(target, question_of(target, question), -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("author.edit_quiz", slug=course.slug, module=target.slug))


@bp.route("/courses/<slug>/lessons/<lesson>/delete", methods=["GET", "POST"])
@roles("trainer")
def delete_lesson(slug: str, lesson: str):
    course = editable_course(slug)
    item = lesson_of(course, lesson)
    back = url_for("author.show_course", slug=course.slug)
    if not confirmed():
        return confirm_page(course, _("Delete this lesson?"), pick_string(
            item.translations, current_language(), course.source_language, "title"),
            removal.what_goes_with_lesson(course, item), back)
    removal.delete_lesson(item)
    db.session.commit()
    flash(_("The lesson is deleted."), "success")
    return redirect(back)


@bp.route("/courses/<slug>/modules/<module>/delete", methods=["GET", "POST"])
@roles("trainer")
def delete_module(slug: str, module: str):
    course = editable_course(slug)
    target = module_of(course, module)
    back = url_for("author.show_course", slug=course.slug)
    if not confirmed():
        return confirm_page(course, _("Delete this module?"), pick_string(
            target.translations, current_language(), course.source_language, "title"),
            removal.what_goes_with_module(course, target), back)
    removal.delete_module(target)
    db.session.commit()
    flash(_("The module is deleted."), "success")
    return redirect(back)


@bp.route("/courses/<slug>/archive", methods=["POST"])
@roles("trainer")
def set_archived(slug: str):
    course = editable_course(slug)
    archived = request.form.get("archived") == "1"
    removal.set_archived(course, archived)
    db.session.commit()
    flash(_("The course is archived: it is out of the catalogue and of new groups.") if archived
          else _("The course is back from the archive."), "success")
    return redirect(url_for("author.show_course", slug=course.slug))


@bp.route("/courses/<slug>/delete", methods=["GET", "POST"])
@roles("trainer")
def delete_course(slug: str):
    course = editable_course(slug)
    back = url_for("author.show_course", slug=course.slug)
    title = pick_string(course.translations, current_language(), course.source_language, "title")
    if removal.has_history(course):
        return render_template("author/confirm_delete.html", course=course, heading=_("Delete this course?"),
                               name=title, what=None, back=back), 400 if request.method == "POST" else 200
    if not confirmed():
        return confirm_page(course, _("Delete this course?"), title, removal.what_goes_with_course(course), back)
    removal.delete_course(course)
    db.session.commit()
    flash(_("The course is deleted."), "success")
    return redirect(url_for("author.index"))


def confirmed() -> bool:
    """A POST from the confirmation page (a POST without its ``confirm`` field only shows the page)."""
    return request.method == "POST" and request.form.get("confirm") == "1"


def confirm_page(course, heading: str, name: str, what: removal.WhatGoes, back: str):
    return render_template("author/confirm_delete.html", course=course, heading=heading, name=name, what=what,
                           back=back)
