"""Operational endpoints: health check and favicon."""
from flask import Blueprint, current_app, send_from_directory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lms.extensions import db
from lms.permissions import public

bp = Blueprint("core", __name__)


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.route("/favicon.ico")
@public
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")
