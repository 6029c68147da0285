"""No count under 5 is shown, and none can be recomputed from a row or column total."""
from __future__ import annotations

import itertools
import random

import pytest

from lms.reports.suppression import MIN_CELL, TOTAL, table_of


def assert_safe(table):
    """Every count under 5 is hidden, and no line with a shown total has exactly one hidden cell."""
    for key, value in table.counts.items():
        if value < MIN_CELL:
            assert key in table.hidden, key
    lines = [[(r, c) for c in table.columns] + [(r, TOTAL)] for r in [*table.rows, TOTAL]]
    lines += [[(r, c) for r in table.rows] + [(TOTAL, c)] for c in [*table.columns, TOTAL]]
    for *cells, total in lines:
        if total not in table.hidden:
            assert sum(cell in table.hidden for cell in cells) != 1, (cells, total)


def test_a_small_cell_and_its_complement_are_hidden():
    counts = {("PE", "woman"): 12, ("PE", "man"): 3, ("BJ", "woman"): 9, ("BJ", "man"): 20}
    table = table_of(counts, ["PE", "BJ"], ["woman", "man"])
    assert table.value("PE", "man") is None  # 3 < 5
    # PE's total (15) is shown, so another PE cell must go, or 3 = 15 - 12 could be worked out.
    assert table.value("PE", "woman") is None
    # And then the columns: BJ's cells are hidden too, or PE's would follow from the column totals.
    assert table.value("BJ", "woman") is None and table.value("BJ", "man") is None
    assert table.value(TOTAL, TOTAL) == 44 and table.value("PE", TOTAL) == 15
    assert_safe(table)


def test_large_cells_are_all_shown():
    counts = {(r, c): 10 + i for i, (r, c) in enumerate(itertools.product("ABC", "xyz"))}
    table = table_of(counts, list("ABC"), list("xyz"))
    assert table.hidden == set()
    assert table.value("A", TOTAL) == 10 + 11 + 12


def test_a_small_total_is_hidden_with_its_cells():
    table = table_of({("PE", "woman"): 2, ("PE", "man"): 1}, ["PE"], ["woman", "man"])
    assert table.value("PE", TOTAL) is None and table.value(TOTAL, TOTAL) is None
    assert_safe(table)


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_never_reveal_a_small_count(seed):
    rng = random.Random(seed)
    rows, columns = [f"r{i}" for i in range(rng.randint(1, 6))], [f"c{i}" for i in range(rng.randint(1, 5))]
    counts = {(r, c): rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 30, 90]) for r in rows for c in columns}
    table = table_of(counts, rows, columns)
    assert_safe(table)
    for (r, c), value in counts.items():
        assert table.counts[(r, c)] == value
