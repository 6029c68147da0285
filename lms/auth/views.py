"""Sign up, sign in, sign out and the profile. All the URLs of accounts are here."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, format_timedelta, ngettext, refresh
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from lms import clock, signals
from lms.auth import channel_choices, devices, phone, reauth, recovery, services, session_store, sms_views, throttle
from lms.auth.device_cookies import carried as device_cookie_entries
from lms.auth.forms import (
    ConfirmPasswordForm,
    FirstPasswordForm,
    NewPasswordForm,
    PasswordForm,
    ProfileForm,
    RecoveryCodeForm,
    RecoveryForm,
    SignInForm,
    SignUpForm,
    channels_form,
)
from lms.auth.sessions import current_session_id, end_session, limits, safe_next, start_session
from lms.core import after_response
from lms.core.identifiers import needs_country_code
from lms.core.phone_display import reader_example
from lms.extensions import csrf, db
from lms.i18n import current_language, language_chooser
from lms.messaging.channels import sms_enabled
from lms.permissions import public, signed_in, staff_home
from lms.vocabulary import MESSAGE_TOPICS

bp = Blueprint("auth", __name__)


@bp.route("/sign-up", methods=["GET", "POST"])
@public
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = SignUpForm()
    form.set_country_choices(current_language())
    form.set_reach_choices()
    if form.is_submitted():
        throttle.refuse_when_sign_ups_spent()
    if form.validate_on_submit():
        # Whether the username, phone or e-mail has an account is told only now, the rest being valid, and
        # each answer is paid for: "already used" from one budget of the address, an account made from the other.
        if form.identifiers_taken():
            throttle.count_taken_answer()
            return render_template("auth/sign_up.html", form=form)
        throttle.count_sign_up()
        try:
            user = services.create_user(
                username=form.username.data, password=form.password.data,
                display_name=form.display_name.data, country=form.country.data, gender=form.gender.data,
                birth_year=form.birth_year.data, email=form.email.data, phone=form.phone.data,
                locale=current_language(), organisation_id=int(form.organisation.data or 0) or None,
            )
            signals.signed_up.send(user, agreed_to=("membership",))  # privacy records the consent
            if form.reach.data:
                channel_choices.save(user, dict.fromkeys(MESSAGE_TOPICS, form.reach.data))
            confirming = phone.waits_for_confirmation(user)
            if confirming:
                phone.send_code_if_allowed(user, current_language(), throttle.visitor_address())
            start_session(user)
            db.session.commit()
        except IntegrityError:  # a sign-up sent at the same moment took the username, phone or e-mail
            db.session.rollback()
            throttle.count_taken_answer()
            form.explain_taken()
            return render_template("auth/sign_up.html", form=form)
        flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name), "success")
        if confirming:  # SMS chosen: the number is confirmed first (a code spent by others is not told apart)
            sms_views.flash_code_sent(user)
            return redirect(url_for("auth.confirm_phone", next=safe_next(url_for("learn.home"))))
        return redirect(safe_next(url_for("learn.home")))
    return render_template("auth/sign_up.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@throttle.guard_sign_in
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.identifier.data, form.password.data, may_try=throttle.account_may_try)
        if user is None:
            db.session.commit()  # the failure's audit entry
            # One message for a wrong password, an unknown account and a paused one, so that the answers
            # cannot link an account's phone and e-mail (lms/auth/throttle.py).
            form.password.errors.append(_("The username or password is wrong, or this account is paused for a "
                                          "few minutes after too many tries."))
            if needs_country_code(form.identifier.data):  # the text only, whatever accounts exist
                form.identifier.errors.append(_("If this is a phone number, write it with its country code, for "
                                                "example %(example)s.", example=reader_example()))
        elif services.suspended(user):
            db.session.commit()  # the failure's audit entry
            form.password.errors.append(_("This account is suspended. Please ask an administrator."))
        elif services.one_time_password_expired(user):
            db.session.commit()  # the failure's audit entry
            form.password.errors.append(_("This one-time password has expired. Please ask your trainer for a "
                                          "new one."))
        else:
            start_session(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(url_for(staff_home(user) or "learn.home")))
    return render_template("auth/sign_in.html", form=form, sms=sms_enabled())


@bp.route("/sign-out", methods=["POST"])
@public
@csrf.exempt
def sign_out():
    # The form's token is checked here, not before every view: a Sign out button on a page older than
    # WTF_CSRF_TIME_LIMIT, or in a tab whose session was since restored by "keep me signed in", sends a token
    # that no longer matches, and the 400 left the member signed in. Such a member gets a page with a fresh
    # button instead. Signing out on a same-origin Origin or Sec-Fetch-Site alone was not chosen: some browsers
    # and proxies send neither, and a cross-site page must not be able to sign anyone out.
    try:
        csrf.protect()
    except CSRFError:
        if not current_user.is_authenticated:
            return redirect(url_for("learn.home"))
        return render_template("auth/sign_out.html")
    end_session()
    db.session.commit()
    flash(_("You are signed out."), "info")
    return redirect(url_for("learn.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@throttle.guard_recovery
def forgot_password():
    """A link by e-mail, or a code by SMS, to choose a new password. Every identifier gets the same answer, and
    the e-mail or SMS goes after it, so that neither the words nor the time tell whether the account exists or
    how it is reached (lms/auth/recovery.py). The trainer's group is not named: that would tell anyone the
    member's group."""
    form = RecoveryForm()
    if form.validate_on_submit():
        sender = recovery.answer_request(form.identifier.data, current_language(), throttle.visitor_address(),
                                         device_cookie_entries())
        db.session.commit()
        code_form = RecoveryCodeForm(formdata=None, identifier=form.identifier.data) if sms_enabled() else None
        response = make_response(render_template("auth/recovery_sent.html", lifetime=recovery.lifetime(),
                                                 code_form=code_form, code_lifetime=sms_views.lifetime()))
        response.cache_control.no_store = True
        if sender is not None:
            after_response.later(response, sender)
        return response
    page = render_template("auth/forgot_password.html", form=form, sms=sms_enabled())
    return page, 400 if form.is_submitted() else 200


@bp.route("/reset-password", methods=["GET", "POST"])
@public
def reset_password():
    """The e-mail's link: a new password, once. The token is in the query string, which no log writes, and the
    page is never kept by the browser (a shared phone)."""
    user = recovery.account_for_token(request.args.get("token", ""))
    form = NewPasswordForm()
    if user is not None and form.validate_on_submit():
        if recovery.set_password_by_link(user, form.password.data):
            db.session.commit()
            flash(_("Your new password is saved. Please sign in with it."), "success")
            return redirect(url_for("auth.sign_in"))
        user = None  # the password changed meanwhile: the link is spent
    if user is None:
        page = render_template("auth/recovery_link_spent.html", lifetime=recovery.lifetime()), 400
    else:
        page = render_template("auth/reset_password.html", form=form, account=user), 400 if form.is_submitted() else 200
    response = make_response(page)
    response.cache_control.no_store = True
    return response


def changes_sign_in(form: ProfileForm) -> bool:
    """Whether the form changes a way to sign in or recover the account (e-mail or phone)."""
    email = services.normalise_email(form.email.data)
    phone = services.normalise_phone(form.phone.data, form.country.data) if form.phone.data else None
    return (email, phone) != (current_user.email, current_user.phone)


@bp.route("/profile", methods=["GET", "POST"])
@signed_in
def profile():
    form = ProfileForm(user=current_user)
    form.set_country_choices(current_language())
    if form.is_submitted() and changes_sign_in(form):
        throttle.refuse_when_sign_ups_spent()
    if form.validate_on_submit():
        if changes_sign_in(form):
            if not reauth.password_is_right(current_user, form.current_password.data):
                form.current_password.errors.append(
                    _("To change your phone number or e-mail address, type your current password."))
                return profile_page(form, PasswordForm(prefix="pw")), 400
            # As at sign-up: told only when the rest is valid, and every answer counted, "used" or free (a free
            # one changes nothing else that could limit it).
            throttle.count_taken_answer()
            if form.contact_taken():
                return profile_page(form, PasswordForm(prefix="pw"))
        number_before = current_user.phone
        services.update_profile(
            current_user, display_name=form.display_name.data, email=form.email.data,
            phone=form.phone.data, country=form.country.data, gender=form.gender.data,
            birth_year=form.birth_year.data, locale=form.locale.data,
            organisation_id=int(form.organisation.data or 0) or None,
        )
        db.session.commit()
        session["lang"], session["lang_by"] = current_user.locale, language_chooser(current_user.id)
        refresh()  # the confirmation speaks the language just chosen
        flash(_("Your profile is saved."), "success")
        if current_user.phone != number_before and phone.waits_for_confirmation(current_user):
            return redirect(url_for("auth.confirm_phone", next=url_for("auth.profile")))  # reached by SMS there
        return redirect(url_for("auth.profile"))
    if not form.is_submitted():
        form.locale.data = current_user.locale or current_language()
    return profile_page(form, PasswordForm(prefix="pw"))


def profile_page(form: ProfileForm, password_form: PasswordForm, reach=None) -> str:
    """The profile, with how the member may be reached, the password form and the list of the member's sessions."""
    return render_template("auth/profile.html", form=form, password_form=password_form,
                           reach=reach if reach is not None else channels_form(current_user), sms=sms_enabled(),
                           message_topics=MESSAGE_TOPICS,
                           phone_shown=phone.shown(current_user.phone) if current_user.phone else None,
                           sessions=session_rows())


@bp.route("/profile/channels", methods=["POST"])
@signed_in
def save_channels():
    """"How may we reach you?": a channel per topic. SMS chosen for a number not yet confirmed leads to its
    confirmation."""
    reach = channels_form(current_user)
    if reach.validate_on_submit() and not reach.problems():
        channel_choices.save(current_user, {topic: reach[topic].data for topic in MESSAGE_TOPICS})
        db.session.commit()
        flash(_("Your choices are saved."), "success")
        if phone.waits_for_confirmation(current_user):
            return redirect(url_for("auth.confirm_phone", next=url_for("auth.profile")))
        return redirect(url_for("auth.profile", _anchor="reach"))
    profile_form = ProfileForm(user=current_user, formdata=None)
    profile_form.set_country_choices(current_language())
    profile_form.locale.data = current_user.locale or current_language()
    return profile_page(profile_form, PasswordForm(prefix="pw"), reach), 400


@dataclass(frozen=True)
class SessionRow:
    """One line of "Where you are signed in", its times written in the reader's language."""

    id: int
    device: str
    began: str
    last_used: str
    current: bool


def session_rows() -> list[SessionRow]:
    now, current = clock.utcnow(), current_session_id()
    rows = []
    for record in session_store.sessions_of(current_user.id, now, limits()):
        idle = now - session_store.as_utc(record.last_seen_at)
        last_used = (_("in the last few minutes") if idle < session_store.RESOLUTION
                     else format_timedelta(-idle, granularity="minute", add_direction=True))
        rows.append(SessionRow(record.id, devices.device_label(record.browser, record.system),
                               format_datetime(session_store.as_utc(record.created_at), "short"), last_used,
                               record.id == current))
    return sorted(rows, key=lambda row: not row.current)


@bp.route("/profile/sessions/<int:session_id>/sign-out", methods=["POST"])
@signed_in
def end_one_session(session_id: int):
    """The "Sign out" button of one of the member's other sessions (the current one: the ordinary sign-out).
    Someone else's session is a 404, and stays."""
    if session_id == current_session_id():
        return sign_out()
    if not session_store.end_one(current_user.id, session_id):
        abort(404)
    db.session.commit()
    flash(_("That device is signed out."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/profile/sessions/sign-out-others", methods=["POST"])
@signed_in
def end_other_sessions():
    """"Sign out everywhere else": every session of the member but this one ends."""
    ended = session_store.end_sessions(current_user.id, keep=current_session_id())
    db.session.commit()
    flash(ngettext("%(num)d other device is signed out.", "%(num)d other devices are signed out.", ended),
          "success")
    return redirect(url_for("auth.profile"))


@bp.route("/profile/password", methods=["POST"])
@signed_in
def change_password():
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        if reauth.password_is_right(current_user, form.current.data):
            services.set_password(current_user, form.password.data)
            db.session.commit()
            flash(_("Your password is changed."), "success")
            return redirect(url_for("auth.profile"))
        form.current.errors.append(_("The current password is wrong."))
    profile_form = ProfileForm(user=current_user, formdata=None)
    profile_form.set_country_choices(current_language())
    profile_form.locale.data = current_user.locale or current_language()
    return profile_page(profile_form, form), 400


@bp.route("/confirm-password", methods=["GET", "POST"])
@signed_in
def confirm_password():
    """Typing the password again before a change that needs it; then back to where the change is made."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if reauth.password_is_right(current_user, form.password.data):
            reauth.mark_confirmed()
            flash(_("Your password is confirmed. Nothing has changed yet: make your change again."), "info")
            return redirect(safe_next(url_for("learn.home")))
        form.password.errors.append(_("This password is wrong."))
    return render_template("auth/confirm_password.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/first-password", methods=["GET", "POST"])
@signed_in
def first_password():
    """Accounts made by a trainer start with a one-time password: the member chooses their own, once.

    Any other account (or the same one after choosing) is sent home, and nothing changes.
    """
    if not current_user.must_change_password:
        return redirect(url_for("learn.home"))
    form = FirstPasswordForm()
    if form.validate_on_submit():
        if services.choose_first_password(current_user, form.password.data):
            db.session.commit()
            flash(_("Your password is changed."), "success")
        return redirect(url_for("learn.home"))
    return render_template("auth/first_password.html", form=form), 400 if form.is_submitted() else 200


#: What a member with a one-time password may still reach before choosing their own.
FIRST_PASSWORD_ALLOWED = {"auth.first_password", "auth.sign_out", "static", "core.healthz", "core.favicon"}


@bp.before_app_request
def require_own_password():
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in FIRST_PASSWORD_ALLOWED):
        return redirect(url_for("auth.first_password"))
    return None


# SMS codes: a phone's confirmation, signing in with a code, a new password with a code (lms/auth/sms_views.py).
bp.add_url_rule("/profile/phone", "confirm_phone", sms_views.confirm_phone, methods=["GET", "POST"])
bp.add_url_rule("/profile/phone/code", "send_phone_code", sms_views.send_phone_code, methods=["POST"])
bp.add_url_rule("/sign-in/code", "sign_in_by_code", sms_views.sign_in_by_code, methods=["GET", "POST"])
bp.add_url_rule("/sign-in/code/check", "check_sign_in_code", sms_views.check_sign_in_code, methods=["POST"])
bp.add_url_rule("/forgot-password/code", "recover_by_code", sms_views.recover_by_code, methods=["POST"])
