"""Input that no database column can hold is refused before any view sees it.

PostgreSQL's text columns cannot store a NUL character (SQLite can), and no one types one: it comes
from a broken client or from someone probing. Refused in one place, for every form field, query
parameter and URL, it can neither reach a query nor be stored on one database and not the other.
Likewise an id in a URL larger than an integer column holds is simply not found.
"""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

#: The largest value of an INTEGER column (PostgreSQL and SQLite alike hold at least this).
LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs: a number past any id is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def holds_nul() -> bool:
    if "\0" in request.path:
        return True
    values = [*request.args.values(), *request.args.keys()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.values(), *request.form.keys()]
        values += [upload.filename or "" for upload in request.files.values()]
    return any("\0" in value for value in values)


def refuse_nul() -> tuple[str, int] | None:
    if not holds_nul():
        return None
    message = _("What you sent contains a character that cannot be saved (a NUL character). Nothing was saved: "
                "please remove it and send the form again.")
    return render_template("core/error.html", code=400, message=message), 400


def register(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)
