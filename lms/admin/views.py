"""Administrators' pages, and the password reset staff give (``people``, outside /admin: trainers and
coordinators use it too). All the URLs of administration are here."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms import clock
from lms.admin import audit_view, services
from lms.admin import sms_volumes as sms
from lms.admin.forms import ConfirmForm, EraseForm, OrganisationForm, SuspensionForm, placement_form, placement_of
from lms.admin.person_sms import sms_state
from lms.admin.services import StillReferenced, acronym_taken, add_organisation, references_to, update_organisation
from lms.admin.sms_volumes import PeriodForm
from lms.auth import reauth
from lms.core import audit
from lms.core.audit import action_label
from lms.core.fields import grouped_country_choices, organisation_choices
from lms.core.listing import listed, listing
from lms.extensions import db
from lms.groups.views import qr_svg
from lms.i18n import current_language
from lms.messaging.numbers import unread_by_day
from lms.models import AuditEntry, Organisation, TrainingGroup, User
from lms.permissions import can_administer, can_reset_password, can_see_group, listed_people, listed_roles, roles
from lms.privacy.services import erase_account
from lms.vocabulary import CHANNEL_LABELS, MESSAGE_TOPIC_LABELS, ROLE_LABELS, SMS_KIND_LABELS, SMS_STATUS_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")
people = Blueprint("people", __name__)


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


#: How the audit log and a person's trail may be sorted.
AUDIT_SORTS = {"at": AuditEntry.at, "actor": AuditEntry.actor, "action": AuditEntry.action}
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
    """Views and exports of other people's data and changes to accounts, a page at a time, optionally of one action
    or one actor."""
    action, actor = request.args.get("action", "").strip(), request.args.get("actor", "").strip()
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    entries = listing(query, sorts=AUDIT_SORTS, default="-at", tiebreak=AuditEntry.id)
    recorded = db.session.scalars(select(AuditEntry.action).distinct())
    actions = sorted(((code, action_label(code)) for code in recorded), key=lambda pair: pair[1].casefold())
    return render_template("admin/audit.html", entries=entries, rows=audit_view.rows(entries.items, current_user),
                           actions=actions, action=action, actor=actor)


@bp.route("/messages")
@roles("admin")
def sms_volumes():
    """The SMS sent over a period (the last 30 days unless asked): by country and day, by kind, and why some failed;
    and how many texts members sent that the portal could not read. Counts only: no member, number or text."""
    form = PeriodForm(request.args)
    form.validate()
    figures = sms.volumes(*form.period(clock.today()))
    unread = unread_by_day(figures.start, figures.end)
    days = listed(figures.by_day, default="-day", text_of=lambda row: row.country or "",
                  sorts={"day": lambda row: (row.day, row.country or ""),
                         "country": lambda row: (row.country or "", row.day),
                         "messages": lambda row: (row.volume.messages, row.day),
                         "failed": lambda row: (row.volume.failed, row.day)})
    return render_template("admin/messages.html", form=form, figures=figures, days=days,
                           kind_labels=SMS_KIND_LABELS, unread=unread, unread_total=sum(n for _day, n in unread),
                           waiting=sms.waiting())


# People ----------------------------------------------------------------------------------------------------

@bp.route("/people")
@roles("coordinator")
def list_people():
    """The accounts ``listed_people`` shows the reader (every one not erased, to admins; the participants and
    trainers of their countries and organisations, to coordinators): found by name, username, phone or e-mail;
    sorted; of a role or country."""
    shown_roles = {code: ROLE_LABELS[code] for code in listed_roles(current_user)}
    role = request.args.get("role", "")
    role = role if role in shown_roles else ""
    countries = grouped_country_choices(current_language())
    country = request.args.get("country", "")
    country = country if country in {c.value for c in countries} else ""
    query = services.people(role=role, country=country).where(listed_people(current_user))
    found = listing(query, sorts=services.people_sorts(), default="name", search_in=services.PEOPLE_SEARCHED,
                    tiebreak=User.id)
    return render_template("admin/people.html", people=found, role=role, country=country, countries=countries,
                           roles=shown_roles)


def _person(user_id: int) -> User:
    """An account that is not erased (a tombstone has no page)."""
    person = db.session.get(User, user_id)
    if person is None or person.erased_at is not None:
        abort(404)
    return person


def _administered(user_id: int) -> User:
    person = _person(user_id)
    if not can_administer(current_user, person):
        abort(403)
    return person


def person_page(person: User, form=None, status: int = 200):
    language = current_language()
    form = form or placement_form(person, grouped_country_choices(language), organisation_choices(_("None")))
    trail = listing(services.audit_trail(person), sorts=AUDIT_SORTS, default="-at", tiebreak=AuditEntry.id)
    organisation = db.session.get(Organisation, person.organisation_id) if person.organisation_id else None
    page = render_template("admin/person.html", person=person, form=form, trail=trail, organisation=organisation,
                           trail_rows=audit_view.rows(trail.items, current_user),
                           promotions=services.promotions_of(person), sms=sms_state(person),
                           topic_labels=MESSAGE_TOPIC_LABELS, channel_labels=CHANNEL_LABELS,
                           kind_labels=SMS_KIND_LABELS, status_labels=SMS_STATUS_LABELS)
    audit.record("view account", {"account": person.id}, user=current_user._get_current_object())
    db.session.commit()
    return page, status


@bp.route("/people/<int:user_id>")
@roles("admin")
def show_person(user_id: int):
    return person_page(_person(user_id))


@bp.route("/people/<int:user_id>/placement", methods=["POST"])
@roles("admin")
def place_person(user_id: int):
    """Role, country, organisation and what a coordinator looks after, with the password confirmed."""
    person = _administered(user_id)
    if not reauth.recently_confirmed():
        return reauth.confirm_first(url_for("admin.show_person", user_id=person.id))
    form = placement_form(person, grouped_country_choices(current_language()), organisation_choices(_("None")))
    if not form.validate_on_submit():
        return person_page(person, form, 400)
    changed = services.place_person(person, placement_of(form), current_user._get_current_object())
    db.session.commit()
    flash(_("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
    return redirect(url_for("admin.show_person", user_id=person.id))


@bp.route("/people/<int:user_id>/suspension", methods=["GET", "POST"])
@roles("admin")
def suspension(user_id: int):
    """Suspending (or reinstating) an account: a page that says what follows, then the button."""
    person = _administered(user_id)
    form = SuspensionForm()
    if form.is_submitted() and not reauth.recently_confirmed():
        return reauth.confirm_first(url_for("admin.suspension", user_id=person.id))
    if form.validate_on_submit():
        by = current_user._get_current_object()
        if form.action.data == "suspend":
            if services.suspend(person, by):
                flash(_("%(name)s is suspended: they cannot sign in until reinstated.", name=person.display_name),
                      "success")
        elif services.reinstate(person, by):
            flash(_("%(name)s is reinstated and can sign in again.", name=person.display_name), "success")
        db.session.commit()
        return redirect(url_for("admin.show_person", user_id=person.id))
    return render_template("admin/suspension.html", person=person, form=form), 400 if form.is_submitted() else 200


@bp.route("/people/<int:user_id>/erase", methods=["GET", "POST"])
@roles("admin")
def erase_person(user_id: int):
    """Erasing someone's account, as the member themself can (lms/privacy): the page says what goes."""
    person = _administered(user_id)
    form = EraseForm()
    if form.is_submitted() and not reauth.recently_confirmed():
        return reauth.confirm_first(url_for("admin.erase_person", user_id=person.id))
    if form.validate_on_submit():
        erase_account(person, by=current_user._get_current_object())  # the audit log and sessions: its signal
        db.session.commit()
        flash(_("The account is erased."), "success")
        return redirect(url_for("admin.list_people"))
    return render_template("admin/erase.html", person=person, form=form), 400 if form.is_submitted() else 200


@people.route("/people/<int:user_id>/password", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def reset_password(user_id: int):
    """A new one-time password for someone staff look after (``can_reset_password``): asked, then shown once."""
    person = _person(user_id)
    if not can_reset_password(current_user, person):
        abort(403)
    group = db.session.get(TrainingGroup, request.args.get("group", 0, type=int))
    group = group if group is not None and can_see_group(current_user, group) else None  # where "Back" goes
    form = ConfirmForm()
    if form.is_submitted() and not reauth.recently_confirmed():
        return reauth.confirm_first(url_for("people.reset_password", user_id=person.id,
                                            group=group.id if group else None))
    if form.validate_on_submit():
        password = services.reset_password(person, current_user._get_current_object())  # audited by its signal
        db.session.commit()
        sign_in_url = url_for("auth.sign_in", _external=True)
        sheet = render_template("admin/password_sheet.html", person=person, password=password, group=group,
                                sign_in_url=sign_in_url, qr=qr_svg(sign_in_url))
        # A one-time password: never kept by a browser cache or a proxy.
        return sheet, 200, {"Cache-Control": "no-store"}
    return render_template("admin/password.html", person=person, form=form), 400 if form.is_submitted() else 200
