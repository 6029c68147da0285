"""Translated error pages; user input never ends in a 500."""
from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.extensions import db


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, server_error)


def http_error(error: HTTPException):
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have permission to see this page."),
        404: _("We could not find this page. The address may be wrong, or the page was removed."),
        405: _("This page cannot be used this way."),
        409: _("Someone else changed this at the same time. Nothing was saved."),
        413: _("The file is too large. Nothing was saved."),
    }
    message = messages.get(error.code or 500, _("Something went wrong."))
    return render_template("core/error.html", code=error.code, message=message), error.code


def csrf_error(error: CSRFError):
    message = _("This form has expired or was sent from elsewhere. Nothing was saved: please go back, "
                "reload the page and send it again.")
    return render_template("core/error.html", code=400, message=message), 400


def server_error(error: Exception):
    if isinstance(error, HTTPException):
        return http_error(error)
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("Unhandled error")
    if current_app.testing and current_app.config.get("PROPAGATE_EXCEPTIONS", True):
        raise error
    return render_template("core/error.html", code=500, message=_(
        "Something went wrong on our side. Nothing you did caused it; please try again later.")), 500
