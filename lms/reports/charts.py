"""Charts drawn by the server as inline SVG: no script, no chart library; a table stands beside each."""
from __future__ import annotations

from flask_babel import format_number
from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 38  # percent of the width for the labels


def bar_chart(title: str, bars: list[tuple[str, int]]) -> Markup:
    """Horizontal bars, one a line, drawing the published counts.

    Widths are percentages, so the chart fits any phone; the SVG has a title for screen readers,
    who also have the table beside it.
    """
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    largest = max((v for _label, v in bars if v), default=0) or 1
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" width="100%" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for index, (label, value) in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        middle = y + BAR_HEIGHT / 2 + 5
        parts.append(f'<text x="0" y="{middle}" class="chart-label">{escape(label)}</text>')
        width = (100 - LABEL_WIDTH - 12) * value / largest
        parts.append(f'<rect x="{LABEL_WIDTH}%" y="{y}" width="{width:.2f}%" height="{BAR_HEIGHT}" class="chart-bar"/>')
        parts.append(f'<text x="{LABEL_WIDTH + width + 1:.2f}%" y="{middle}" class="chart-value">'
                     f'{escape(format_number(value))}</text>')
    parts.append("</svg>")
    svg = "".join(parts)
    return Markup(svg)  # all text went through escape()  # nosec B704
