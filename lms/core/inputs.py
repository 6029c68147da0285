"""Input that no database column can hold is refused before any view sees it.

PostgreSQL's text columns cannot store a NUL character (SQLite can), and no one types one: it comes
from a broken client or from someone probing. Refused in one place, for every form field, query
parameter and URL, it can neither reach a query nor be stored on one database and not the other.
Likewise an id in a URL larger than an integer column holds is simply not found, and a JSON body nested
deeper than any client of ours writes is not read (it would exhaust Python's stack).
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

#: The largest value of an INTEGER column (PostgreSQL and SQLite alike hold at least this).
LARGEST_ID = 2**31 - 1

#: The deepest JSON body read: the offline sync sends 4 levels; deeper is refused as unreadable.
MAX_JSON_DEPTH = 32


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs: a number past any id is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs):  # werkzeug's name
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


class BoundedJSON(DefaultJSONProvider):
    """Flask's JSON, except that a body nested too deeply is unreadable (a ValueError: ``get_json`` answers 400,
    or None when silent) instead of a RecursionError and a 500."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error
        if depth(value) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return value


def depth(value) -> int:
    """How deeply lists and objects nest in a JSON value (walked without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def strings_in(value) -> list[str]:
    """Every key and text in a JSON value."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found += item.keys()
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return found


def holds_nul() -> bool:
    """A NUL anywhere the views read: the path, the query, form fields, file names or a JSON body."""
    values = [request.path, *(text for pair in request.args.items(multi=True) for text in pair)]
    if request.method in ("POST", "PUT", "PATCH"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += [text for pair in request.form.items(multi=True) for text in pair]
            values += [upload.filename or "" for upload in request.files.values()]
        elif request.is_json:
            values += strings_in(request.get_json(silent=True))
    return any("\0" in value for value in values)


def refuse_nul():
    """400 before any view runs: an error page, or ``{"error": ...}`` to a program that sent JSON."""
    if not holds_nul():
        return None
    message = _("What you sent contains a character that cannot be saved (a NUL character). Nothing was saved: "
                "please remove it and send the form again.")
    if request.is_json:
        return jsonify({"error": message}), 400
    return render_template("core/error.html", code=400, message=message), 400


def register(app: Flask) -> None:
    app.json = BoundedJSON(app)
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)
