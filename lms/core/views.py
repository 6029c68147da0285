"""Operational endpoints: health check and favicon."""
from flask import Blueprint, Response, abort, current_app, request, send_from_directory
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from lms.extensions import db
from lms.files import media
from lms.models import Image
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


@bp.route("/media/<name>")
@public
def show_image(name: str):
    """An image uploaded for a course; its name is random, so it cannot be guessed.

    ``?w=480`` or ``?w=960``: the same image narrower, for the phones that need no more (``srcset``).
    """
    width = request.args.get("w", type=int)
    if width is not None and width not in media.WIDTHS:
        abort(404)
    image = db.session.scalar(select(Image).where(Image.name == name))
    if image is None:
        abort(404)
    data = media.narrower(image.name, image.data, width) if width and width < image.width else image.data
    response = Response(data, mimetype=image.content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.route("/favicon.ico")
@public
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")
