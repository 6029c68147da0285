"""E-mail through SMTP, configured by environment variables (MAIL_SERVER and friends)."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises ``smtplib.SMTPException`` or ``OSError`` when SMTP fails."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(host, port, context=ssl.create_default_context(), timeout=30)
    else:
        connection = smtplib.SMTP(host, port, timeout=30)
    with connection as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
