"""What the heaviest forms the bounds let through cost, against a small form, measured in one run.

    .venv/bin/python bench/survey_form_cost.py

A form may hold MAX_ROWS questions and MAX_CHOICE_ROWS choices in all (lms/surveys/xlsform/reading.py). This
imports a form at those bounds (a village list of 2,450 offered by four cascading selects, and as many chained
calculations as rows remain), then evaluates its logic as each page and live check does, and prints each time as
a multiple of the same work on a form of ten questions. Outside testers had a form of 5,000 choices take 7 minutes
to import and every page of it time out; after the fixes, measured on 2026-12-05 (2-core machine, busy): import
28 x the small form (4.8 s), evaluation about 400 x (0.24 s; 0.1 s on an idle machine); an outside tester's run on
2026-12-06, beside other work: import 26 x (6.1 s), evaluation 146 x (0.11 s); on 2026-12-07, idle, an outside
tester's run and mine: import 47 x (5.4 and 6.0 s), evaluation 143 and 148 x (0.10 and 0.11 s). The heaviest form
took as long as before; the small one imported faster (114 and 128 ms), which raised the import's ratio.
"""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from lms import create_app  # noqa: E402
from lms.config import TestConfig  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.surveys import logic  # noqa: E402
from lms.surveys.xlsform import MAX_ROWS, import_xlsform  # noqa: E402


def form(villages: int, selects: int, calculations: int) -> bytes:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "choice_filter", "calculation", "relevant"])
    survey.append(["select_one district", "district", "District"])
    for k in range(selects):
        survey.append(["select_one village", f"village{k}", f"Village {k}", "district = ${district}"])
    survey.append(["integer", "n", "N"])
    previous = "n"
    for k in range(calculations):
        survey.append(["calculate", f"c{k}", "", "", f"${{{previous}}} + 1", f"${{{previous}}} > 0"])
        previous = f"c{k}"
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label", "district"])
    for n in range(50):
        choices.append(["district", f"d{n}", f"District {n}"])
    for n in range(villages):
        choices.append(["village", f"v{n}", f"Village {n}", f"d{n % 50}"])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def costs(name: str, data: bytes) -> tuple[float, float]:
    """Seconds to import the form, and the best of three evaluations of its logic."""
    found = {}

    def load():
        found["survey"] = import_xlsform(io.BytesIO(data), f"{name}.xlsx", creator=None)
        db.session.commit()

    imported = timed(load)
    version = found["survey"].published_version
    answers = {"district": "d7", "n": "3", "village0": "v7"}
    evaluated = min(timed(lambda: logic.evaluate(version, answers, "en")) for _ in range(3))
    return imported, evaluated


def main() -> None:
    app = create_app(TestConfig)
    with app.app_context():
        db.create_all()
        small = costs("small", form(10, 1, 5))
        heavy = costs("heaviest", form(2_450, 4, MAX_ROWS - 10))
        print(f"small form: import {small[0] * 1000:.0f} ms, evaluation {small[1] * 1000:.1f} ms")
        print(f"heaviest form: import {heavy[0] / small[0]:.0f} x, evaluation {heavy[1] / small[1]:.0f} x "
              f"({heavy[0]:.1f} s, {heavy[1] * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
