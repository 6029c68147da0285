"""What the privacy tests call: how many right guesses of who wrote which response chance alone allows."""
from __future__ import annotations

from math import comb, factorial

#: The adversary's guesses together may name more respondents than this bound only by a chance below this.
FALSE_ALARM = 1e-4


def fixed_points_bound(n: int, guesses: int) -> int:
    """The smallest k such that, if the published order were a uniformly random shuffle, any of ``guesses``
    guesses naming k or more of ``n`` respondents right has a probability below FALSE_ALARM (union bound).

    The number of right guesses of a random permutation of n is the number of its fixed points: exactly
    j of them in C(n, j) * D(n - j) of the n! permutations, D being the number of derangements."""
    derangements = [1, 0]
    for m in range(2, n + 1):
        derangements.append((m - 1) * (derangements[-1] + derangements[-2]))
    for k in range(n + 1):
        tail = sum(comb(n, j) * derangements[n - j] for j in range(k, n + 1)) / factorial(n)
        if guesses * tail < FALSE_ALARM:
            return k
    return n + 1
