"""Training groups, joining them, and certificates. All the URLs of groups are here."""
from __future__ import annotations

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms import clock
from lms.auth import reauth, throttle
from lms.core import audit
from lms.core.fields import grouped_country_choices, organisation_choices
from lms.extensions import db
from lms.groups import services
from lms.groups.forms import BulkForm, GroupForm, JoinForm, SessionForm
from lms.i18n import current_language, pick_string
from lms.learn import services as learning
from lms.models import Certificate, Course, GroupMember, Survey, SurveyWave, TrainingGroup
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
    query = select(TrainingGroup).where(visible_groups(current_user)).order_by(TrainingGroup.starts_on.desc())
    return render_template("groups/list.html", groups=list(db.session.scalars(query)))


@bp.route("/groups/new", methods=["GET", "POST"])
@roles("trainer")
def new_group():
    form = GroupForm()
    courses = list(db.session.scalars(select(Course).where(Course.published.is_(True)).order_by(Course.slug)))
    form.course.choices = [SelectChoice(c.slug, learning_title(c)) for c in courses]
    form.country.choices = grouped_country_choices(current_language())
    form.organisation.choices = organisation_choices(_("None"))
    if not form.is_submitted():
        form.organisation.data = str(current_user.organisation_id or "")
    if form.validate_on_submit():
        course = next(c for c in courses if c.slug == form.course.data)
        group = services.create_group(trainer=current_user, course=course, name=form.name.data,
                                      country=form.country.data, place=form.place.data, mode=form.mode.data,
                                      starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                      trains_trainers=form.trains_trainers.data,
                                      organisation_id=int(form.organisation.data or 0) or None)
        db.session.commit()
        flash(_("The group is created. Give the members its join code."), "success")
        return redirect(url_for("groups.show_group", group_id=group.id))
    return render_template("groups/new.html", form=form), 400 if form.is_submitted() else 200


def learning_title(course: Course) -> str:
    return pick_string(course.translations, current_language(), course.source_language, "title")


def surveys_with_a_wave(condition) -> list[Survey]:
    """The surveys with a wave that meets ``condition``, by code: one query."""
    return list(db.session.scalars(select(Survey).where(Survey.waves.any(condition)).order_by(Survey.code)))


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
    page = render_template("groups/show.html", group=group, course=course, table=table, manager=manager,
                           session_form=SessionForm(), today=clock.today(), gain=gain, group_surveys=group_surveys,
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
        group, expired = services.group_by_code(form.code.data, clock.today())
        if group is None:
            form.code.errors.append(_("There is no group with this code. Check it with your trainer."))
        elif expired:
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
    problems = []
    if form.validate_on_submit():
        account = throttle.signed_in_account()
        throttle.refuse_when_spent(*throttle.BULK_TAKEN, account)
        lines, problems = services.parse_bulk_list(form.members.data)
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


@bp.route("/groups/<int:group_id>/sessions", methods=["POST"])
@roles("trainer", "coordinator")
def add_session(group_id: int):
    group = _group(group_id, manage=True)
    form = SessionForm()
    if form.validate_on_submit():
        present = [int(v) for v in request.form.getlist("present") if v.isdigit()]
        services.record_session(group, held_on=form.held_on.data, topic=form.topic.data, present=present)
        db.session.commit()
        flash(_("The session and its attendance are saved."), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("groups.show_group", group_id=group.id))


@bp.route("/groups/<int:group_id>/paper-scores/<module>", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def paper_scores(group_id: int, module: str):
    group = _group(group_id, manage=True)
    course = learning.find_course(group.course.slug, include_unpublished=True)
    target = next((m for m in course.modules if m.slug == module and m.has_quiz), None) or abort(404)
    errors = []
    if request.method == "POST":  # CSRF is checked for every POST by CSRFProtect
        scores = {}
        for member in group.members:
            raw = request.form.get(f"score-{member.user_id}", "").strip()
            if not raw:
                continue
            if not raw.isdigit() or not 0 <= int(raw) <= 100:
                errors.append(_("%(name)s: a score is a whole number from 0 to 100.", name=member.user.display_name))
            else:
                scores[member.user_id] = int(raw)
        if not errors:
            count = services.record_paper_scores(group, target, scores, current_user)
            db.session.commit()
            flash(_("%(n)d scores saved.", n=count), "success")
            return redirect(url_for("groups.show_group", group_id=group.id))
    page = render_template("groups/paper_scores.html", group=group, course=course, module=target, errors=errors)
    audit.record("view paper scores", {"group_id": group.id, "module": target.slug, "members": len(group.members)},
                 user=current_user._get_current_object())
    db.session.commit()
    return page, 400 if errors else 200


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
    return render_template("groups/certificate.html", certificate=certificate, url=url, qr=qr_svg(url))


@bp.route("/verify/<code>")
@public
@throttle.guard_certificate_code
def verify_certificate(code: str):
    """Public: confirms name, course and date for a code; shows nothing else about the member."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code.upper())) or abort(404)
    return render_template("groups/verify.html", certificate=certificate)



