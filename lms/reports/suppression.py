"""Small-cell suppression: no count under 5 is shown, nor any count that would let one be recomputed.

A table is a grid of counts with a total for each row and each column. Primary suppression hides
every count under ``MIN_CELL``. Complementary suppression then looks at each row and each column
whose total is shown: if exactly one of its cells is hidden, that cell could be recomputed as the
total minus the others, so the smallest other shown cell is hidden too. This repeats until no row
or column has a single hidden cell beside a shown total.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

MIN_CELL = 5


@dataclass
class Table:
    """Counts by row and column, with totals; ``hidden`` holds the (row, column) keys not to show.

    The totals use the column key ``TOTAL`` (row totals), the row key ``TOTAL`` (column totals)
    and ``(TOTAL, TOTAL)`` for the grand total.
    """

    rows: list[Hashable]
    columns: list[Hashable]
    counts: dict[tuple[Hashable, Hashable], int]
    hidden: set[tuple[Hashable, Hashable]] = field(default_factory=set)

    def value(self, row: Hashable, column: Hashable) -> int | None:
        """The count to show, or None where it is suppressed."""
        key = (row, column)
        return None if key in self.hidden else self.counts.get(key, 0)


TOTAL = "__total__"


def table_of(counts: dict[tuple[Hashable, Hashable], int], rows: Sequence[Hashable],
             columns: Sequence[Hashable]) -> Table:
    """A table with its totals added, suppressed (see the module docstring)."""
    full = {(r, c): counts.get((r, c), 0) for r in rows for c in columns}
    for r in rows:
        full[(r, TOTAL)] = sum(full[(r, c)] for c in columns)
    for c in [*columns, TOTAL]:
        full[(TOTAL, c)] = sum(full[(r, c)] for r in rows)
    table = Table(list(rows), list(columns), full)
    table.hidden = suppressed_cells(full, list(rows), list(columns))
    return table


def suppressed_cells(counts: dict[tuple[Hashable, Hashable], int], rows: list[Hashable],
                     columns: list[Hashable]) -> set[tuple[Hashable, Hashable]]:
    """The cells (totals included) to hide so that no count under MIN_CELL can be seen or recomputed."""
    hidden = {key for key, value in counts.items() if value < MIN_CELL}
    all_rows, all_columns = [*rows, TOTAL], [*columns, TOTAL]
    lines = ([[(r, c) for c in columns] + [(r, TOTAL)] for r in all_rows]
             + [[(r, c) for r in rows] + [(TOTAL, c)] for c in all_columns])
    changed = True
    while changed:
        changed = False
        for line in lines:
            *cells, total = line
            if total in hidden:
                continue
            hidden_here = [cell for cell in cells if cell in hidden]
            if len(hidden_here) == 1:
                shown = [cell for cell in cells if cell not in hidden]
                if shown:
                    hidden.add(min(shown, key=lambda cell: counts[cell]))
                else:  # nothing else to hide in the line: hide its total instead
                    hidden.add(total)
                changed = True
    return hidden


def share_shown(numerator: int | None, denominator: int | None) -> bool:
    """A rate is shown only when both its counts are: a rate and its base give the count back."""
    return numerator is not None and denominator is not None and denominator > 0
