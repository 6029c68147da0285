"""Administrators' pages. All the URLs of administration are here."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.admin import services
from lms.admin.forms import ConfirmForm, OrganisationForm
from lms.admin.services import StillReferenced, acronym_taken, add_organisation, references_to, update_organisation
from lms.core import audit
from lms.core.fields import grouped_country_choices
from lms.core.listing import listing
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
        if acronym_taken(form.country.data, form.acronym.data):
            form.acronym.errors.append(_("An organisation with this acronym already exists in this country."))
        else:
            organisation = add_organisation(name=form.name.data, acronym=form.acronym.data,
                                            country=form.country.data, sector=form.sector.data)
            audit.record("add organisation", {"organisation": organisation.id}, current_user)
            db.session.commit()
            flash(_("The organisation is added."), "success")
            return redirect(url_for("admin.organisations"))
    listed = listing(select(Organisation), default="acronym", tiebreak=Organisation.id,
                     sorts={"acronym": Organisation.acronym, "name": Organisation.name,
                            "country": [Organisation.country, Organisation.acronym],
                            "sector": [Organisation.sector, Organisation.acronym]},
                     search_in=[Organisation.acronym, Organisation.name, Organisation.country, Organisation.sector])
    return render_template("admin/organisations.html", form=form, listing=listed), (
        400 if form.is_submitted() else 200)


def _organisation(organisation_id: int) -> Organisation:
    return db.session.get(Organisation, organisation_id) or abort(404)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@roles("admin")
def edit_organisation(organisation_id: int):
    """Correct an organisation's name, acronym, country or sector (recorded in the audit log)."""
    organisation = _organisation(organisation_id)
    form = OrganisationForm(obj=organisation)
    form.country.choices = grouped_country_choices(current_language())
    if form.validate_on_submit():
        if acronym_taken(form.country.data, form.acronym.data, but=organisation):
            form.acronym.errors.append(_("An organisation with this acronym already exists in this country."))
        else:
            changed = update_organisation(organisation, name=form.name.data, acronym=form.acronym.data,
                                          country=form.country.data, sector=form.sector.data)
            if changed:
                audit.record("edit organisation", {"organisation": organisation.id, "fields": changed},
                             current_user)
            db.session.commit()
            flash(_("The organisation is saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisation.html", organisation=organisation, form=form,
                           references=references_to(organisation)), (400 if form.is_submitted() else 200)


@bp.route("/organisations/<int:organisation_id>/delete", methods=["GET", "POST"])
@roles("admin")
def delete_organisation(organisation_id: int):
    """Asks first, and deletes only an organisation nothing refers to; otherwise says what does, and keeps it."""
    organisation = _organisation(organisation_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        details = {"organisation": organisation.id, "acronym": organisation.acronym, "country": organisation.country}
        try:
            services.delete_organisation(organisation)
        except StillReferenced:
            db.session.rollback()
        else:
            audit.record("delete organisation", details, current_user)
            db.session.commit()
            flash(_("The organisation is deleted."), "success")
            return redirect(url_for("admin.organisations"))
    elif form.is_submitted():
        abort(400)
    references = references_to(organisation)
    return render_template("admin/delete_organisation.html", organisation=organisation, form=form,
                           references=references), (409 if form.is_submitted() else 200)


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
