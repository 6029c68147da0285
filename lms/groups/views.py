"""Training groups, joining them, and certificates. All the URLs of groups are here."""
from __future__ import annotations

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from lms import clock
from lms.auth import reauth, throttle
from lms.core import audit
from lms.core.fields import grouped_country_choices, organisation_choices
from lms.core.listing import folded, listed, listing
from lms.core.phone_display import national_example
from lms.extensions import db
from lms.files import workbooks
from lms.groups import messages as group_messages
from lms.groups import register, services
from lms.groups.forms import (
    BulkForm,
    EditGroupForm,
    GroupForm,
    JoinForm,
    PaperScoreForm,
    SessionForm,
    parse_marks,
)
from lms.i18n import current_language, pick_string
from lms.learn import services as learning
from lms.models import (
    Certificate,
    Course,
    GroupMember,
    GroupMessage,
    GroupSession,
    Organisation,
    QuizAttempt,
    Survey,
    SurveyWave,
    TrainingGroup,
)
from lms.permissions import can_manage_group, can_see_group, public, roles, signed_in, visible_groups
from lms.surveys import results as outcomes
from lms.surveys.forms import group_wave_form

bp = Blueprint("groups", __name__)


def _group(group_id: int, *, manage: bool) -> TrainingGroup:
    group = db.session.get(TrainingGroup, group_id) or abort(404)
    if not (can_manage_group if manage else can_see_group)(current_user, group):
        abort(403)
    return group


def qr_svg(url: str) -> Markup:
    """A QR code as inline SVG (no image request, no script)."""
    svg = segno.make(url, error="m").svg_inline(scale=6, title=url)
    return Markup(svg)  # segno escapes the title  # nosec B704


@bp.route("/groups")
@signed_in
def list_groups():
    """The groups one runs, coordinates or belongs to, but those archived."""
    return _groups_page(archived=False)


@bp.route("/groups/archived")
@signed_in
def list_archived_groups():
    return _groups_page(archived=True)


def _groups_page(*, archived: bool):
    query = select(TrainingGroup).where(
        visible_groups(current_user),
        TrainingGroup.archived_at.is_not(None) if archived else TrainingGroup.archived_at.is_(None))
    groups = listing(query, sorts={"name": func.lower(TrainingGroup.name), "starts": TrainingGroup.starts_on,
                                   "country": TrainingGroup.country, "place": func.lower(TrainingGroup.place)},
                     default="-starts", search_in=(TrainingGroup.name, TrainingGroup.place, TrainingGroup.join_code),
                     tiebreak=TrainingGroup.id)
    return render_template("groups/list.html", groups=groups, archived=archived)


@bp.route("/groups/new", methods=["GET", "POST"])
@roles("trainer")
def new_group():
    form = GroupForm()
    courses = list(db.session.scalars(select(Course).where(
        Course.published.is_(True), Course.archived_at.is_(None)).order_by(Course.slug)))
    form.course.choices = [SelectChoice(c.slug, learning_title(c)) for c in courses]
    form.country.choices = grouped_country_choices(current_language())
    form.organisation.choices = organisation_choices(_("None"))
    form.offer_workplaces(services.offered_workplaces(current_user))
    if not form.is_submitted():
        # Pre-filled with the trainer's country, and their union only if it works there.
        form.country.data = current_user.country
        own = db.session.get(Organisation, current_user.organisation_id) if current_user.organisation_id else None
        form.organisation.data = str(own.id) if own is not None and own.country == current_user.country else ""
    if form.validate_on_submit():
        course = next(c for c in courses if c.slug == form.course.data)
        group = services.create_group(trainer=current_user, course=course, name=form.name.data,
                                      country=form.country.data, place=form.place.data, mode=form.mode.data,
                                      starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                      trains_trainers=form.trains_trainers.data,
                                      organisation_id=int(form.organisation.data or 0) or None,
                                      workplace_id=form.workplace_id())
        db.session.commit()
        flash(_("The group is created. Give the members its join code."), "success")
        return redirect(url_for("groups.show_group", group_id=group.id))
    return render_template("groups/new.html", form=form), 400 if form.is_submitted() else 200


def learning_title(course: Course) -> str:
    return pick_string(course.translations, current_language(), course.source_language, "title")


def surveys_with_a_wave(condition) -> list[Survey]:
    """The surveys with a wave that meets ``condition``, by code: one query."""
    return list(db.session.scalars(select(Survey).where(Survey.waves.any(condition)).order_by(Survey.code)))


#: How the members' table of a group page sorts (``?sort=``): by name, progress, sessions attended, completion.
MEMBER_SORTS = {
    "name": lambda row: (folded(row.user.display_name), row.user.id),
    "progress": lambda row: (row.progress.done, folded(row.user.display_name)),
    "attended": lambda row: (row.attended, folded(row.user.display_name)),
    "completed": lambda row: (row.progress.completed_at is None, row.progress.completed_at or 0,
                              folded(row.user.display_name)),
}


@bp.route("/groups/<int:group_id>")
@signed_in
def show_group(group_id: int):
    group = _group(group_id, manage=False)
    manager = can_manage_group(current_user, group)
    table = services.group_table(group) if manager else None
    course = learning.find_course(group.course.slug, include_unpublished=True)
    gain = group_surveys = course_surveys = None
    if manager:
        gain = outcomes.gain_sums(course, [row.user.id for row in table]).published
        group_surveys = surveys_with_a_wave(SurveyWave.group_id == group.id)
        course_surveys = surveys_with_a_wave(SurveyWave.course_id == group.course_id)
    members = listed(table, default="name", text_of=lambda row: f"{row.user.display_name} {row.user.username}",
                     sorts=MEMBER_SORTS) if manager else None
    sent, sent_total = group_messages.latest(group) if manager else ([], 0)
    # A member reads the messages that were for them, however (or whether) SMS or e-mail reached them.
    received = None if manager else listing(
        group_messages.received_by(group, current_user), sorts={"sent": GroupMessage.created_at}, default="-sent",
        tiebreak=GroupMessage.id, per_page=10)
    page = render_template("groups/show.html", group=group, course=course, table=table, members=members,
                           manager=manager, sent=sent, sent_total=sent_total, received=received,
                           session_form=session_form(group, course, formdata=None) if manager else None,
                           today=clock.today(), gain=gain, group_surveys=group_surveys,
                           course_surveys=course_surveys,
                           attach_form=group_wave_form(formdata=None) if manager else None)
    if manager:  # after rendering: committing first would make the page load every member again
        audit.record("view group members", {"group_id": group.id, "members": len(table)},
                     user=current_user._get_current_object())
        db.session.commit()
    return page


@bp.route("/groups/<int:group_id>/code")
@signed_in
def show_code(group_id: int):
    group = _group(group_id, manage=True)
    url = url_for("groups.join", code=group.join_code, _external=True)
    return render_template("groups/code.html", group=group, url=url, qr=qr_svg(url))


@bp.route("/join", methods=["GET", "POST"])
@bp.route("/join/<code>", methods=["GET", "POST"])
@signed_in
@throttle.guard_join_code
def join(code: str | None = None):
    form = JoinForm(data={"code": code} if code else None)
    group = None
    if form.validate_on_submit():
        group, closed = services.group_by_code(form.code.data, clock.today())
        if group is None:
            form.code.errors.append(_("There is no group with this code. Check it with your trainer."))
        elif closed == "archived":
            form.code.errors.append(_("This group is archived; its code no longer works."))
        elif closed:
            form.code.errors.append(_("This group has ended; its code no longer works."))
        else:
            if services.add_member(group, current_user):
                db.session.commit()
                flash(_("Welcome to the group %(name)s!", name=group.name), "success")
            return redirect(url_for("groups.show_group", group_id=group.id))
    status = 400 if form.is_submitted() else 200
    return render_template("groups/join.html", form=form), status


@bp.route("/groups/<int:group_id>/members/bulk", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def add_members(group_id: int):
    group = _group(group_id, manage=True)
    form = BulkForm()
    form.describe(national_example(group.country))
    problems = []
    if form.validate_on_submit():
        account = throttle.signed_in_account()
        throttle.refuse_when_spent(*throttle.BULK_TAKEN, account)
        lines, problems = services.parse_bulk_list(form.members.data, group.country)
        for _problem in [p for p in problems if p.taken]:
            throttle.spend(*throttle.BULK_TAKEN, account)
        if not problems:
            accounts = services.bulk_add(group, lines)
            audit.record("create group accounts", {"group_id": group.id, "accounts": len(accounts)},
                         user=current_user._get_current_object())
            db.session.commit()
            sheet = render_template("groups/sheet.html", group=group, accounts=accounts,
                                    sign_in_url=url_for("auth.sign_in", _external=True))
            # One-time passwords: never kept by a browser cache or a proxy.
            return sheet, 200, {"Cache-Control": "no-store"}
    status = 400 if form.is_submitted() else 200
    return render_template("groups/bulk.html", group=group, form=form, problems=problems), status


def session_form(group: TrainingGroup, course: Course, **kwargs) -> SessionForm:
    """The attendance sheet: who was present (members not erased), and which lessons the session covered."""
    form = SessionForm(**kwargs)
    if not form.is_submitted() and form.held_on.data is None:
        form.held_on.data = clock.today()  # most sessions are recorded on the day
    language = current_language()
    members = sorted((m.user for m in group.members if m.user.erased_at is None),
                     key=lambda user: user.display_name.casefold())
    form.present.choices = [SelectChoice(user.id, user.display_name) for user in members]
    form.lessons.choices = [
        SelectChoice(lesson.id, _("%(module)s: %(lesson)s",
                                  module=pick_string(module.translations, language, course.source_language, "title"),
                                  lesson=pick_string(lesson.translations, language, course.source_language, "title")))
        for module in course.modules for lesson in module.lessons]
    return form


def _session(group: TrainingGroup, session_id: int) -> GroupSession:
    session = db.session.get(GroupSession, session_id)
    if session is None or session.group_id != group.id:
        abort(404)
    return session


def _lessons(course: Course, ids: list[int]) -> list:
    return [lesson for lesson in course.lessons if lesson.id in set(ids)]


@bp.route("/groups/<int:group_id>/sessions", methods=["POST"])
@roles("trainer", "coordinator")
def add_session(group_id: int):
    group = _group(group_id, manage=True)
    course = learning.find_course(group.course.slug, include_unpublished=True)
    form = session_form(group, course)
    if form.validate_on_submit():
        session = services.record_session(group, held_on=form.held_on.data, topic=form.topic.data,
                                          present=form.present.data, lessons=_lessons(course, form.lessons.data))
        audit.record("record group session", {"group_id": group.id, "session_id": session.id,
                                              "present": len(session.attendance)},
                     user=current_user._get_current_object())
        db.session.commit()
        flash(_("The session and its attendance are saved."), "success")
        return redirect(url_for("groups.show_group", group_id=group.id))
    # The sheet again with what was ticked, and the reasons beside their fields: nothing is typed twice.
    return render_template("groups/session.html", group=group, session=None, form=form, published=False,
                           joined_later=[]), 400


@bp.route("/groups/<int:group_id>/sessions/<int:session_id>", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def edit_session(group_id: int, session_id: int):
    group = _group(group_id, manage=True)
    session = _session(group, session_id)
    course = learning.find_course(group.course.slug, include_unpublished=True)
    published = services.month_is_published(session.held_on)
    form = session_form(group, course, data={
        "held_on": session.held_on, "topic": session.topic,
        "present": [a.user_id for a in session.attendance], "lessons": [lesson.id for lesson in session.lessons]})
    if not published and form.validate_on_submit():
        services.update_session(group, session, held_on=form.held_on.data, topic=form.topic.data,
                                present=form.present.data, lessons=_lessons(course, form.lessons.data))
        audit.record("change group session", {"group_id": group.id, "session_id": session.id,
                                              "present": len(session.attendance)},
                     user=current_user._get_current_object())
        db.session.commit()
        flash(_("The session and its attendance are saved."), "success")
        return redirect(url_for("groups.show_group", group_id=group.id))
    late = [m.user for m in group.members if m.user.erased_at is None and services.joined_on(m) > session.held_on]
    status = 400 if form.is_submitted() else 200
    return render_template("groups/session.html", group=group, session=session, form=form, published=published,
                           joined_later=late), status


@bp.route("/groups/<int:group_id>/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def delete_session(group_id: int, session_id: int):
    group = _group(group_id, manage=True)
    session = _session(group, session_id)
    published = services.month_is_published(session.held_on)
    if request.method == "POST" and not published:  # CSRF is checked for every POST by CSRFProtect
        audit.record("delete group session", {"group_id": group.id, "session_id": session.id,
                                              "present": len(session.attendance)},
                     user=current_user._get_current_object())
        services.delete_session(session)
        db.session.commit()
        flash(_("The session is deleted."), "success")
        return redirect(url_for("groups.show_group", group_id=group.id))
    return render_template("groups/delete_session.html", group=group, session=session, published=published), \
        400 if request.method == "POST" else 200


def _quiz_module(course: Course, module: str):
    return next((m for m in course.modules if m.slug == module and m.has_quiz), None) or abort(404)


@bp.route("/groups/<int:group_id>/paper-scores/<module>", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def paper_scores(group_id: int, module: str):
    group = _group(group_id, manage=True)
    course = learning.find_course(group.course.slug, include_unpublished=True)
    target = _quiz_module(course, module)
    members = {m.user_id: m.user.display_name for m in group.members if m.user.erased_at is None}
    errors = []
    if request.method == "POST":  # CSRF is checked for every POST by CSRFProtect
        out_of, marks, errors = parse_marks(request.form, members, request.form.get("out_of", "").strip())
        if not errors:
            count = services.record_paper_scores(group, target, marks, current_user, out_of)
            db.session.commit()
            flash(_("%(n)d scores saved.", n=count), "success")
            return redirect(url_for("groups.paper_scores", group_id=group.id, module=target.slug))
    entered = services.paper_scores_of(group, target)
    page = render_template("groups/paper_scores.html", group=group, course=course, module=target, errors=errors,
                           entered=entered, names=members)
    audit.record("view paper scores", {"group_id": group.id, "module": target.slug, "members": len(group.members)},
                 user=current_user._get_current_object())
    db.session.commit()
    return page, 400 if errors else 200


def _paper_score(group: TrainingGroup, target, attempt_id: int) -> QuizAttempt:
    attempt = db.session.get(QuizAttempt, attempt_id)
    if (attempt is None or attempt.module_id != target.id or attempt.entered_by_id is None
            or attempt.group_id != group.id or db.session.get(GroupMember, (group.id, attempt.user_id)) is None):
        abort(404)
    return attempt


@bp.route("/groups/<int:group_id>/paper-scores/<module>/<int:attempt_id>", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def edit_paper_score(group_id: int, module: str, attempt_id: int):
    group = _group(group_id, manage=True)
    course = learning.find_course(group.course.slug, include_unpublished=True)
    target = _quiz_module(course, module)
    attempt = _paper_score(group, target, attempt_id)
    form = PaperScoreForm(data={"mark": attempt.mark if attempt.mark is not None else attempt.score,
                                "out_of": attempt.out_of or 100})
    published = services.month_is_published(attempt.submitted_at.date())
    if not published and form.validate_on_submit():
        services.update_paper_score(group, attempt, form.mark.data, form.out_of.data)
        audit.record("change paper score", {"group_id": group.id, "module": target.slug, "attempt": attempt.id},
                     user=current_user._get_current_object())
        db.session.commit()
        flash(_("The score is saved."), "success")
        return redirect(url_for("groups.paper_scores", group_id=group.id, module=target.slug))
    member = db.session.get(GroupMember, (group.id, attempt.user_id))
    status = 400 if form.is_submitted() else 200
    return render_template("groups/paper_score.html", group=group, course=course, module=target, attempt=attempt,
                           member=member.user, form=form, published=published), status


@bp.route("/groups/<int:group_id>/paper-scores/<module>/<int:attempt_id>/delete", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def delete_paper_score(group_id: int, module: str, attempt_id: int):
    group = _group(group_id, manage=True)
    course = learning.find_course(group.course.slug, include_unpublished=True)
    target = _quiz_module(course, module)
    attempt = _paper_score(group, target, attempt_id)
    published = services.month_is_published(attempt.submitted_at.date())
    if request.method == "POST" and not published:  # CSRF is checked for every POST by CSRFProtect
        audit.record("delete paper score", {"group_id": group.id, "module": target.slug, "attempt": attempt.id},
                     user=current_user._get_current_object())
        services.delete_paper_score(attempt)
        db.session.commit()
        flash(_("The score is deleted."), "success")
        return redirect(url_for("groups.paper_scores", group_id=group.id, module=target.slug))
    member = db.session.get(GroupMember, (group.id, attempt.user_id))
    return render_template("groups/delete_paper_score.html", group=group, course=course, module=target,
                           attempt=attempt, member=member.user, published=published), \
        400 if request.method == "POST" else 200


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def edit_group(group_id: int):
    group = _group(group_id, manage=True)
    form = EditGroupForm(country=group.country, data={
        "name": group.name, "course": group.course.slug, "organisation": str(group.organisation_id or ""),
        "workplace": str(group.workplace_id or ""),
        "mode": group.mode, "place": group.place, "starts_on": group.starts_on, "ends_on": group.ends_on,
        "trains_trainers": group.trains_trainers})
    form.organisation.choices = organisation_choices(_("None"))
    form.offer_workplaces(services.offered_workplaces(current_user, group.country, keep=group.workplace_id))
    locked = services.has_progress(group)
    if locked:
        del form.course
        courses = []
    else:
        offered = Course.published.is_(True) & Course.archived_at.is_(None)
        courses = list(db.session.scalars(select(Course).where(offered | (Course.id == group.course_id))
                                          .order_by(Course.slug)))
        form.course.choices = [SelectChoice(c.slug, learning_title(c)) for c in courses]
    if form.validate_on_submit():
        services.update_group(group, name=form.name.data, place=form.place.data, mode=form.mode.data,
                              starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                              trains_trainers=form.trains_trainers.data,
                              organisation_id=int(form.organisation.data or 0) or None,
                              workplace_id=form.workplace_id(),
                              course=None if locked else next(c for c in courses if c.slug == form.course.data))
        db.session.commit()
        flash(_("The group is saved."), "success")
        return redirect(url_for("groups.show_group", group_id=group.id))
    return render_template("groups/edit.html", group=group, form=form, locked=locked), \
        400 if form.is_submitted() else 200


@bp.route("/groups/<int:group_id>/archive", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def archive_group(group_id: int):
    """GET asks for confirmation and says what archiving does; POST archives, or un-archives an archived group."""
    group = _group(group_id, manage=True)
    if request.method == "POST":  # CSRF is checked for every POST by CSRFProtect
        if group.archived_at is None:
            services.archive_group(group)
            flash(_("The group is archived."), "success")
        else:
            services.unarchive_group(group)
            flash(_("The group is back among the current groups; its join code works again."), "success")
        db.session.commit()
        return redirect(url_for("groups.show_group", group_id=group.id))
    return render_template("groups/archive.html", group=group)


@bp.route("/groups/<int:group_id>/certificates")
@roles("trainer", "coordinator")
def group_certificates(group_id: int):
    """The certificates of the members who completed, to print: one a page."""
    group = _group(group_id, manage=True)
    certificates = services.certificates_of(group)
    sheets = []
    for certificate in certificates:
        url = url_for("groups.verify_certificate", code=certificate.code, _external=True)
        sheets.append((certificate, url, qr_svg(url)))
    page = render_template("groups/certificates.html", group=group, sheets=sheets,
                           portal_organisation=current_app.config["IATI_REPORTING_ORG_NAME"])
    audit.record("view group certificates", {"group_id": group.id, "certificates": len(certificates)},
                 user=current_user._get_current_object())
    db.session.commit()
    return page


@bp.route("/groups/<int:group_id>/register.xlsx")
@roles("trainer", "coordinator")
def download_register(group_id: int):
    """The group's register as a workbook: members and their progress, sessions, attendance, as its page shows
    them to whoever manages the group."""
    group = _group(group_id, manage=True)
    course = learning.find_course(group.course.slug, include_unpublished=True)
    table = services.group_table(group)
    cover, sections = register.register(group, course, table)
    data = workbooks.as_xlsx(cover, sections)
    audit.record("download group register", {"group_id": group.id, "members": len(table)},
                 user=current_user._get_current_object())
    db.session.commit()
    return send_file(data, as_attachment=True, download_name=f"register-{group.id}-{clock.today():%Y%m%d}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/groups/<int:group_id>/members/<int:user_id>/promote", methods=["POST"])
@roles("coordinator")
def promote(group_id: int, user_id: int):
    group = _group(group_id, manage=True)
    member = db.session.get(GroupMember, (group.id, user_id)) or abort(404)
    if not reauth.recently_confirmed():
        return reauth.confirm_first(url_for("groups.show_group", group_id=group.id))
    if services.promote_to_trainer(group, member.user, current_user):
        db.session.commit()
        flash(_("%(name)s is now a trainer.", name=member.user.display_name), "success")
    else:
        flash(_("Only a participant who completed a training of trainers can be made a trainer."), "error")
    return redirect(url_for("groups.show_group", group_id=group.id))


@bp.route("/certificates/<int:course_id>")
@signed_in
def my_certificate(course_id: int):
    certificate = db.session.scalar(select(Certificate).where(
        Certificate.user_id == current_user.id, Certificate.course_id == course_id)) or abort(404)
    url = url_for("groups.verify_certificate", code=certificate.code, _external=True)
    return render_template("groups/certificate.html", certificate=certificate, url=url, qr=qr_svg(url),
                           portal_organisation=current_app.config["IATI_REPORTING_ORG_NAME"])


@bp.route("/verify/<code>")
@public
@throttle.guard_certificate_code
def verify_certificate(code: str):
    """Public: confirms name, course and date for a code; shows nothing else about the member."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code.upper())) or abort(404)
    return render_template("groups/verify.html", certificate=certificate,
                           portal_organisation=current_app.config["IATI_REPORTING_ORG_NAME"])



