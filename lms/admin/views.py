"""Administrators' pages. All the URLs of administration are here."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.admin.forms import OrganisationForm
from lms.admin.services import add_organisation
from lms.core.fields import grouped_country_choices
from lms.extensions import db
from lms.i18n import current_language
from lms.models import AuditEntry, Organisation
from lms.permissions import roles

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/organisations", methods=["GET", "POST"])
@roles("admin")
def organisations():
    form = OrganisationForm()
    form.country.choices = grouped_country_choices(current_language())
    if form.validate_on_submit():
        exists = db.session.scalar(select(func.count(Organisation.id)).where(
            Organisation.country == form.country.data, Organisation.acronym == form.acronym.data.strip()))
        if exists:
            form.acronym.errors.append(_("An organisation with this acronym already exists in this country."))
        else:
            add_organisation(name=form.name.data, acronym=form.acronym.data, country=form.country.data,
                             sector=form.sector.data)
            db.session.commit()
            flash(_("The organisation is added."), "success")
            return redirect(url_for("admin.organisations"))
    listed = db.session.scalars(select(Organisation).order_by(Organisation.country, Organisation.acronym))
    return render_template("admin/organisations.html", form=form, organisations=list(listed)), (
        400 if form.is_submitted() else 200)


@bp.route("/audit")
@roles("admin")
def audit_log():
    """The latest views and exports of other people's data, optionally of one action or one actor."""
    action, actor = request.args.get("action", "").strip(), request.args.get("actor", "").strip()
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(500)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return render_template("admin/audit.html", entries=list(db.session.scalars(query)), actions=list(actions),
                           action=action, actor=actor)
