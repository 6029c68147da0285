"""The receivers of lms/signals.py listen in every app create_app makes, request or not (CLI, scheduler):
create_app connects them, nothing else need import them."""
from __future__ import annotations

from lms import signals


def test_surveys_and_privacy_listen_once_the_app_is_made(app):
    def listening(signal):
        return {f"{receiver.__module__}.{receiver.__name__}" for receiver in signal.receivers_for(1)}

    assert "lms.surveys.receivers._enrolled" in listening(signals.enrolled)
    assert "lms.surveys.receivers._course_completed" in listening(signals.course_completed)
    assert "lms.surveys.receivers._joined_group" in listening(signals.joined_group)
    assert "lms.privacy.receivers._signed_up" in listening(signals.signed_up)
    assert {"lms.surveys.reminders.remind_by_mail", "lms.surveys.texting.remind_by_sms"} <= listening(
        signals.reminder_due)
    assert "lms.surveys.receivers._account_erased" in listening(signals.account_erased)
    assert {"lms.auth.sessions._password_changed", "lms.auth.audit_trail._password_changed"} <= listening(
        signals.password_changed)
