"""Charts drawn by the server as inline SVG: no script, no chart library; a table stands beside each."""
from __future__ import annotations

from markupsafe import Markup, escape

from lms.core.templating import format_number

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 38  # percent of the width for the labels


def bar_chart(name: str, caption: list[str], bars: list[tuple[str, int]]) -> Markup:
    """A figure of horizontal bars, one a line, drawing the published counts, under a caption that says what they
    count, in which unit, for which period and filters.

    Widths are percentages, so the chart fits any phone; the SVG is labelled by the caption for screen readers,
    who also have the table beside it.
    """
    caption_id = f"{name}-chart-caption"
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    largest = max((v for _label, v in bars if v), default=0) or 1
    lines = "".join(f"<span>{escape(line)}</span> " for line in caption)
    parts = [f'<figure class="chart-figure"><figcaption id="{caption_id}" class="chart-caption">{lines}</figcaption>'
             f'<svg class="chart" role="img" aria-labelledby="{caption_id}" width="100%" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(" ".join(caption))}</title>']
    for index, (label, value) in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        middle = y + BAR_HEIGHT / 2 + 5
        parts.append(f'<text x="0" y="{middle}" class="chart-label">{escape(label)}</text>')
        width = (100 - LABEL_WIDTH - 12) * value / largest
        parts.append(f'<rect x="{LABEL_WIDTH}%" y="{y}" width="{width:.2f}%" height="{BAR_HEIGHT}" class="chart-bar"/>')
        parts.append(f'<text x="{LABEL_WIDTH + width + 1:.2f}%" y="{middle}" class="chart-value">'
                     f'{escape(format_number(value))}</text>')
    parts.append("</svg></figure>")
    svg = "".join(parts)
    return Markup(svg)  # all text went through escape(); the caption id is a table's name  # nosec B704
