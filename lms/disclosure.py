"""What the portal publishes about people: every count, rate, share and mean goes through this module.

The rule: no count from 1 to 4 can be read or worked out from what we publish, by any pair of views.
The method is the Australian Bureau of Statistics' cell-key perturbation (TableBuilder), whose perturbation
here is Statistics New Zealand's unbiased random rounding to base 5:

- Every record that is counted (a person, an enrolment, a quiz attempt, a membership, a session, a presence,
  a promotion, a survey response) carries a permanent random *record key* in [0, 2^31)
  (lms/models/record_keys.py). A figure made of pairs takes the sum of the keys of what it is made of.
- The *cell key* of a figure is the sum of the record keys of the records behind it, modulo 2^31, added up
  by the database in the query that counts them.
- A count v with cell key k is published as 5·⌊v/5⌋ + 5 if u < (v mod 5)/5, else as 5·⌊v/5⌋, where u is
  HMAC-SHA256 of (k, v) under a key derived from PSEUDONYM_KEY, read as a number in [0, 1). So every
  published count is a multiple of 5 within 4 of the truth, 0 stays 0 (and 1 to 4 often show as 0), the
  rounding is unbiased, and the same records give the same figure in every view, every time: asking again,
  or by another route, averages nothing away. Totals are rounded on their own, from their own records, so
  a table need not add up.
- Rates (completion, attendance) divide published counts, capped at 100%, shown where the published
  denominator is at least ``MIN_SHOWN``. Shares of survey respondents divide the published count of those
  counted by the published count of those asked, with the Wilson interval of these two numbers.
- Means add to the exact sum a noise uniform in [-R, R] drawn from the cell key, where R is the width of
  the range one person's value lies in (4 for a 1-5 scale, 100 for a score in percent), divide by the
  exact n and are rounded; their interval, drawn from a sum of squares with a noise of its own
  (lms/surveys/results.py ``noisy_squares``), is centred on them and widened by the noise (``moved``).
  Shown where the published n is at least ``MIN_SHOWN``.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from statistics import NormalDist
from typing import Protocol, TypeVar

from flask import current_app
from flask_babel import gettext as _

from lms.models.record_keys import KEY_SPACE

#: Published counts are multiples of BASE.
BASE = 5
#: A rate, share or mean is shown only where its published count of people is at least this.
MIN_SHOWN = 10
#: The normal quantile for a 95% interval: the part of a mean's interval that the noise adds.
NOISE_Z = NormalDist().inv_cdf(0.975)
#: Sets the key that draws the rounding apart from every other use of PSEUDONYM_KEY.
LABEL = b"lms.disclosure: cell-key perturbation, v1"


def note() -> str:
    """The one sentence every page with figures carries."""
    return _("Figures are rounded at random to a multiple of 5, so 0 can mean a few people and totals may "
             "differ from the sum of their parts; this protects the people behind them.")


@lru_cache(maxsize=8)
def _secret_of(pseudonym_key: str) -> bytes:
    return hmac.new(pseudonym_key.encode(), LABEL, hashlib.sha256).digest()


def _secret() -> bytes:
    return _secret_of(current_app.config["PSEUDONYM_KEY"])


def draw(key: int, n: int, purpose: str = "count") -> float:
    """A number in [0, 1) fixed by the cell key, the true count and what it is drawn for."""
    digest = hmac.digest(_secret(), f"{purpose}:{key % KEY_SPACE}:{n}".encode(), "sha256")
    return int.from_bytes(digest[:8], "big") / 2**64


def published_count(n: int, key: int) -> int:
    """The count shown for ``n`` records whose cell key is ``key``: a multiple of 5, within 4 of ``n``."""
    low = BASE * (n // BASE)
    rest = n - low
    return low + BASE if rest and draw(key, n) < rest / BASE else low


@dataclass(frozen=True)
class Count:
    """A true count and its cell key. Only ``published`` ever leaves the server."""

    n: int = 0
    key: int = 0

    def __add__(self, other: Count) -> Count:
        """The count of two sets of records with nothing in common."""
        return Count(self.n + other.n, (self.key + other.key) % KEY_SPACE)

    @classmethod
    def of(cls, n, key_sum) -> Count:
        """From what the database returns: a count and a sum of record keys (None for no rows)."""
        return cls(int(n or 0), int(key_sum or 0) % KEY_SPACE)

    @cached_property
    def published(self) -> int:
        """Drawn once per count: a table reads each of its cells several times (figure, chart, rate)."""
        return published_count(self.n, self.key)


def rate(numerator: int, denominator: int) -> float | None:
    """A rate (0-1) from two published counts, at most 1; None where the denominator is under MIN_SHOWN."""
    if denominator < MIN_SHOWN:
        return None
    return min(1.0, numerator / denominator)


def noise(key: int, n: int, spread: float, purpose: str) -> float:
    """What is added to an exact sum of ``n`` values: uniform in [-spread, spread], drawn from the cell key."""
    return (2 * draw(key, n, purpose) - 1) * spread


def clamp(value: float, bounds: tuple[float, float] | None) -> float:
    return value if bounds is None else min(max(value, bounds[0]), bounds[1])


def rounded(value: float | None, digits: int) -> float | int | None:
    """One decimal, or whole numbers (an int) for figures in percent or points."""
    if value is None:
        return None
    return round(value) if digits == 0 else round(value, digits)


def uniform_variance(*half_widths: float) -> float:
    """The variance of a sum of independent noises, each uniform in [-a, a]: the sum of a²/3."""
    return sum(a * a / 3 for a in half_widths)


class Estimate(Protocol):
    """What ``moved`` reads of a value with its interval: a dataclass such as lms/surveys/statistics.py's."""

    @property
    def n(self) -> int: ...
    @property
    def value(self) -> float | None: ...
    @property
    def low(self) -> float | None: ...
    @property
    def high(self) -> float | None: ...


AnEstimate = TypeVar("AnEstimate", bound=Estimate)


def moved(exact: AnEstimate, published_n: int, shift: float, digits: int,
          bounds: tuple[float, float] | None = None, noise_variance: float = 0.0) -> AnEstimate:
    """A mean (or a change in means) moved by ``shift`` (the noise divided by n), with its interval, rounded.

    The interval is centred on the moved value and widened by the noise, whose variance (``noise_variance``,
    public: it follows from n and the range of the answers) is added in quadrature to the sampling error's.
    Moved alone, a small group's interval kept its width while the noise was larger than it (a mean above
    every answer given, in an interval of width 0: outside tester E). Nothing but the published n is kept
    where that is under MIN_SHOWN. ``bounds`` keeps the figures within the values they can take (a moved mean
    of scores stays within 0-100).
    """
    if published_n < MIN_SHOWN or exact.value is None:
        return replace(exact, n=published_n, value=None, low=None, high=None)
    value = exact.value + shift
    if exact.low is None or exact.high is None:
        low = high = None
    else:
        sampling = (exact.high - exact.low) / 2
        margin = math.sqrt(sampling * sampling + NOISE_Z * NOISE_Z * noise_variance)
        low, high = value - margin, value + margin

    def shown(figure: float | None):
        return None if figure is None else rounded(clamp(figure, bounds), digits)

    return replace(exact, n=published_n, value=shown(value), low=shown(low), high=shown(high))
