"""The dashboard's tables, built from the participation cube and suppressed cell by cell."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from lms.models import GENDERS
from lms.reports.figures import UNKNOWN_AGE, Cell
from lms.reports.filters import ReportFilter
from lms.reports.suppression import TOTAL, Table, share_shown, table_of

#: Tables with a rate beside their counts: table -> (rate, numerator, denominator).
RATES = {"progress": ("completion_rate", "completed_since", "enrolments"),
         "attendance": ("attendance_rate", "present", "places")}


@dataclass
class Dashboard:
    by_country: Table          # participants: country x gender
    by_age: Table              # participants: age band x gender
    progress: Table            # country x (enrolments, completed since, completions)
    trend: Table               # month x (enrolments, completions)
    quarters: Table            # quarter x (enrolments, completions), from the months
    attendance: Table          # country x (present, places)
    trainers: Table            # country x (active, reach, trained)


def people_table(cube: dict[tuple[str, str, str], Cell], index: int, rows: list[str]) -> Table:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for key, cell in cube.items():
        counts[(key[index], key[1])] += cell.participants
    return table_of(counts, rows, list(GENDERS))


def progress_table(cube: dict[tuple[str, str, str], Cell], countries: list[str]) -> Table:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (country, _gender, _age), cell in cube.items():
        counts[(country, "enrolments")] += cell.enrolments
        counts[(country, "completed_since")] += cell.completed_since
        counts[(country, "completions")] += cell.completions
    return measures_table(counts, countries, ["enrolments", "completed_since", "completions"])


def measures_table(counts: dict[tuple[str, str], int], rows: list[str], measures: list[str]) -> Table:
    """Rows of different measures do not add up across columns: each column is suppressed on its own."""
    table = Table(list(rows), list(measures), {})
    for measure in measures:
        column = table_of({(r, "n"): counts.get((r, measure), 0) for r in rows}, rows, ["n"])
        for row in [*rows, TOTAL]:
            table.counts[(row, measure)] = column.counts[(row, "n")]
            if (row, "n") in column.hidden:
                table.hidden.add((row, measure))
    return table


def rate(table_name: str, table: Table, row: str) -> float | None:
    """The table's rate for a row (0-1), or None where either count behind it is suppressed."""
    _name, numerator, denominator = RATES[table_name]
    top, bottom = table.value(row, numerator), table.value(row, denominator)
    return top / bottom if share_shown(top, bottom) else None


def quarters_table(months: Table) -> Table:
    """The monthly trend added up by quarter ("2026-Q1").

    A quarter is hidden when any of its months is: the monthly table hides at least two cells of a column
    whenever it hides one, so no hidden month can be worked out from the quarters, the months and the total.
    """
    quarter_of = {month: f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}" for month in months.rows}
    quarters = sorted(set(quarter_of.values()))
    table = Table(quarters, list(months.columns), {})
    for column in months.columns:
        for quarter in quarters:
            in_it = [m for m in months.rows if quarter_of[m] == quarter]
            table.counts[(quarter, column)] = sum(months.counts[(m, column)] for m in in_it)
            if any((m, column) in months.hidden for m in in_it):
                table.hidden.add((quarter, column))
        table.counts[(TOTAL, column)] = months.counts[(TOTAL, column)]
        if (TOTAL, column) in months.hidden:
            table.hidden.add((TOTAL, column))
    return table


def dashboard(report: ReportFilter, cube, trend, attendance, trainers) -> Dashboard:
    countries = sorted({key[0] for key in cube} | set(attendance) | set(trainers))
    bands = [b.label for b in report.age_bands] + [UNKNOWN_AGE]
    months = list(trend)
    trend_table = measures_table({**{(m, "enrolments"): v[0] for m, v in trend.items()},
                                  **{(m, "completions"): v[1] for m, v in trend.items()}}, months,
                                 ["enrolments", "completions"])
    return Dashboard(
        by_country=people_table(cube, 0, countries),
        by_age=people_table(cube, 2, bands),
        progress=progress_table(cube, countries),
        trend=trend_table,
        quarters=quarters_table(trend_table),
        attendance=measures_table({**{(c, "present"): v[0] for c, v in attendance.items()},
                                   **{(c, "places"): v[1] for c, v in attendance.items()}},
                                  sorted(attendance), ["present", "places"]),
        trainers=measures_table({**{(c, "active"): v[0] for c, v in trainers.items()},
                                 **{(c, "reach"): v[1] for c, v in trainers.items()},
                                 **{(c, "trained"): v[2] for c, v in trainers.items()}},
                                sorted(trainers), ["active", "reach", "trained"]),
    )
