"""What a report is about: the filters a reader chose, within the countries they may see."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lms.permissions import Scope


@dataclass(frozen=True)
class AgeBand:
    label: str
    low: int
    high: int | None  # None: no upper end


def parse_age_bands(text: str) -> list[AgeBand]:
    """``"15-24,25-35,36+"`` -> bands; ages are counted in whole years at the end of the period."""
    bands = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        if part.endswith("+"):
            bands.append(AgeBand(part, int(part[:-1]), None))
        else:
            low, high = part.split("-")
            bands.append(AgeBand(part, int(low), int(high)))
    return bands


@dataclass(frozen=True)
class ReportFilter:
    """A report's filters. ``countries`` None means every country; ``scope`` (None: everything, for admins) is what
    the reader may see: a coordinator's countries and organisations (``lms.permissions.Scope``)."""

    start: date
    end: date
    countries: tuple[str, ...] | None = None
    organisation_id: int | None = None
    course_id: int | None = None
    topic: str | None = None
    group_id: int | None = None
    gender: str | None = None
    age_band: str | None = None
    age_bands: tuple[AgeBand, ...] = field(default_factory=tuple)
    scope: Scope | None = None

    def band(self, label: str | None) -> AgeBand | None:
        return next((b for b in self.age_bands if b.label == label), None)
