"""A workplace's survey rounds and the trainings held there, in one list by date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lms.models import SurveyWave, TrainingGroup


@dataclass(frozen=True)
class Moment:
    """A survey round (``wave``) or a training (``group``), from its first day to its last (None: not set)."""

    day: date
    last_day: date | None
    wave: SurveyWave | None = None
    group: TrainingGroup | None = None


def workplace_timeline(rounds: list[SurveyWave], groups: list[TrainingGroup]) -> list[Moment]:
    """Rounds and trainings by first day; on the same day a round comes before a training (a round that opens on a
    training's first day asks before it), then the one that ends first."""
    moments = [Moment(w.opens_on or w.created_at.date(), w.closes_on, wave=w) for w in rounds]
    moments += [Moment(g.starts_on, g.ends_on, group=g) for g in groups]
    return sorted(moments, key=lambda m: (m.day, m.group is not None, m.last_day or date.max,
                                          (m.group or m.wave).id))
