"""Long lists: a page at a time, sorted by a column the reader picks, narrowed by words they type.

A view declares the columns a list may be sorted by and searched in; ``listing`` reads ``page``, ``sort``
and ``q`` from the query string, ignores values it does not know, and returns one page. Templates draw
the search box, sortable headings and page links with the macros in ``core/_listing.html``.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from math import ceil

import sqlalchemy as sa
from flask import request, url_for

from lms.extensions import db

PER_PAGE = 50
#: Words beyond this many are ignored: a search is for finding, not for loading the database.
MAX_WORDS = 6


@dataclass(frozen=True)
class Listing:
    items: list
    total: int
    page: int
    per_page: int
    #: The key of the column sorted by, and whether the order is descending.
    sort: str
    descending: bool
    search: str

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The position of the first item shown, counting from 1 (0 when there is none)."""
        return min(self.total, (self.page - 1) * self.per_page + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)

    def url(self, **changes) -> str:
        """This page's URL with some of its query values changed (None removes one)."""
        args = {**request.args.to_dict(), **{k: v for k, v in changes.items() if v is not None}}
        for key in [k for k, v in changes.items() if v is None]:
            args.pop(key, None)
        if args.get("page") in ("1", 1):
            args.pop("page")
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def sort_url(self, key: str) -> str:
        """Sort by ``key``; asked again for the column already sorted by, reverse the order."""
        descending = key == self.sort and not self.descending
        return self.url(sort=("-" if descending else "") + key, page=None)

    def order_of(self, key: str) -> str:
        """The value of ``aria-sort`` for the heading of ``key``."""
        if key != self.sort:
            return "none"
        return "descending" if self.descending else "ascending"


def words_of(search: str) -> list[str]:
    return search.split()[:MAX_WORDS]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def matching(search: str, columns: Sequence[sa.ColumnElement]) -> sa.ColumnElement[bool]:
    """Every word of ``search`` appears, in any case, in at least one of ``columns``."""
    return sa.and_(sa.true(), *[
        sa.or_(*[sa.func.lower(sa.func.coalesce(column, "")).like(_like(word), escape="\\") for column in columns])
        for word in words_of(search)])


def listing(query: sa.Select, *, sorts: Mapping[str, sa.ColumnElement | Sequence[sa.ColumnElement]],
            default: str, search_in: Sequence[sa.ColumnElement] = (), tiebreak: sa.ColumnElement | None = None,
            per_page: int = PER_PAGE) -> Listing:
    """One page of ``query``, as the query string asks: ``?q=words&sort=-key&page=2``.

    ``sorts`` names the columns a reader may sort by (``default`` is one of its keys, ``-`` before it for
    descending); ``search_in`` the columns words are looked for in; ``tiebreak`` (a unique column) keeps
    the order of equal rows the same from page to page.
    """
    search = " ".join(words_of(request.args.get("q", "")))[:200] if search_in else ""
    if search:
        query = query.where(matching(search, search_in))
    requested = request.args.get("sort", default)
    key = requested.removeprefix("-")
    if key not in sorts:
        requested, key = default, default.removeprefix("-")
    descending = requested.startswith("-")
    columns = sorts[key]
    columns = list(columns) if isinstance(columns, (list, tuple)) else [columns]
    order = [column.desc() if descending else column.asc() for column in columns]
    if tiebreak is not None:
        order.append(tiebreak.desc() if descending else tiebreak.asc())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, ceil(total / per_page))
    raw_page = request.args.get("page", "1")
    page = min(max(int(raw_page), 1), pages) if raw_page.isdigit() and len(raw_page) < 7 else 1
    rows = db.session.execute(query.order_by(None).order_by(*order).limit(per_page).offset((page - 1) * per_page))
    items = list(rows.scalars()) if len(query.column_descriptions) == 1 else list(rows)
    return Listing(items=items, total=total, page=page, per_page=per_page, sort=key, descending=descending,
                   search=search)


def listed(items: Sequence, *, sorts: Mapping[str, Callable], default: str, text_of: Callable[[object], str],
           per_page: int = PER_PAGE) -> Listing:
    """``listing`` for rows already in memory (a table computed in Python): ``sorts`` gives each key's sort key
    function, ``text_of`` the text a row's search looks in."""
    search = " ".join(words_of(request.args.get("q", "")))[:200]
    if search:
        words = [folded(word) for word in words_of(search)]
        items = [item for item in items if all(word in folded(text_of(item)) for word in words)]
    requested = request.args.get("sort", default)
    key = requested.removeprefix("-")
    if key not in sorts:
        requested, key = default, default.removeprefix("-")
    descending = requested.startswith("-")
    ordered = sorted(items, key=sorts[key], reverse=descending)
    pages = max(1, ceil(len(ordered) / per_page))
    raw_page = request.args.get("page", "1")
    page = min(max(int(raw_page), 1), pages) if raw_page.isdigit() and len(raw_page) < 7 else 1
    return Listing(items=ordered[(page - 1) * per_page:page * per_page], total=len(ordered), page=page,
                   per_page=per_page, sort=key, descending=descending, search=search)


def folded(text: str) -> str:
    """``text`` without case or accents, for comparing and sorting as readers expect ("Élodie" beside "Elena")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
