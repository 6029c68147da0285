"""Survey statistics, checked against an independent computation with scipy (and closed forms) on generated data."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from lms.surveys.statistics import (
    Estimate,
    Gain,
    knowledge_gain,
    mean,
    paired_change,
    share_change,
    t_quantile,
    welch_change,
    wilson,
)

SEEDS = [11, 2024, 31337]
SIZES = [2, 3, 5, 10, 30, 200]
CONFIDENCES = [0.95, 0.9, 0.99]
#: Probabilities for the t quantile; scipy itself is imprecise within about 1e-9 of 0.5, so the centre is checked
#: against closed forms instead.
PROBABILITIES = [1e-12, 1e-6, 0.001, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.45, 0.49, 0.51, 0.55, 0.6,
                 0.75, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999, 1 - 1e-6]
DEGREES_OF_FREEDOM = [1, 2, 3, 4, 1.5, 2.7, 4.5, 7.3, 12.25, 29.9, 30, 100, 999.5, 1000, 12_345.6, 99_999, 100_000,
                      250_000.5, 1e7]


def approx(expected: float, rel: float = 1e-9) -> object:
    return pytest.approx(expected, rel=rel, abs=1e-12)


def assert_estimate(estimate: Estimate, n: int, value: float, low: float, high: float) -> None:
    assert estimate.n == n
    assert estimate.value == approx(value)
    assert estimate.low == approx(low)
    assert estimate.high == approx(high)
    assert estimate.low <= estimate.value <= estimate.high


# --- t quantile -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("df", DEGREES_OF_FREEDOM)
def test_t_quantile_matches_scipy(df):
    for p in PROBABILITIES:
        assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-7), (p, df)


@pytest.mark.parametrize("seed", SEEDS)
def test_t_quantile_matches_scipy_for_random_probabilities_and_fractional_df(seed):
    rng = np.random.default_rng(seed)
    for p, df in zip(rng.uniform(1e-4, 1 - 1e-4, 60), np.exp(rng.uniform(math.log(0.3), math.log(5e5), 60)),
                     strict=True):
        if abs(p - 0.5) < 1e-6:
            continue
        assert t_quantile(float(p), float(df)) == pytest.approx(stats.t.ppf(p, df), rel=1e-7), (p, df)


@pytest.mark.parametrize("df", [30, 300, 1000, 3000, 30_000, 99_999, 100_000, 1e6])
def test_t_quantile_matches_scipy_in_the_far_tails_of_large_df(df):
    """Where the normal approximation is close but not exact, and the t quantile must still be exact."""
    for p in [1e-300, 1e-100, 1e-30, 1 - 1e-16]:
        assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-11), (p, df)


def cauchy_quantile(p: float) -> float:
    """tan(pi (p - 1/2)), written so that it keeps its precision in both tails."""
    if p < 0.25:
        return -1 / math.tan(math.pi * p)
    if p > 0.75:
        return 1 / math.tan(math.pi * (1 - p))
    return math.tan(math.pi * (p - 0.5))


def test_t_quantile_matches_closed_forms_in_the_centre_and_far_tails():
    """df = 1 (Cauchy) and df = 2 have exact quantiles, where scipy is not precise enough to judge."""
    for p in [1e-300, 1e-100, 1e-12, 0.1, 0.4999999999, 0.5 - 2**-50, 0.5 + 2**-53, 0.500000000001, 0.7, 1 - 2**-52]:
        assert t_quantile(p, 1) == pytest.approx(cauchy_quantile(p), rel=1e-12), p
        assert t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-12), p


def test_t_quantile_is_inverse_of_scipy_cdf():
    for df in [1, 2.5, 9, 40.5, 700]:
        for p in [0.0005, 0.03, 0.35, 0.5125, 0.88, 0.9995]:
            assert stats.t.cdf(t_quantile(p, df), df) == pytest.approx(p, rel=1e-10), (p, df)


def test_t_quantile_special_values_and_symmetry():
    assert t_quantile(0.5, 3) == 0.0
    assert t_quantile(0, 3) == -math.inf
    assert t_quantile(1, 3) == math.inf
    # Reference values computed with mpmath at 40 digits.
    assert t_quantile(0.975, 1) == pytest.approx(12.706204736174705, rel=1e-12)
    assert t_quantile(0.975, 10) == pytest.approx(2.2281388519862747, rel=1e-12)
    for df in [1, 3.5, 60]:
        assert t_quantile(0.2, df) == pytest.approx(-t_quantile(0.8, df), rel=1e-14)
        assert t_quantile(0.25, df) == -t_quantile(0.75, df)


@pytest.mark.parametrize(("p", "df"), [(-0.1, 3), (1.1, 3), (math.nan, 3), (0.5, 0), (0.5, -2), (0.5, math.nan)])
def test_t_quantile_rejects_impossible_arguments(p, df):
    with pytest.raises(ValueError):
        t_quantile(p, df)


# --- Wilson -------------------------------------------------------------------------------------------------------


def scipy_wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    interval = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


def wilson_cases(seed: int) -> list[tuple[int, int]]:
    """Edge counts (0, 1, half, n - 1, n) and random counts for shares near 0, in the middle and near 1."""
    rng = np.random.default_rng(seed)
    cases = set()
    for n in [1, *SIZES]:
        cases.update((k, n) for k in {0, 1, n // 2, n - 1, n} if 0 <= k <= n)
        cases.update((int(rng.binomial(n, share)), n) for share in (0.01, 0.05, 0.5, 0.95, 0.99))
    return sorted(cases)


@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize("seed", SEEDS)
def test_wilson_matches_scipy(seed, confidence):
    for k, n in wilson_cases(seed):
        low, high = scipy_wilson(k, n, confidence)
        assert_estimate(wilson(k, n, confidence), n, k / n, low, high)


def test_wilson_edges_and_published_example():
    assert wilson(0, 10).low == 0.0
    assert wilson(10, 10).high == 1.0
    assert wilson(0, 10).high == pytest.approx(1.96**2 / (10 + 1.96**2), rel=1e-3)
    # Newcombe (1998), single proportion, Table I: 81/263, Wilson score interval 0.2553 to 0.3662.
    example = wilson(81, 263)
    assert (round(example.low, 4), round(example.high, 4)) == (0.2553, 0.3662)
    assert wilson(0, 0) == Estimate(0, None, None, None)
    with pytest.raises(ValueError):
        wilson(4, 3)
    with pytest.raises(ValueError):
        wilson(1, 3, confidence=1.0)


# --- Means and changes in means -----------------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_mean_matches_scipy(seed, size, confidence):
    values = np.random.default_rng(seed).normal(60, 15, size)
    low, high = stats.t.interval(confidence, size - 1, loc=np.mean(values), scale=stats.sem(values))
    assert_estimate(mean(values.tolist(), confidence), size, np.mean(values), low, high)


@pytest.mark.parametrize("seed", SEEDS)
def test_mean_of_likert_answers_matches_scipy(seed):
    values = np.random.default_rng(seed).integers(1, 6, 40)
    low, high = stats.t.interval(0.95, 39, loc=np.mean(values), scale=stats.sem(values))
    assert_estimate(mean([int(v) for v in values]), 40, np.mean(values), low, high)


def test_mean_edges():
    assert mean([]) == Estimate(0, None, None, None)
    assert mean([4.5]) == Estimate(1, 4.5, None, None)
    assert mean([3.0, 3.0, 3.0, 3.0]) == Estimate(4, 3.0, 3.0, 3.0)
    two = mean([1.0, 3.0])  # sd = sqrt(2), se = 1, t(0.975, 1) = 12.7062...
    assert (two.low, two.high) == (pytest.approx(2 - 12.706204736174705), pytest.approx(2 + 12.706204736174705))


@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_paired_change_matches_scipy(seed, size, confidence):
    rng = np.random.default_rng(seed)
    before = rng.uniform(0, 100, size)
    after = before + rng.normal(5, 10, size)
    interval = stats.ttest_rel(after, before).confidence_interval(confidence_level=confidence)
    estimate = paired_change(list(zip(before.tolist(), after.tolist(), strict=True)), confidence)
    assert_estimate(estimate, size, np.mean(after - before), interval.low, interval.high)


def test_paired_change_edges():
    assert paired_change([]) == Estimate(0, None, None, None)
    assert paired_change([(40.0, 55.0)]) == Estimate(1, 15.0, None, None)
    assert paired_change([(10.0, 12.0), (50.0, 52.0), (90.0, 92.0)]) == Estimate(3, 2.0, 2.0, 2.0)
    assert paired_change([(60.0, 50.0), (40.0, 30.0), (70.0, 62.0)]).value == pytest.approx(-28 / 3)


WELCH_SIZES = [(2, 2), (2, 3), (3, 5), (5, 2), (10, 200), (200, 150), (30, 30), (200, 2)]


@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize(("n_before", "n_after"), WELCH_SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_welch_change_matches_scipy(seed, n_before, n_after, confidence):
    rng = np.random.default_rng(seed)
    before, after = rng.normal(50, 10, n_before), rng.normal(55, 20, n_after)
    interval = stats.ttest_ind(after, before, equal_var=False).confidence_interval(confidence_level=confidence)
    estimate = welch_change(before.tolist(), after.tolist(), confidence)
    assert_estimate(estimate, n_before + n_after, np.mean(after) - np.mean(before), interval.low, interval.high)


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")  # scipy, about the constant group
def test_welch_change_with_one_constant_group_matches_scipy():
    after = np.random.default_rng(5).normal(70, 12, 6)
    before = np.array([50.0, 50.0, 50.0])
    interval = stats.ttest_ind(after, before, equal_var=False).confidence_interval()
    assert_estimate(welch_change(before.tolist(), after.tolist()), 9, np.mean(after) - 50, interval.low, interval.high)


def test_welch_change_edges():
    assert welch_change([], []) == Estimate(0, None, None, None)
    assert welch_change([], [1.0, 2.0]) == Estimate(2, None, None, None)
    assert welch_change([3.0], [5.0, 7.0]) == Estimate(3, 3.0, None, None)
    assert welch_change([3.0, 4.0], [5.0]) == Estimate(3, 1.5, None, None)
    assert welch_change([2.0, 2.0], [5.0, 5.0, 5.0]) == Estimate(5, 3.0, 3.0, 3.0)


# --- Change in a share ------------------------------------------------------------------------------------------


def scipy_newcombe(k_before: int, n_before: int, k_after: int, n_after: int,
                   confidence: float = 0.95) -> tuple[float, float, float]:
    """Newcombe's method 10, computed directly from scipy's Wilson intervals."""
    p1, p2 = k_before / n_before, k_after / n_after
    l1, u1 = scipy_wilson(k_before, n_before, confidence)
    l2, u2 = scipy_wilson(k_after, n_after, confidence)
    d = p2 - p1
    return d, d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


SHARE_SIZES = [(2, 3), (3, 2), (5, 5), (10, 200), (200, 10), (200, 200), (30, 45)]


@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize("seed", SEEDS)
def test_share_change_matches_newcombe_from_scipy(seed, confidence):
    rng = np.random.default_rng(seed)
    for n_before, n_after in SHARE_SIZES:
        counts = {(0, 0), (0, n_after), (n_before, 0), (n_before, n_after)}
        for share_before, share_after in [(0.01, 0.02), (0.5, 0.6), (0.98, 0.99), (0.05, 0.95), (0.99, 0.01)]:
            counts.add((int(rng.binomial(n_before, share_before)), int(rng.binomial(n_after, share_after))))
        for k_before, k_after in sorted(counts):
            value, low, high = scipy_newcombe(k_before, n_before, k_after, n_after, confidence)
            estimate = share_change(k_before, n_before, k_after, n_after, confidence)
            assert_estimate(estimate, n_before + n_after, value, low, high)
            assert -1 <= estimate.low and estimate.high <= 1


@pytest.mark.parametrize(
    ("k_before", "n_before", "k_after", "n_after", "expected"),
    [
        # Newcombe (1998), two proportions, Table II, method 10: 56/70 - 48/80 and 9/10 - 3/10.
        (48, 80, 56, 70, (0.2, 0.0524, 0.3339)),
        (3, 10, 9, 10, (0.6, 0.1705, 0.8090)),
        # By hand: the Wilson upper limit of 0/10 is z^2 / (10 + z^2) = 0.27753.
        (0, 10, 0, 10, (0.0, -0.2775, 0.2775)),
        (0, 10, 10, 10, (1.0, 1 - math.sqrt(2) * 0.27753, 1.0)),
    ],
)
def test_share_change_published_and_hand_examples(k_before, n_before, k_after, n_after, expected):
    estimate = share_change(k_before, n_before, k_after, n_after)
    assert (estimate.value, estimate.low, estimate.high) == pytest.approx(expected, abs=5e-5)


def test_share_change_without_answers_in_a_wave():
    assert share_change(0, 0, 3, 10) == Estimate(10, None, None, None)
    assert share_change(3, 10, 0, 0) == Estimate(10, None, None, None)
    assert share_change(0, 0, 0, 0) == Estimate(0, None, None, None)


# --- Knowledge gain -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_knowledge_gain_matches_numpy_and_scipy(seed, size):
    rng = np.random.default_rng(seed)
    before = rng.uniform(0, 90, size).round(1)
    after = np.clip(before + rng.normal(12, 10, size), 0, 100).round(1)
    gain = knowledge_gain(list(zip(before.tolist(), after.tolist(), strict=True)))
    interval = stats.ttest_rel(after, before).confidence_interval()
    assert gain.n == size
    assert gain.mean_before == approx(np.mean(before))
    assert gain.mean_after == approx(np.mean(after))
    assert gain.normalised == approx((np.mean(after) - np.mean(before)) / (100 - np.mean(before)))
    assert_estimate(gain.change, size, np.mean(after - before), interval.low, interval.high)


def test_knowledge_gain_is_hakes_class_average_not_the_mean_of_individual_gains():
    gain = knowledge_gain([(0.0, 50.0), (90.0, 100.0)])  # individual gains 0.5 and 1.0 would average 0.75
    assert gain.normalised == pytest.approx(30 / 55)
    gain = knowledge_gain([(20.0, 60.0), (50.0, 75.0), (80.0, 90.0)])
    assert (gain.mean_before, gain.mean_after, gain.normalised) == (50.0, 75.0, 0.5)


def test_knowledge_gain_edges():
    assert knowledge_gain([]) == Gain(0, None, None, Estimate(0, None, None, None), None)
    assert knowledge_gain([(40.0, 70.0)]) == Gain(1, 40.0, 70.0, Estimate(1, 30.0, None, None), 0.5)
    ceiling = knowledge_gain([(100.0, 90.0), (100.0, 100.0)])
    assert ceiling.normalised is None
    assert (ceiling.mean_before, ceiling.mean_after) == (100.0, 95.0)
    interval = stats.ttest_rel([90.0, 100.0], [100.0, 100.0]).confidence_interval()
    assert_estimate(ceiling.change, 2, -5.0, interval.low, interval.high)
    assert knowledge_gain([(30.0, 20.0), (50.0, 40.0)]).normalised == pytest.approx(-10 / 60)
