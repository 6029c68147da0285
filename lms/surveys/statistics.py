"""Estimates with confidence intervals for survey and quiz results, in plain Python (no numpy or scipy).

Shares use the Wilson score interval, changes in shares Newcombe's hybrid score interval (method 10), means and
changes in means Student's t interval (paired, or Welch's for independent waves), and knowledge gains Hake's
class-average normalised gain.
"""
from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_CF_EPSILON = 1e-15
_CF_MAX_ITERATIONS = 100_000
_TINY = 1e-300
_SOLVER_TOLERANCE = 1e-14
_SOLVER_MAX_ITERATIONS = 500
#: From this many degrees of freedom on, the Cornish-Fisher expansion is exact to double precision.
_ASYMPTOTIC_DF = 1e5
#: Relative to a sum of squares, what is left of it after subtracting n * mean² that is rounding, not spread.
_ROUNDING = 1e-12


@dataclass(frozen=True)
class Estimate:
    """A value with its confidence interval; the interval is None where it cannot be computed."""

    n: int
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Gain:
    """The change in quiz scores (percent) of people who answered both before and after."""

    n: int
    mean_before: float | None
    mean_after: float | None
    change: Estimate
    normalised: float | None


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")


def _two_sided(confidence: float) -> float:
    """The upper probability that leaves (1 - confidence) / 2 in each tail."""
    _check_confidence(confidence)
    return 0.5 + confidence / 2


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function, by the modified Lentz method."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) >= _TINY else _TINY)
    result = d
    for m in range(1, _CF_MAX_ITERATIONS):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        for coefficient in (even, odd):
            d = 1.0 + coefficient * d
            d = 1.0 / (d if abs(d) >= _TINY else _TINY)
            c = 1.0 + coefficient / c
            c = c if abs(c) >= _TINY else _TINY
            delta = c * d
            result *= delta
        if abs(delta - 1.0) < _CF_EPSILON:
            return result
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})")


def _log_gamma_ratio(a: float, b: float) -> float:
    """log(Gamma(a + b) / Gamma(a)), by Stirling's series for large a, where lgamma would lose digits."""
    if a < 20:
        return math.lgamma(a + b) - math.lgamma(a)

    def series(x: float) -> float:
        return 1 / (12 * x) - 1 / (360 * x**3) + 1 / (1260 * x**5) - 1 / (1680 * x**7)

    return (a - 0.5) * math.log1p(b / a) + b * math.log(a + b) - b + series(a + b) - series(a)


def _log_beta(a: float, b: float) -> float:
    """log B(a, b), accurate when one of a, b is large."""
    small, large = min(a, b), max(a, b)
    return math.lgamma(small) - _log_gamma_ratio(large, small)


def _incomplete_beta(a: float, b: float, x: float, y: float, log_x: float, log_y: float) -> tuple[float, float]:
    """The regularised incomplete beta I_x(a, b) and its complement, given x, y = 1 - x and their logarithms."""
    if log_x == -math.inf:
        return 0.0, 1.0
    if log_y == -math.inf:
        return 1.0, 0.0
    front = math.exp(a * log_x + b * log_y - _log_beta(a, b))
    if x < (a + 1) / (a + b + 2):
        lower = front * _beta_continued_fraction(a, b, x) / a
        return lower, 1.0 - lower
    upper = front * _beta_continued_fraction(b, a, y) / b
    return 1.0 - upper, upper


def _log1p_square(ratio: float) -> tuple[float, float]:
    """log(1 + ratio**2) and log(ratio**2) for ratio > 0, without overflow."""
    log_square = 2 * math.log(ratio)
    if ratio > 1:
        return log_square + math.log1p(ratio**-2), log_square
    return math.log1p(ratio * ratio), log_square


def _t_tails(t: float, df: float) -> tuple[float, float]:
    """For t >= 0: P(T > t) and P(|T| < t) of Student's t with df degrees of freedom."""
    if t == 0:
        return 0.5, 0.0
    if math.isinf(t):
        return 0.0, 1.0
    log_total, log_square = _log1p_square(t / math.sqrt(df))
    log_x, log_y = -log_total, log_square - log_total  # x = df / (df + t**2), y = t**2 / (df + t**2)
    lower, upper = _incomplete_beta(df / 2, 0.5, math.exp(log_x), math.exp(log_y), log_x, log_y)
    return lower / 2, upper


def _t_density(t: float, df: float) -> float:
    """The probability density of Student's t with df degrees of freedom."""
    log_kernel = _log1p_square(abs(t) / math.sqrt(df))[0] if t else 0.0
    log_norm = _log_gamma_ratio(df / 2, 0.5) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * log_kernel)


def _cornish_fisher(z: float, df: float) -> float:
    """The t quantile for the normal quantile z by the Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5)."""
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(term / df**power for power, term in enumerate(terms, start=1))


def _solve_increasing(residual: Callable[[float], float], slope: Callable[[float], float], guess: float) -> float:
    """The root t > 0 of an increasing residual, by Newton's method kept inside a bisection bracket."""
    low, high = guess, guess
    while residual(high) < 0:
        low, high = high, high * 2
        if math.isinf(high):
            return high
    while low > 0 and residual(low) > 0:
        high, low = low, (low / 2 if low > _TINY else 0.0)
    t = guess if low < guess < high else (low + high) / 2
    for _ in range(_SOLVER_MAX_ITERATIONS):
        value = residual(t)
        if value == 0:
            return t
        low, high = (t, high) if value < 0 else (low, t)
        gradient = slope(t)
        candidate = t - value / gradient if gradient > 0 else math.nan
        if not low < candidate < high:
            candidate = math.sqrt(low * high) if low > 0 and high > 4 * low else (low + high) / 2
        if abs(candidate - t) <= _SOLVER_TOLERANCE * candidate or high - low <= _SOLVER_TOLERANCE * high:
            return candidate
        t = candidate
    return t


@functools.lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """The inverse cumulative distribution function of Student's t with df (possibly fractional) degrees of freedom."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must be between 0 and 1, not {p!r}")
    if not df > 0:
        raise ValueError(f"degrees of freedom must be positive, not {df!r}")
    if p in (0, 1):
        return math.copysign(math.inf, p - 0.5)
    if p == 0.5:
        return 0.0
    if df >= _ASYMPTOTIC_DF:
        return _cornish_fisher(statistics.NormalDist().inv_cdf(p), df)
    tail = min(p, 1 - p)
    central = abs(1 - 2 * p)  # exact where it is used (tail >= 0.25)
    guess = max(_cornish_fisher(-statistics.NormalDist().inv_cdf(tail), df), _TINY)
    if tail < 0.25:
        t = _solve_increasing(lambda t: tail - _t_tails(t, df)[0], lambda t: _t_density(t, df), guess)
    else:
        t = _solve_increasing(lambda t: _t_tails(t, df)[1] - central, lambda t: 2 * _t_density(t, df), guess)
    return t if p > 0.5 else -t


def _t_interval(n: int, value: float, standard_error: float, df: float, confidence: float) -> Estimate:
    """value ± t * standard error, with the t quantile for the confidence and df."""
    if standard_error == 0:
        return Estimate(n, value, value, value)
    margin = t_quantile(_two_sided(confidence), df) * standard_error
    return Estimate(n, value, value - margin, value + margin)


def wilson(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """The share successes / n with its Wilson score interval."""
    _check_confidence(confidence)
    if not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, not {successes} of {n}")
    if n == 0:
        return Estimate(0, None, None, None)
    z = statistics.NormalDist().inv_cdf(_two_sided(confidence))
    share = successes / n
    centre = (successes + z * z / 2) / (n + z * z)
    margin = z * math.sqrt(n * share * (1 - share) + z * z / 4) / (n + z * z)
    low = 0.0 if successes == 0 else max(0.0, centre - margin)
    high = 1.0 if successes == n else min(1.0, centre + margin)
    return Estimate(n, share, low, high)


@dataclass(frozen=True)
class Moments:
    """How many values, their sum and their sum of squares: enough for a mean, its interval and Welch's test.

    SQL computes them with count, sum and sum of squares, so a figure over a million answers needs no rows in
    Python; moments of separate groups add up.
    """

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    @classmethod
    def of(cls, values: Sequence[float]) -> Moments:
        return cls(len(values), math.fsum(values), math.fsum(v * v for v in values))

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.squares + other.squares)

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def variance(self) -> float:
        """The sample variance (n - 1 in the denominator); 0 where what is left is rounding error."""
        spread = self.squares - self.total * self.total / self.n
        return 0.0 if spread <= _ROUNDING * self.squares else spread / (self.n - 1)


def mean(values: Sequence[float] | Moments, confidence: float = 0.95) -> Estimate:
    """The mean with its Student's t interval (sample standard deviation, n - 1 degrees of freedom)."""
    _check_confidence(confidence)
    moments = values if isinstance(values, Moments) else Moments.of(values)
    n = moments.n
    if n == 0:
        return Estimate(0, None, None, None)
    if n == 1:
        return Estimate(1, moments.mean, None, None)
    return _t_interval(n, moments.mean, math.sqrt(moments.variance / n), n - 1, confidence)


def paired_change(pairs: Sequence[tuple[float, float]] | Moments, confidence: float = 0.95) -> Estimate:
    """The mean of after - before over pairs (before, after), with the t interval of the differences.

    Given Moments, they are those of the differences.
    """
    if isinstance(pairs, Moments):
        return mean(pairs, confidence)
    return mean([after - before for before, after in pairs], confidence)


def welch_change(before: Sequence[float] | Moments, after: Sequence[float] | Moments,
                 confidence: float = 0.95) -> Estimate:
    """mean(after) - mean(before) of independent groups, with the Welch-Satterthwaite t interval."""
    _check_confidence(confidence)
    first = before if isinstance(before, Moments) else Moments.of(before)
    second = after if isinstance(after, Moments) else Moments.of(after)
    n = first.n + second.n
    if not first.n or not second.n:
        return Estimate(n, None, None, None)
    value = second.mean - first.mean
    if first.n < 2 or second.n < 2:
        return Estimate(n, value, None, None)
    var_before = first.variance / first.n
    var_after = second.variance / second.n
    total = var_before + var_after
    if total == 0:
        return Estimate(n, value, value, value)
    df = total**2 / (var_before**2 / (first.n - 1) + var_after**2 / (second.n - 1))
    return _t_interval(n, value, math.sqrt(total), df, confidence)


def share_change(k_before: int, n_before: int, k_after: int, n_after: int, confidence: float = 0.95) -> Estimate:
    """p_after - p_before with Newcombe's hybrid score interval (method 10) built from the two Wilson intervals."""
    first, second = wilson(k_before, n_before, confidence), wilson(k_after, n_after, confidence)
    n = n_before + n_after
    if first.value is None or second.value is None:
        return Estimate(n, None, None, None)
    value = second.value - first.value
    low = value - math.hypot(second.value - second.low, first.high - first.value)
    high = value + math.hypot(second.high - second.value, first.value - first.low)
    return Estimate(n, value, low, high)


def knowledge_gain(pairs: Sequence[tuple[float, float]]) -> Gain:
    """Paired gain and Hake's class-average normalised gain from (score before, score after) pairs in percent."""
    n = len(pairs)
    if n == 0:
        return Gain(0, None, None, Estimate(0, None, None, None), None)
    return gain_of(statistics.fmean(before for before, _ in pairs), statistics.fmean(after for _, after in pairs),
                   Moments.of([after - before for before, after in pairs]))


def gain_of(mean_before: float, mean_after: float, differences: Moments) -> Gain:
    """The gain from the mean scores before and after and the Moments of each person's difference."""
    normalised = None if mean_before == 100 else (mean_after - mean_before) / (100 - mean_before)
    return Gain(differences.n, mean_before, mean_after, paired_change(differences), normalised)
