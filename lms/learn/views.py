"""The catalogue, courses, lessons, quizzes and "my learning". All the URLs of learning are here."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from lms import clock
from lms.auth.sessions import read_with_session, rows_read_with_session
from lms.auth.throttle import Rule, signed_in_account, throttled
from lms.extensions import db
from lms.i18n import current_language, pick_string, pick_text
from lms.learn import offline, reading, services
from lms.learn.forms import CatalogueFilter, quiz_form
from lms.learn.lesson_page import lesson_page
from lms.learn.services import Step
from lms.models import Course, Module
from lms.permissions import can_read_course, public, signed_in, writes_courses
from lms.surveys.invitations import baseline_waiting, waiting_for

bp = Blueprint("learn", __name__)


def step_url(course: Course, step: Step | None) -> str:
    if step is None:
        return url_for("learn.show_course", slug=course.slug)
    if step.lesson is not None:
        return url_for("learn.show_lesson", slug=course.slug, lesson=step.lesson.slug)
    return url_for("learn.take_quiz", slug=course.slug, module=step.module.slug)


def kept_with_course(course: Course, *key, caller) -> Markup:
    """``{% call kept_with_course(course, 'lesson', slug) %}...{% endcall %}``: a part of a page drawn from the
    course alone, in the interface language, kept with the process's copy of the course (lms/learn/reading.py):
    no member's data, no CSRF token in it."""
    return reading.kept_part(course, (*key, current_language(), request.script_root), caller)


@bp.app_context_processor
def learning_helpers():
    return {"step_url": step_url, "pick_text": pick_text, "pick_string": pick_string, "offline_owner": offline_owner,
            "sync_batch": offline.MAX_OPERATIONS, "kept_with_course": kept_with_course}


#: The header that tells the service worker whose page it is (sw.js): the same token as the page's meta element.
OWNER_HEADER = "Offline-Owner"


def offline_owner() -> str | None:
    """The owner token of the signed-in member, for base.html's ``<meta name="offline-owner">``; None signed out.

    The page's response then carries it in the ``Offline-Owner`` header too (``tell_owner``).
    """
    if not current_user.is_authenticated:
        return None
    g.offline_owner = offline.owner_token(current_user.id)
    return g.offline_owner


@bp.after_app_request
def tell_owner(response):
    """A page drawn for a signed-in member names its owner; a page without the header was drawn for nobody."""
    owner = g.get("offline_owner")
    if owner and response.mimetype == "text/html":
        response.headers[OWNER_HEADER] = owner
    return response


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _course_or_404(slug: str) -> Course:
    """The course, if the reader may read it: a draft only for its editors (a preview) and admins."""
    return _readable_or_404(reading.course_for_reading(slug, include_unpublished=writes_courses(current_user)))


def _readable_or_404(course: Course | None) -> Course:
    if course is None or not can_read_course(current_user, course):
        abort(404)
    return course


def _module_or_404(course: Course, slug: str) -> Module:
    module = next((m for m in course.modules if m.slug == slug), None)
    if module is None or not module.has_quiz:
        abort(404)
    return module


@bp.route("/")
@public
def home():
    signed = current_user.is_authenticated
    resume = services.resume_point(current_user.id) if signed else None
    waiting = waiting_for(current_user.id, clock.today()) if signed else []
    return render_template("learn/home.html", resume=resume, courses=services.catalogue()[:6],
                           waiting_surveys=waiting)


@bp.route("/courses")
@public
def catalogue():
    form = CatalogueFilter(request.args, services.catalogue_languages(), current_language())
    form.validate()
    topic = form.topic.data if not form.topic.errors else None
    language = form.language.data if not form.language.errors else None
    courses = services.catalogue(topic=topic or None, language=language or None)
    return render_template("learn/catalogue.html", form=form, courses=courses)


@bp.route("/courses/<slug>")
@public
def show_course(slug: str):
    course = _course_or_404(slug)
    state = services.progress(_user_id(), course)
    return render_template("learn/course.html", course=course, state=state)


@bp.route("/courses/<slug>/print")
@public
def print_course(slug: str):
    """The whole course on one page, laid out to print as a handout for a workshop without devices."""
    course = _course_or_404(slug)
    language = current_language()
    lessons = {lesson.id: pick_text(lesson.translations, language, course.source_language)
               for lesson in course.lessons}
    quizzes = {module.id: services.quiz_texts(module, language, course.source_language) for module in course.modules}
    return render_template("learn/print.html", course=course, lessons=lessons, quizzes=quizzes)


@bp.route("/courses/<slug>/start", methods=["POST"])
@signed_in
def start_course(slug: str):
    course = _course_or_404(slug)
    services.enrol(current_user.id, course)
    db.session.commit()
    baseline = baseline_waiting(current_user.id, course)
    if baseline is not None:
        flash(_("Before you begin: a short survey, so that we can see what the course changes."), "info")
        return redirect(url_for("surveys.consent", invitation_id=baseline.id))
    state = services.progress(current_user.id, course)
    return redirect(step_url(course, state.next_step))


@bp.url_value_preprocessor
def read_progress_with_session(endpoint: str | None, values: dict | None) -> None:
    """A lesson's content stamp and the member's progress come in the session's query (one round trip)."""
    if endpoint == "learn.show_lesson" and values:
        read_with_session(services.STAMP_AND_SESSION_STEPS_DONE, {"slug": values["slug"]})


@bp.route("/courses/<slug>/lessons/<lesson>")
@public
def show_lesson(slug: str, lesson: str):
    user_id = _user_id()
    course, state = services.reading_with_progress(slug, user_id, include_unpublished=writes_courses(current_user),
                                                   read=rows_read_with_session(user_id))
    course = _readable_or_404(course)
    index = next((i for i, step in enumerate(state.steps) if step.lesson and step.lesson.slug == lesson), None)
    if index is None:
        abort(404)
    step = state.steps[index]
    text = pick_text(step.lesson.translations, current_language(), course.source_language)
    if text is None:
        abort(404)
    return lesson_page(course, {
        "course": course, "state": state, "step": step, "text": text,
        "previous": state.steps[index - 1] if index > 0 else None,
        "following": state.steps[index + 1] if index + 1 < len(state.steps) else None,
    }, offline_owner)


@bp.route("/courses/<slug>/lessons/<lesson>/done", methods=["POST"])
@signed_in
def complete_lesson(slug: str, lesson: str):
    course = _course_or_404(slug)
    steps = services.course_steps(course)
    index = next((i for i, step in enumerate(steps) if step.lesson and step.lesson.slug == lesson), None)
    if index is None:
        abort(404)
    state = services.mark_lesson_done(current_user.id, course, steps[index].lesson)
    db.session.commit()
    if state.completed_at is not None and state.next_step is None:
        flash(_("Well done: you have completed this course!"), "success")
        return redirect(url_for("learn.show_course", slug=course.slug))
    following = steps[index + 1] if index + 1 < len(steps) else state.next_step
    return redirect(step_url(course, following))


@bp.route("/courses/<slug>/modules/<module>/quiz", methods=["GET", "POST"])
@signed_in
def take_quiz(slug: str, module: str):
    course = _course_or_404(slug)
    quiz_module = _module_or_404(course, module)
    quiz = services.quiz_texts(quiz_module, current_language(), course.source_language)
    form = quiz_form(quiz_module, quiz.language, course.source_language)
    if form.validate_on_submit():
        answers = {q.slug: _as_list(form[f"q_{q.slug}"].data) for q in quiz_module.questions}
        services.submit_quiz(current_user.id, course, quiz_module, answers)
        db.session.commit()
        return redirect(url_for("learn.quiz_result", slug=course.slug, module=quiz_module.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("learn/quiz.html", course=course, module=quiz_module, form=form, quiz=quiz), status


@bp.route("/courses/<slug>/modules/<module>/quiz/result")
@signed_in
def quiz_result(slug: str, module: str):
    course = _course_or_404(slug)
    quiz_module = _module_or_404(course, module)
    attempt = services.latest_attempt(current_user.id, quiz_module)
    if attempt is None:
        return redirect(url_for("learn.take_quiz", slug=course.slug, module=quiz_module.slug))
    result = services.grade_quiz(quiz_module, attempt.answers)
    state = services.progress(current_user.id, course)
    return render_template("learn/quiz_result.html", course=course, module=quiz_module, attempt=attempt,
                           result=result, state=state,
                           quiz=services.quiz_texts(quiz_module, current_language(), course.source_language))


@bp.route("/my-learning")
@signed_in
def my_learning():
    return render_template("learn/my_learning.html", items=services.learning(current_user.id))


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@bp.route("/courses/<slug>/offline.json")
@signed_in
def course_manifest(slug: str):
    """The pages and files a phone saves to read this course without a connection."""
    return jsonify(offline.course_manifest(_course_or_404(slug)))


@bp.route("/offline")
@public
def offline_page():
    """Shown by the phone for a page it has not saved, when there is no connection."""
    return render_template("learn/offline.html")


@bp.route("/offline/signed-out")
@public
def offline_signed_out_page():
    """Shown by the phone when Sign out is tapped without a connection: the service worker keeps a copy drawn for
    nobody, in the language of the member signed in last, and sends the sign-out once the phone is online."""
    return render_template("learn/offline_signed_out.html")


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, from the site's root so that it may serve every page of the site."""
    response = current_app.send_static_file("sw.js")
    response.cache_control.no_cache = True
    response.cache_control.max_age = 0
    return response


@bp.route("/sync/token")
@signed_in
def sync_token():
    """A fresh CSRF token for the sync (the one in a page saved days ago may have expired), and whose session it is:
    the phone sends only the queue of the member signed in."""
    response = jsonify({"token": generate_csrf(), "owner": offline.owner_token(current_user.id)})
    response.cache_control.no_store = True
    return response


@bp.route("/sync", methods=["POST"])
@signed_in
@throttled(Rule("SYNC_LIMIT", signed_in_account, "offline sync"))
def sync():
    """Lessons done and quizzes answered offline: each applied once, whatever the retries. Counted per account
    (``SYNC_LIMIT``): past it, a 429 that the phone answers by keeping its queue for later."""
    try:
        operations = offline.parse_operations(request.get_json(silent=True))
    except offline.SyncRefused as refused:
        return jsonify({"error": str(refused)}), 400
    results = offline.apply_operations(current_user.id, operations, clock.utcnow())
    db.session.commit()
    return jsonify({"results": results})
