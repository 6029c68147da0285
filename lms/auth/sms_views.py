"""The pages of codes sent by SMS; their URLs are listed in lms/auth/views.py with the others of accounts.

Without a gateway none of them shows: each sends the visitor to the page it stands beside.
"""
from __future__ import annotations

from datetime import timedelta

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from lms.auth import code_sign_in, device_cookies, phone, recovery, services, sms_codes, throttle
from lms.auth.forms import CodeEntryForm, CodeSignInForm, PhoneCodeForm, RecoveryCodeForm
from lms.auth.sessions import safe_next, start_session
from lms.core import after_response
from lms.extensions import db
from lms.i18n import current_language
from lms.messaging.channels import sms_enabled
from lms.models import User
from lms.permissions import public, signed_in, staff_home


def lifetime() -> str:
    """How long a code works, in the reader's language: "10 minutes"."""
    return format_timedelta(timedelta(minutes=sms_codes.minutes()), granularity="minute", threshold=10**9)


def flash_code_sent(user: User) -> None:
    flash(_("We sent a code by SMS to %(number)s. It works %(duration)s.", number=phone.shown(user.phone),
            duration=lifetime()), "success")


def private(page, status: int = 200):
    """A page with a code form, never kept by the browser (a shared phone)."""
    response = make_response(page, status)
    response.cache_control.no_store = True
    return response


@signed_in
def confirm_phone():
    """The member's number: its state, and the code that confirms it."""
    if not sms_enabled():
        return redirect(url_for("auth.profile"))
    form = PhoneCodeForm()
    problem = phone.why_no_code(current_user)
    waiting = current_user.phone_confirmed_at is None and problem is None
    if waiting and form.validate_on_submit():
        try:
            outcome = phone.confirm(current_user, sms_codes.typed_code(form.code.data))
            db.session.commit()
        except IntegrityError:  # another account confirmed the number at the same moment: one of them holds it
            db.session.rollback()
            outcome = "wrong"
        if outcome == "right":
            flash(_("Your phone number %(number)s is confirmed.", number=phone.shown(current_user.phone)), "success")
            return redirect(safe_next(url_for("auth.profile")))
        form.code.errors.append(sms_codes.refusal_message(outcome))
    number = phone.shown(current_user.phone) if current_user.phone else None
    page = render_template("auth/phone.html", form=form, problem=problem, waiting=waiting, number=number,
                           lifetime=lifetime())
    return private(page, 400 if form.errors else 200)


@signed_in
def send_phone_code():
    """"Send me a code": a new code to the member's number."""
    if not sms_enabled():
        return redirect(url_for("auth.profile"))
    if current_user.phone_confirmed_at is None and phone.why_no_code(current_user) is None:
        # Beyond the limits no code goes, and the page says so in general words only (phone.why_no_code).
        phone.send_code_if_allowed(current_user, current_language(), throttle.visitor_address())
        db.session.commit()
        flash_code_sent(current_user)
    return redirect(url_for("auth.confirm_phone", next=request.args.get("next")))


@public
@throttle.guard_sms_code
def sign_in_by_code():
    """"Sign in with a code by SMS": the number, then the same page whatever it names, the code going after it."""
    if not sms_enabled():
        return redirect(url_for("auth.sign_in", next=request.args.get("next")))
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = CodeSignInForm()
    if form.validate_on_submit():
        sender = code_sign_in.ask(form.identifier.data, current_language(), throttle.visitor_address(),
                                  device_cookies.carried())
        db.session.commit()
        entry = CodeEntryForm(formdata=None, identifier=form.identifier.data)
        response = private(render_template("auth/sign_in_code_sent.html", form=entry, lifetime=lifetime()))
        if sender is not None:
            after_response.later(response, sender)
        return response
    return render_template("auth/sign_in_code.html", form=form), 400 if form.is_submitted() else 200


@public
@throttle.guard_sign_in
def check_sign_in_code():
    """The code received: signed in as with a password, and on to the page the member wanted."""
    if not sms_enabled():
        return redirect(url_for("auth.sign_in", next=request.args.get("next")))
    form = CodeEntryForm()
    if form.validate_on_submit():
        checked = code_sign_in.account_for_code(form.identifier.data, form.code.data)
        if not checked.right:
            form.code.errors.append(sms_codes.public_refusal_message(checked.outcome))
        elif services.suspended(checked.user):
            form.code.errors.append(_("This account is suspended. Please ask an administrator."))
        else:
            start_session(checked.user)
            db.session.commit()
            return redirect(safe_next(url_for(staff_home(checked.user) or "learn.home")))
        db.session.commit()  # the try counted, the failure's audit entry
    return private(render_template("auth/sign_in_code_sent.html", form=form, lifetime=lifetime()), 400)


@public
@throttle.guard_sign_in
def recover_by_code():
    """A code received for "Forgot your password?", and the new password."""
    if not sms_enabled():
        return redirect(url_for("auth.forgot_password"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        outcome = recovery.set_password_by_code(form.identifier.data, form.code.data, form.password.data)
        db.session.commit()
        if outcome == "right":
            flash(_("Your new password is saved. Please sign in with it."), "success")
            return redirect(url_for("auth.sign_in"))
        form.code.errors.append(sms_codes.public_refusal_message(outcome))
    page = render_template("auth/recovery_sent.html", code_form=form, lifetime=recovery.lifetime(),
                           code_lifetime=lifetime())
    return private(page, 400)
