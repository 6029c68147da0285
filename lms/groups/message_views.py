"""A trainer's messages to a group: write, preview (length, recipients, cost), confirm; and the list of those sent.
All the URLs of group messages are here."""
from __future__ import annotations

from datetime import time
from decimal import ROUND_UP, Decimal

from babel import Locale
from babel.numbers import format_currency as babel_currency
from babel.numbers import get_currency_precision
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, format_date, format_number, format_time, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.core import audit
from lms.core.listing import listing
from lms.extensions import db
from lms.groups import messages
from lms.groups.forms import MessageForm
from lms.i18n import country_name
from lms.messaging.hours import sending_hours
from lms.models import GroupMessage, TrainingGroup
from lms.permissions import can_manage_group, roles
from lms.vocabulary import CHANNEL_LABELS

bp = Blueprint("group_messages", __name__)


def _managed(group_id: int) -> TrainingGroup:
    group = db.session.get(TrainingGroup, group_id) or abort(404)
    if not can_manage_group(current_user, group):
        abort(403)
    return group


def _form(group: TrainingGroup, **kwargs) -> MessageForm:
    sessions = {s.id: _("%(date)s: %(topic)s", date=format_date(s.held_on, "medium"), topic=s.topic)
                for s in messages.held_sessions(group)}
    return MessageForm(sessions=sessions, frames=messages.frames(group), **kwargs)


def _archived(group: TrainingGroup):
    flash(_("An archived group is sent no messages: take it out of the archive first."), "error")
    return redirect(url_for("groups.show_group", group_id=group.id))


def _compose(group: TrainingGroup, form: MessageForm, status: int):
    return render_template("groups/message.html", group=group, form=form), status


def _preview(group: TrainingGroup, form: MessageForm, note: str | None = None, status: int = 200):
    preview = messages.preview(group, current_user, form.draft())
    if not preview.recipients.reached:
        form.audience.errors.append(_("None of these members can be reached: nothing can be sent to them."))
        return _compose(group, form, 400)
    currency = current_app.config["SMS_CURRENCY"]
    prices = [(country_shown(row.country), row, price_shown(row.price, currency), cost_shown(row.cost, currency))
              for row in preview.costs] if preview.priced else []
    return render_template(
        "groups/message_preview.html", group=group, form=form, preview=preview, note=note,
        session=form.sessions.get(preview.draft.session_id), hours=hours_shown(), channel_labels=CHANNEL_LABELS,
        languages=language_names(preview.sms_texts), prices=prices,
        cost=cost_shown(preview.cost, currency) if preview.priced else None,
        unpriced=[country_shown(row.country) for row in preview.costs if not row.price]), status


def country_shown(country: str | None) -> str:
    """A country's name in the reader's language; "Other countries" for a number libphonenumber cannot place."""
    return country_name(country, str(get_locale())) if country else _("Other countries")


def language_names(sms_texts: dict[str, str]) -> dict[str, str]:
    """Each language of the SMS by its own name, when there are more than one to tell apart."""
    if len(sms_texts) < 2:
        return {}
    return {code: Locale.parse(code).get_display_name(code) or code for code in sms_texts}


def cost_shown(cost: Decimal, currency: str) -> str:
    """An estimate in the reader's locale, rounded up to the currency's smallest unit: never shown lower than
    it is (three SMS at 0.05 F CFA cost 1 F CFA, not 0)."""
    unit = Decimal(1).scaleb(-get_currency_precision(currency))
    return format_currency(cost.quantize(unit, rounding=ROUND_UP), currency)


def price_shown(price: Decimal, currency: str) -> str:
    """A price per SMS in the reader's locale, with all its decimals (a few hundredths of a euro, say)."""
    return babel_currency(price, currency, locale=get_locale(), decimal_quantization=False)


def hours_shown() -> tuple[str, str] | None:
    """The sending hours as the reader writes times ("08:00", "20:00"); None when SMS go at any hour."""
    start, end = sending_hours()
    if end - start >= 24:
        return None
    return format_time(time(start % 24), "short"), format_time(time(end % 24), "short")


@bp.route("/groups/<int:group_id>/messages/new", methods=["GET", "POST"])
@roles("trainer", "coordinator")
def compose_message(group_id: int):
    """The message and to whom; posted, its preview (or, with ``edit``, the form again to change it)."""
    group = _managed(group_id)
    if group.archived_at is not None:
        return _archived(group)
    form = _form(group)
    if request.method == "POST" and "edit" in request.form:
        return _compose(group, form, 200)
    if form.validate_on_submit():
        return _preview(group, form)
    return _compose(group, form, 400 if form.is_submitted() else 200)


@bp.route("/groups/<int:group_id>/messages/send", methods=["POST"])
@roles("trainer", "coordinator")
def send_message(group_id: int):
    """Send exactly what the preview showed, once; anything else is refused and sends nothing."""
    group = _managed(group_id)
    if group.archived_at is not None:
        return _archived(group)
    form = _form(group)
    if not form.validate_on_submit():
        return _compose(group, form, 400)
    sender = current_user._get_current_object()
    try:
        sent = messages.send(group, sender, form.draft(), request.form.get("confirmation", ""))
    except messages.AlreadySent as refusal:
        db.session.rollback()
        flash(str(refusal), "info")
        return redirect(url_for("group_messages.list_messages", group_id=group.id))
    except messages.Changed as refusal:
        db.session.rollback()
        return _preview(group, form, note=str(refusal), status=409)
    except messages.Refused as refusal:
        db.session.rollback()
        form.text.errors.append(str(refusal))
        return _compose(group, form, 400)
    details = {"group_id": group.id, "sms": sent.sms, "emails": len(sent.emails)}
    if sent.message.session_id is not None:
        details["session_id"] = sent.message.session_id
    audit.record("send group message", details, user=sender)
    db.session.commit()
    flash(_("The message is on its way: %(sms)s by SMS, %(emails)s by e-mail.", sms=format_number(sent.sms),
            emails=format_number(len(sent.emails))), "success")
    response = redirect(url_for("group_messages.list_messages", group_id=group.id))
    if sent.emails:
        response.call_on_close(messages.mail_sender(sent.message.id, sent.emails))
    return response


@bp.route("/groups/<int:group_id>/messages")
@roles("trainer", "coordinator")
def list_messages(group_id: int):
    """The messages sent to the group, newest first, with their SMS by status and the e-mails sent."""
    group = _managed(group_id)
    sent = listing(messages.sent_to(group), sorts={"sent": GroupMessage.created_at}, default="-sent",
                   tiebreak=GroupMessage.id, per_page=20)
    return render_template("groups/messages.html", group=group, sent=sent, rows=messages.sent_rows(sent.items))
