"""The dashboard's tables: true counts with their cell keys, shown only as published counts (lms/disclosure.py).

Every cell, total and margin is rounded on its own from its own records, so a table need not add up, and the
same records give the same figure in every table and every view: the women of the whole table and the total
of the women-only filter, a month of the monthly table and that month chosen as the period.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date

from lms import disclosure
from lms.disclosure import Count
from lms.reports.figures import UNKNOWN_AGE, Cell
from lms.reports.filters import ReportFilter
from lms.vocabulary import GENDERS

#: The key of totals: the column of row totals, the row of column totals.
TOTAL = "__total__"
#: Tables with a rate beside their counts: table -> (rate, numerator, denominator).
RATES = {"progress": ("completion_rate", "completed_since", "enrolments"),
         "attendance": ("attendance_rate", "present", "places")}


@dataclass
class Table:
    """Counts by row and column, with totals under the key ``TOTAL``; ``value`` is the only way to read one."""

    rows: list[Hashable]
    columns: list[Hashable]
    #: (row, column) -> the true count and its cell key. Never shown: see ``value``.
    cells: dict[tuple[Hashable, Hashable], Count]

    def value(self, row: Hashable, column: Hashable) -> int:
        """The published count of a cell."""
        return self.cells.get((row, column), Count()).published

    @property
    def empty(self) -> bool:
        """No row to show and every total published as 0: the page says there is nothing."""
        return not self.rows and not any(self.value(row, column) for row, column in self.cells if row == TOTAL)


def table_of(cells: dict[tuple[Hashable, Hashable], Count], rows: Sequence[Hashable], columns: Sequence[Hashable],
             row_totals: bool = True, drop_empty: bool = False) -> Table:
    """A table with its totals added up from the records of each line.

    With ``drop_empty``, rows whose every published figure is 0 are left out (they still count in the totals):
    whether a row is there then says no more than its figures do.
    """
    full = {(r, c): cells.get((r, c), Count()) for r in rows for c in columns}
    across = [*columns, TOTAL] if row_totals else list(columns)
    if row_totals:
        for r in rows:
            full[(r, TOTAL)] = sum((full[(r, c)] for c in columns), Count())
    for c in across:
        full[(TOTAL, c)] = sum((full[(r, c)] for r in rows), Count())
    table = Table(list(rows), list(columns), full)
    if drop_empty:
        table.rows = [r for r in rows if any(table.value(r, c) for c in across)]
    return table


def people_table(cube: dict[tuple[str, str, str], Cell], index: int, rows: list[str], drop_empty: bool) -> Table:
    cells: dict[tuple[str, str], Count] = defaultdict(Count)
    for key, cell in cube.items():
        cells[(key[index], key[1])] += cell.count("participants")
    return table_of(cells, rows, list(GENDERS), drop_empty=drop_empty)


def progress_table(cube: dict[tuple[str, str, str], Cell], countries: list[str]) -> Table:
    cells: dict[tuple[str, str], Count] = defaultdict(Count)
    for (country, _gender, _age), cell in cube.items():
        for measure in ("enrolments", "completed_since", "completions"):
            cells[(country, measure)] += cell.count(measure)
    return table_of(cells, countries, ["enrolments", "completed_since", "completions"], row_totals=False,
                    drop_empty=True)


def measures_table(values: dict[str, tuple[Count, ...]], rows: list[str], measures: list[str],
                   drop_empty: bool = True) -> Table:
    """Rows of different measures (one column each), which do not add up across; each column has its total."""
    cells = {(row, measure): counts[i] for row, counts in values.items() for i, measure in enumerate(measures)}
    return table_of(cells, rows, measures, row_totals=False, drop_empty=drop_empty)


def rate(table_name: str, table: Table, row: str) -> float | None:
    """The table's rate for a row (0-1) from the published counts, or None under 10 in the denominator."""
    _name, numerator, denominator = RATES[table_name]
    return disclosure.rate(table.value(row, numerator), table.value(row, denominator))


def months_of(report: ReportFilter) -> list[str]:
    """"YYYY-MM" of every month the period covers."""
    months, day = [], date(report.start.year, report.start.month, 1)
    while day <= report.end:
        months.append(f"{day:%Y-%m}")
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def quarters_table(trend: dict[str, tuple[Count, Count]], months: list[str]) -> Table:
    """Enrolments and completions by quarter ("2026-Q1"), for the quarters the period covers whole.

    A quarter counts the records of its three months, rounded once: not the sum of three rounded months.
    """
    quarters = sorted({quarter_of(m) for m in months if sum(quarter_of(o) == quarter_of(m) for o in months) == 3})
    values: dict[str, tuple[Count, Count]] = {q: (Count(), Count()) for q in quarters}
    for month, (begun, completed) in trend.items():
        quarter = quarter_of(month)
        if quarter in values:
            values[quarter] = (values[quarter][0] + begun, values[quarter][1] + completed)
    return measures_table(values, quarters, ["enrolments", "completions"], drop_empty=False)


@dataclass
class Dashboard:
    by_country: Table          # participants: country x gender
    by_age: Table              # participants: age band x gender
    progress: Table            # country x (enrolments, completed since, completions)
    trend: Table               # month x (enrolments, completions)
    quarters: Table            # quarter x (enrolments, completions)
    attendance: Table          # country x (present, places)
    trainers: Table            # country x (active, reach, trained)
    cascade: Table             # generation x (active, reach, trained)


def dashboard(report: ReportFilter, cube, trend, attendance, trainers, cascade) -> Dashboard:
    countries = sorted({key[0] for key in cube} | set(attendance) | set(trainers))
    bands = [b.label for b in report.age_bands] + [UNKNOWN_AGE]
    months = months_of(report)
    by_country_trainers = measures_table(trainers, sorted(trainers), ["active", "reach", "trained"])
    return Dashboard(
        by_country=people_table(cube, 0, countries, drop_empty=True),
        by_age=people_table(cube, 2, bands, drop_empty=False),
        progress=progress_table(cube, countries),
        trend=measures_table({m: trend.get(m, (Count(), Count())) for m in months}, months,
                             ["enrolments", "completions"], drop_empty=False),
        quarters=quarters_table(trend, months),
        attendance=measures_table(attendance, sorted(attendance), ["present", "places"]),
        trainers=by_country_trainers,
        cascade=cascade_table(cascade, by_country_trainers),
    )


def cascade_table(cascade: dict[int, tuple[Count, Count, Count]], by_country: Table) -> Table:
    """Trainers and their reach by generation. Its totals are the table by country's: a person reached by trainers
    of two generations is one person, whom adding up the generations would count twice."""
    table = measures_table(cascade, sorted(cascade), ["active", "reach", "trained"])
    for column in table.columns:
        table.cells[(TOTAL, column)] = by_country.cells[(TOTAL, column)]
    return table
