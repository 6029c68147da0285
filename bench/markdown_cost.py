"""How long the costliest Markdown the bounds let through takes to render, against a normal lesson as long.

    .venv/bin/python bench/markdown_cost.py

Python-Markdown takes time growing with the square of some shapes' length (runs of brackets, nested lists);
lms/content/markdown.py refuses them up front. This renders each of the worst shapes found within the bounds,
filled to the longest text taken (MAX_MARKDOWN_CHARS), and prints its time as a multiple of a normal lesson's
of the same length, measured in the same run. Measured on 2026-12-04 (2-core test machine): at most about 16; an
outside tester's runs on 2026-12-06, beside other work: 22 and 24 (the "definitions" shape); on 2026-12-07, idle,
an outside tester's run and mine: 22.7 and 21.6 ("definitions"), 20.7 and 20.1 ("terms"). The ratio changes with
the machine more than with its load; none of these shapes takes a second.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lms.content.markdown import MAX_MARKDOWN_CHARS, _render  # noqa: E402
from tests.security.helpers import WITHIN_BOUNDS, filled, normal_text  # noqa: E402


def seconds(text: str) -> float:
    """The best of three renders (the renderer's cache emptied before each)."""
    best = float("inf")
    for _ in range(3):
        _render.cache_clear()
        start = time.perf_counter()
        _render(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    normal = seconds(normal_text(MAX_MARKDOWN_CHARS))
    print(f"normal lesson of {MAX_MARKDOWN_CHARS} characters: {normal * 1000:.1f} ms")
    for name, chunk in WITHIN_BOUNDS.items():
        print(f"{name:>12}: {seconds(filled(chunk)) / normal:5.1f} x")


if __name__ == "__main__":
    main()
