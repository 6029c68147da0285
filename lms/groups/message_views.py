"""A trainer's messages to a group: write (kept as a draft), preview (length, recipients by name, cost), confirm;
and the list of those sent. Post/Redirect/Get throughout: each POST answers with a redirect, so Back and reload
only ever repeat a GET. All the URLs of group messages are here (a member reads those for them on the group's
page, lms/groups/views.py)."""
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

from lms.core import after_response, audit
from lms.core.listing import listing
from lms.extensions import db
from lms.groups import messages
from lms.groups.forms import MessageForm
from lms.i18n import country_name, current_language
from lms.messaging.hours import sending_hours
from lms.models import GroupMessage, GroupMessageDraft, TrainingGroup
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


def _preview_page(group: TrainingGroup, draft: GroupMessageDraft):
    sender = current_user._get_current_object()
    preview = messages.preview(group, sender, draft)
    currency = current_app.config["SMS_CURRENCY"]
    session = (_("%(date)s: %(topic)s", date=format_date(draft.session.held_on, "medium"), topic=draft.session.topic)
               if draft.session else None)
    prices = [(country_shown(row.country), row, price_shown(row.price, currency), cost_shown(row.cost, currency))
              for row in preview.costs] if preview.priced else []
    page = render_template(
        "groups/message_preview.html", group=group, preview=preview, sent=messages.sent_from(draft),
        session=session, hours=hours_shown(), channel_labels=CHANNEL_LABELS,
        languages=language_names(preview.sms_texts), prices=prices,
        cost=cost_shown(preview.cost, currency) if preview.priced else None,
        unpriced=[country_shown(row.country) for row in preview.costs if not row.price])
    # Back (after sending, say) asks for the page again, which then says it was sent.
    return page, 200, {"Cache-Control": "no-store"}


def country_shown(country: str | None) -> str:
    """A country's name in the reader's language; "Other countries" for a number libphonenumber cannot place."""
    return country_name(country, current_language()) if country else _("Other countries")


def language_names(sms_texts: dict[str, str]) -> dict[str, str]:
    """Each language of the SMS by its own name, when there are more than one to tell apart."""
    if len(sms_texts) < 2:
        return {}
    reader = current_language()
    return {code: Locale.parse(code).get_display_name(reader) or code for code in sms_texts}


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
    """The message and to whom (``?draft=`` starts from one's draft, to change it); posted, kept as a draft and
    shown in its preview."""
    group = _managed(group_id)
    if group.archived_at is not None:
        return _archived(group)
    sender = current_user._get_current_object()
    earlier = messages.find_draft(group, sender, request.args.get("draft", "")) if request.method == "GET" else None
    data = {"text": earlier.text, "audience": earlier.audience,
            "session": str(earlier.session_id or "")} if earlier else None
    form = _form(group, data=data)
    if form.validate_on_submit():
        draft = form.draft()
        if not messages.audience(group, draft):
            form.audience.errors.append(_("Nobody is in this audience: there is no one to send it to."))
            return _compose(group, form, 400)
        saved = messages.save_draft(group, sender, draft)
        db.session.commit()
        return redirect(url_for("group_messages.preview_message", group_id=group.id, draft_id=saved.id), 303)
    return _compose(group, form, 400 if form.is_submitted() else 200)


@bp.route("/groups/<int:group_id>/messages/drafts/<draft_id>")
@roles("trainer", "coordinator")
def preview_message(group_id: int, draft_id: str):
    """One's draft as it would go: its length, whom each channel reaches (by name), whom none does and why, the
    cost; and the button that sends it, or, once sent, saying so."""
    group = _managed(group_id)
    if group.archived_at is not None:
        return _archived(group)
    draft = messages.find_draft(group, current_user, draft_id) or abort(404)
    return _preview_page(group, draft)


@bp.route("/groups/<int:group_id>/messages/send", methods=["POST"])
@roles("trainer", "coordinator")
def send_message(group_id: int):
    """Send exactly what the preview showed, once; anything else is refused and sends nothing."""
    group = _managed(group_id)
    if group.archived_at is not None:
        return _archived(group)
    sender = current_user._get_current_object()
    try:
        sent = messages.send(group, sender, request.form.get("confirmation", ""))
    except messages.AlreadySent as refusal:
        db.session.rollback()
        flash(str(refusal), "info")
        return redirect(url_for("group_messages.list_messages", group_id=group.id), 303)
    except messages.Refused as refusal:
        db.session.rollback()
        draft = messages.find_draft(group, sender, request.form.get("draft", ""))
        if draft is None:
            form = _form(group, formdata=None)
            form.text.errors = [str(refusal)]
            return _compose(group, form, 400)
        flash(str(refusal), "error")  # the preview again, as it is now, with a new confirmation
        return redirect(url_for("group_messages.preview_message", group_id=group.id, draft_id=draft.id), 303)
    details = {"group_id": group.id, "sms": sent.sms, "emails": len(sent.emails)}
    if sent.message.session_id is not None:
        details["session_id"] = sent.message.session_id
    audit.record("send group message", details, user=sender)
    db.session.commit()
    flash(_("The message is on its way: %(sms)s by SMS, %(emails)s by e-mail.", sms=format_number(sent.sms),
            emails=format_number(len(sent.emails))), "success")
    response = redirect(url_for("group_messages.list_messages", group_id=group.id), 303)
    if sent.emails:
        after_response.later(response, messages.mail_sender(sent.message.id, sent.emails))
    return response


@bp.route("/groups/<int:group_id>/messages")
@roles("trainer", "coordinator")
def list_messages(group_id: int):
    """The messages sent to the group, newest first, with their SMS by status and the e-mails sent."""
    group = _managed(group_id)
    sent = listing(messages.sent_to(group), sorts={"sent": GroupMessage.created_at}, default="-sent",
                   tiebreak=GroupMessage.id, per_page=20)
    return render_template("groups/messages.html", group=group, sent=sent, rows=messages.sent_rows(sent.items))
