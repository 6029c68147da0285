"""Members' rights: consent, "My data" (a copy, erasure). All the URLs of privacy are here."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from lms import clock
from lms.auth import reauth
from lms.auth.sessions import end_session
from lms.extensions import db
from lms.models import CONSENT_VERSIONS
from lms.permissions import signed_in
from lms.privacy import services
from lms.privacy.forms import ConsentForm, EraseForm, WithdrawForm

bp = Blueprint("privacy", __name__)


@bp.route("/privacy/consent", methods=["GET", "POST"])
@signed_in
def ask_consent():
    """Accounts without a consent in force (older accounts, accounts made by a trainer) are asked here."""
    form = ConsentForm()
    if form.validate_on_submit():
        for purpose in services.missing_consents(current_user.id):
            services.give_consent(current_user, purpose)
        db.session.commit()
        flash(_("Thank you. You can see or withdraw your agreement at any time on “My data”."), "success")
        return redirect(url_for("learn.home"))
    return render_template("privacy/consent.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/my-data")
@signed_in
def my_data():
    return render_template("privacy/my_data.html", consents=services.consents_of(current_user.id),
                           missing=services.missing_consents(current_user.id), withdraw_form=WithdrawForm(),
                           retention_days=current_app.config["RETENTION_INACTIVE_DAYS"])


@bp.route("/my-data/export.json")
@signed_in
def export_data():
    note = _("Answers to anonymous surveys are not in this file: they are stored without anything that "
             "leads back to you, so nobody, not even the portal, can find which ones are yours.")
    data = services.export_data(current_user, note)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    name = f"my-data-{clock.today().isoformat()}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/my-data/consents/withdraw", methods=["POST"])
@signed_in
def withdraw_consent():
    form = WithdrawForm()
    if form.validate_on_submit():
        services.withdraw_consent(current_user, form.purpose.data)
        db.session.commit()
        session.pop(CONSENTED, None)
        flash(_("Your agreement is withdrawn. Your training records cannot be kept without it: you can erase "
                "your account below, or agree again to go on learning with it."), "info")
        return redirect(url_for("privacy.erase_account"))
    return redirect(url_for("privacy.my_data"))


@bp.route("/my-data/erase", methods=["GET", "POST"])
@signed_in
def erase_account():
    """Re-authentication first: the password typed again (wrong ones count like failed sign-ins)."""
    form = EraseForm()
    if form.validate_on_submit():
        if reauth.password_is_right(current_user, form.password.data):
            services.erase_account(current_user, by=current_user._get_current_object())  # audited by its signal
            db.session.commit()
            end_session()
            flash(_("Your account is erased. Your name and contact details are deleted; what you learned "
                    "counts only in anonymous totals. Thank you for learning with us."), "success")
            return redirect(url_for("learn.home"))
        form.password.errors.append(_("The password is wrong."))
    return render_template("privacy/erase.html", form=form), 400 if form.is_submitted() else 200


#: Session key: the wording of the consents this session's account was found to have given.
CONSENTED = "consented"


def consent_wording() -> str:
    return ",".join(f"{purpose}:{version}" for purpose, version in sorted(CONSENT_VERSIONS.items()))


#: What a signed-in member may still reach before agreeing: the question itself, their data, leaving.
CONSENT_ALLOWED = {"privacy.ask_consent", "privacy.my_data", "privacy.export_data", "privacy.erase_account",
                   "privacy.withdraw_consent", "auth.sign_out", "auth.first_password", "static", "core.healthz",
                   "core.favicon"}


@bp.before_app_request
def note_activity_and_ask_consent():
    """Before each request of a signed-in member: note the day's activity once, and ask for a missing consent."""
    if not current_user.is_authenticated or request.endpoint in ("static", "core.healthz"):
        return None
    now = clock.utcnow()
    if services.needs_activity_note(current_user, now):
        try:
            services.note_activity(current_user.id, now)
            db.session.commit()
        except OperationalError:  # SQLite busy with another writer: the next request notes it
            db.session.rollback()
    if request.endpoint in CONSENT_ALLOWED or session.get(CONSENTED) == consent_wording():
        return None
    if services.missing_consents(current_user.id):
        return redirect(url_for("privacy.ask_consent"))
    session[CONSENTED] = consent_wording()  # asked of the database once per session, not on every page
    return None
