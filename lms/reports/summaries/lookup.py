"""The summary of a report's period, read once per request however many of the page's figures ask for it."""
from __future__ import annotations

from datetime import date

from flask import has_request_context, request
from sqlalchemy import select

from lms.extensions import db
from lms.models import ReportSummary

#: Where a request keeps the summaries it has read (its WSGI environment: one per request, gone with it).
SEEN = "lms.report_summaries"


def period_summary(start: date, end: date) -> ReportSummary | None:
    """The summary of the period from ``start`` to ``end``, if there is one, current or not. In a request, the row
    read first is the one every figure of the page reads: a page's figures are those of one moment. Elsewhere
    (the scheduler, the command line, a test between two writes) it is read each time."""
    if not has_request_context():
        return _read(start, end)
    seen = request.environ.setdefault(SEEN, {})
    if (start, end) not in seen:
        seen[(start, end)] = _read(start, end)
    return seen[(start, end)]


def _read(start: date, end: date) -> ReportSummary | None:
    return db.session.scalar(select(ReportSummary).where(ReportSummary.starts_on == start,
                                                         ReportSummary.ends_on == end))
