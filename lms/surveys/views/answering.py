"""Members answering surveys: what is waiting, consent, answers, withdrawal. URLs: views/__init__.py."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms import clock
from lms.extensions import db, login_manager
from lms.i18n import current_language
from lms.models import Survey, SurveyInvitation, SurveyWave
from lms.permissions import public, signed_in
from lms.surveys import answering, invitations, links, paging, withdrawal
from lms.surveys.answering import AlreadyAnswered
from lms.surveys.forms import ActionForm
from lms.surveys.views import paged
from lms.surveys.views.paged import guard_survey_check, guard_survey_page


def _invitation(invitation_id: int) -> SurveyInvitation:
    invitation = db.session.get(SurveyInvitation, invitation_id)
    if invitation is None or invitation.user_id != current_user.id:
        abort(404)
    return invitation


def _closed(invitation: SurveyInvitation):
    """A redirect with a message when the wave has closed; None while it is open."""
    closes_on = invitation.wave.closes_on
    if closes_on is not None and closes_on < clock.today() and not invitation.answered:
        flash(_("This survey closed on %(date)s.", date=format_date(closes_on, "medium")), "info")
        return redirect(url_for("surveys.my_surveys"))
    return None


@signed_in
def my_surveys():
    today = clock.today()
    return render_template("surveys/mine.html", waiting=invitations.waiting_for(current_user.id, today),
                           invitations=invitations.invitations_of(current_user.id), today=today,
                           withdrawal_day=withdrawal.next_checkpoint(today))


@public
def open_link(token: str):
    """A reminder's short link (lms/surveys/links.py): a visitor signs in first, whatever the token, so that it tells
    a visitor nothing; then the survey for its member, and one neutral page, one status, for everything else."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    invitation = links.invitation_for(token, current_user, clock.utcnow())
    if invitation is None:
        return render_template("surveys/link_gone.html"), 404
    return redirect(url_for("surveys.consent", invitation_id=invitation.id))


@signed_in
def consent(invitation_id: int):
    invitation = _invitation(invitation_id)
    if closed := _closed(invitation):
        return closed
    form = ActionForm()
    if form.validate_on_submit() and not invitation.answered:
        if request.form.get("decision") not in ("agree", "decline"):
            abort(400)
        given = request.form["decision"] == "agree"
        answering.record_consent(invitation, given)
        db.session.commit()
        if given:
            return redirect(url_for("surveys.answer", invitation_id=invitation.id))
        flash(_("You declined this survey. You will not be reminded of it. Changed your mind? Take it up again "
                "from My surveys while it is open."), "info")
        return redirect(url_for("surveys.my_surveys"))
    return render_template("surveys/consent.html", invitation=invitation, survey=invitation.wave.survey, form=form)


def _answerable(invitation: SurveyInvitation):
    """The version the member answers, or None when the invitation cannot be answered now (closed, answered,
    consent not given)."""
    if invitation.answered or invitation.consent != "given":
        return None
    closes_on = invitation.wave.closes_on
    if closes_on is not None and closes_on < clock.today():
        return None
    return invitation.wave.survey.version_in_effect(clock.today())


@guard_survey_page
@signed_in
def answer(invitation_id: int):
    """The survey page by page (lms/surveys/paging.py); the answers travel in the form until the last page sends."""
    invitation = _invitation(invitation_id)
    survey = invitation.wave.survey
    if closed := _closed(invitation):
        return closed
    if invitation.answered:
        flash(_("You have already answered this survey. Thank you!"), "info")
        return redirect(url_for("surveys.my_surveys"))
    if invitation.consent != "given":
        return redirect(url_for("surveys.consent", invitation_id=invitation.id))
    version = survey.version_in_effect(clock.today()) or abort(404)
    language = current_language()
    step = paged.requested_step(version, language)
    if step.done:
        try:
            answering.submit_response(wave=invitation.wave, version=version,
                                      answers=paging.answers_to_store(version, step.evaluation),
                                      user=current_user, invitation=invitation)
            db.session.commit()
        except AlreadyAnswered:
            db.session.rollback()
            flash(_("You have already answered this survey. Your new answers were not saved."), "error")
            return redirect(url_for("surveys.my_surveys"))
        flash(_("Thank you! Your answers are saved."), "success")
        return redirect(url_for("learn.home"))
    return paged.show_step(step, survey=survey, version=version, language=language, invitation=invitation,
                           collecting=False, check_url=url_for("surveys.answer_check", invitation_id=invitation.id))


@guard_survey_check
@signed_in
def answer_check(invitation_id: int):
    """The live check of the page being answered (survey-logic.js): stores nothing."""
    version = _answerable(_invitation(invitation_id))
    if version is None:
        return jsonify({}), 409
    return paged.check(version, current_language())


@signed_in
def withdraw(code: str):
    survey = db.first_or_404(select(Survey).where(Survey.code == code))
    invited = db.session.scalar(select(SurveyInvitation.id).join(SurveyWave).where(
        SurveyWave.survey_id == survey.id, SurveyInvitation.user_id == current_user.id).limit(1))
    if invited is None:
        abort(404)
    if request.method == "GET":  # one tap stopped every wave and deleted the answers (outside tester E): ask first
        return render_template("surveys/withdraw.html", survey=survey, form=ActionForm(),
                               withdrawal_day=withdrawal.next_checkpoint(clock.today()))
    if not ActionForm().validate_on_submit():
        abort(400)
    withdrawn = withdrawal.withdraw(survey, current_user)
    db.session.commit()
    if withdrawn.published_deleted_on is None:
        flash(_("You will not be asked this survey again. Anonymous answers cannot be found, so they stay."), "info")
    else:
        flash(_("You have withdrawn. Your answers not yet in the results were deleted now. Those already in the "
                "results are deleted on %(date)s, when the results are next updated: until then they still count "
                "in them.", date=format_date(withdrawn.published_deleted_on, "long")), "success")
    return redirect(url_for("surveys.my_surveys"))
