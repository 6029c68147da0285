"""Translating a course in the browser, next to its source. All the URLs of translating are here."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.author import services
from lms.author.forms import TranslationForm
from lms.author.lookup import (
    lesson_of,
    module_of,
    refused_differences,
    save_or_conflict,
    translation_target,
)
from lms.author.services import text_in
from lms.extensions import db
from lms.models import Course
from lms.permissions import roles

bp = Blueprint("translate", __name__, url_prefix="/author/courses/<slug>/translate/<language>")


@bp.route("")
@roles("trainer")
def show_status(slug: str, language: str):
    course = translation_target(slug, language)
    return render_template("translate/status.html", course=course, language=language,
                           overview=services.translation_statuses(course, language))


@bp.route("/lessons/<lesson>", methods=["GET", "POST"])
@roles("trainer")
def edit_lesson(slug: str, language: str, lesson: str):
    course = translation_target(slug, language)
    item = lesson_of(course, lesson)
    source = text_in(item.translations, course.source_language)
    row = text_in(item.translations, language)
    form = TranslationForm(data={"title": row.title, "body": row.body_md, "version": row.version} if row
                           else {"version": 0})
    status = 200
    if form.validate_on_submit() and not refused_differences(form, form.body, source.title, source.body_md):
        if save_or_conflict(form, item, language, source_checksum=source.checksum):
            db.session.commit()
            flash(_("Saved. The translation is a draft until someone marks it reviewed."), "success")
            return redirect(url_for("translate.edit_lesson", slug=course.slug, language=language,
                                    lesson=item.slug))
        status = 409
    elif form.is_submitted():
        status = 400
    return render_template("translate/lesson.html", course=course, language=language, lesson=item,
                           source=source, row=row, form=form,
                           state=services.state_of(item.translations, language, course.source_language)), status


@bp.route("/modules/<module>", methods=["GET", "POST"])
@roles("trainer")
def edit_module(slug: str, language: str, module: str):
    """The module's title and quiz texts, next to the source."""
    course = translation_target(slug, language)
    target = module_of(course, module)
    problems = []
    if request.method == "POST":  # CSRF is checked for every POST by CSRFProtect
        form = request.form
        questions = {q.slug: services.QuestionTexts(form.get(f"q-{q.slug}", ""), {
            c.slug: (form.get(f"c-{q.slug}-{c.slug}-text", ""), form.get(f"c-{q.slug}-{c.slug}-feedback", ""))
            for c in q.choices}) for q in target.questions}
        problems = services.save_module_texts(target, language, form.get("title", ""), questions, current_user)
        if not problems:
            db.session.commit()
            flash(_("Saved. The translation is a draft until someone marks it reviewed."), "success")
            return redirect(url_for("translate.edit_module", slug=course.slug, language=language,
                                    module=target.slug))
        db.session.rollback()
    return render_template("translate/module.html", course=course, language=language, module=target,
                           problems=problems, text_in=text_in,
                           state=services.state_of(target.translations, language, course.source_language)
                           ), 400 if problems else 200


@bp.route("/lessons/<lesson>/review", methods=["POST"])
@roles("trainer")
def review_lesson(slug: str, language: str, lesson: str):
    course = translation_target(slug, language)
    item = lesson_of(course, lesson)
    _review(course, item.translations, language)
    return redirect(url_for("translate.edit_lesson", slug=course.slug, language=language, lesson=item.slug))


@bp.route("/modules/<module>/review", methods=["POST"])
@roles("trainer")
def review_module(slug: str, language: str, module: str):
    """Mark the module's title and quiz texts reviewed, as one."""
    course = translation_target(slug, language)
    target = module_of(course, module)
    _review(course, target.translations, language)
    return redirect(url_for("translate.edit_module", slug=course.slug, language=language, module=target.slug))


@bp.route("/page/review", methods=["POST"])
@roles("trainer")
def review_course_page(slug: str, language: str):
    course = translation_target(slug, language)
    _review(course, course.translations, language)
    return redirect(url_for("author.edit_course_text", slug=course.slug, language=language))


def _review(course: Course, rows: list, language: str) -> None:
    """Mark the translation among ``rows`` reviewed and commit, or say why not: it is not current, or the course
    wants a reviewer other than its translator."""
    if services.state_of(rows, language, course.source_language) not in ("draft", "reviewed"):
        flash(_("Only a current translation can be marked reviewed."), "error")
    elif services.mark_reviewed(course, text_in(rows, language), current_user):
        db.session.commit()
        flash(_("The translation is marked reviewed."), "success")
    else:
        flash(_("This course asks for a review by someone other than the translator."), "error")
