"""Translated error pages; user input never ends in a 500, and a database that does not answer in a 503."""
from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from lms.extensions import db, login_manager

#: Seconds a client is asked to wait (``Retry-After``) when the database does not answer.
RETRY_AFTER = 60
#: SQLite's answers that mean "not now" rather than "wrong SQL": another process holds the file
#: beyond the busy timeout, or the file cannot be opened or read.
SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR")


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(DBAPIError, database_error)
    app.register_error_handler(PoolTimeout, database_error)
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


def database_unavailable(error: Exception) -> bool:
    """The database did not answer (down, restarting, a connection lost, the file locked, no free
    connection), as opposed to a mistake in the SQL."""
    if isinstance(error, PoolTimeout) or getattr(error, "connection_invalidated", False):
        return True
    if not isinstance(error, OperationalError):
        return False
    sqlite_name = getattr(error.orig, "sqlite_errorname", None)
    # PostgreSQL's operational errors are all of that kind: connection, shutdown, deadlock, resources.
    return sqlite_name is None or sqlite_name.startswith(SQLITE_UNAVAILABLE)


def database_error(error: Exception):
    """503 with ``Retry-After``; the page is rendered without the database, for a visitor."""
    if not database_unavailable(error):
        return server_error(error)
    db.session.rollback()
    # Whoever is signed in may not be loadable now (or was expired by the rollback): the page shows
    # them as a visitor, and their session is left as it is for the next request.
    login_manager._update_request_context_with_user()
    current_app.logger.warning("Database unavailable: %s", str(error).partition("\n")[0])
    message = _("The database is not answering. Please try again in a minute.")
    response = current_app.make_response((render_template("core/error.html", code=503, message=message), 503))
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.cache_control.no_store = True
    return response


def server_error(error: Exception):
    if isinstance(error, HTTPException):
        return http_error(error)
    db.session.rollback()
    current_app.logger.exception("Unhandled error")
    if current_app.testing and current_app.config.get("PROPAGATE_EXCEPTIONS", True):
        raise error
    return render_template("core/error.html", code=500, message=_(
        "Something went wrong on our side. Nothing you did caused it; please try again later.")), 500
