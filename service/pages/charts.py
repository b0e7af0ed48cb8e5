"""Charts drawn on the server as inline SVG: no JavaScript, readable by screen readers.

Every chart has a title and a description, and the page beside it carries the same numbers in a
table, so nothing is conveyed by the picture alone. Colours meet WCAG contrast against white.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

SELECTED = "#1b5e20"      # dark green, 7.9:1 on white
NOT_SELECTED = "#5f6368"  # grey, 6.0:1
ACCENT = "#0b4f8a"        # blue, 8.2:1
BUDGET = "#b3261e"        # red, 6.0:1
WIDTH = 640


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    selected: bool = False
    note: str = ""


def _svg(chart_id: str, title: str, description: str, height: int, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>{body}</svg>'
    )


def _shorten(text: str, length: int = 28) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def votes_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar],
                value_suffix: str = "") -> Markup:
    """Horizontal bars, winners in green and marked with a check."""
    row, label_width, top = 30, 260, 10
    height = top + row * max(len(bars), 1) + 10
    peak = max((b.value for b in bars), default=0) or 1
    plot = WIDTH - label_width - 90
    parts = []
    for index, bar in enumerate(bars):
        y = top + index * row
        length = max(2.0, plot * bar.value / peak)
        colour = SELECTED if bar.selected else NOT_SELECTED
        mark = "✔ " if bar.selected else ""
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end" font-size="14" '
            f'fill="#1a1a1a">{escape(mark + _shorten(bar.label))}</text>'
            f'<rect x="{label_width}" y="{y + 5}" width="{length:.1f}" height="20" '
            f'fill="{colour}"></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 19}" font-size="14" '
            f'fill="#1a1a1a">{escape(_number(bar.value) + value_suffix)}</text>'
        )
    return _svg(chart_id, title, description, height, "".join(parts))


def budget_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar],
                 budget: float, budget_label: str) -> Markup:
    """Projects in order of the count laid end to end by cost, with the budget as a line."""
    left, top, bar_height = 10, 34, 34
    total = sum(b.value for b in bars)
    scale_max = max(total, budget) or 1
    plot = WIDTH - 2 * left
    parts = []
    x = float(left)
    for bar in bars:
        width = plot * bar.value / scale_max
        colour = SELECTED if bar.selected else "#c7c9cc"
        parts.append(
            f'<rect x="{x:.1f}" y="{top}" width="{max(width - 1, 1):.1f}" height="{bar_height}"'
            f' fill="{colour}"><title>{escape(bar.label)}: {escape(bar.note)}</title></rect>'
        )
        x += width
    budget_x = left + plot * budget / scale_max
    parts.append(
        f'<line x1="{budget_x:.1f}" y1="{top - 14}" x2="{budget_x:.1f}" y2="{top + bar_height + 8}"'
        f' stroke="{BUDGET}" stroke-width="3"></line>'
        f'<text x="{min(budget_x, WIDTH - 10):.1f}" y="{top - 18}" font-size="14" '
        f'text-anchor="{"end" if budget_x > WIDTH / 2 else "start"}" fill="{BUDGET}">'
        f'{escape(budget_label)}</text>'
    )
    return _svg(chart_id, title, description, top + bar_height + 16, "".join(parts))


def progress_bar(chart_id: str, label: str, percent: int) -> Markup:
    percent = max(0, min(100, percent))
    width = (WIDTH - 20) * percent / 100
    colour = SELECTED if percent == 100 else ACCENT
    body = (
        f'<rect x="10" y="6" width="{WIDTH - 20}" height="22" fill="#e8eaed" '
        f'stroke="#5f6368"></rect>'
        f'<rect x="10" y="6" width="{width:.1f}" height="22" fill="{colour}"></rect>'
    )
    return _svg(chart_id, label, f"{percent} %", 34, body)


@dataclass(frozen=True)
class Step:
    label: str
    date: str
    state: str  # "done", "current" or "todo"


def timeline(chart_id: str, title: str, description: str, steps: Sequence[Step]) -> Markup:
    """The phases as a line of dots: done filled, current ringed, the rest hollow; each with its
    date (entered, or planned) above it."""
    count = max(len(steps), 1)
    spacing = (WIDTH - 40) / max(count - 1, 1)
    line = 44
    parts = [f'<line x1="20" y1="{line}" x2="{WIDTH - 20}" y2="{line}" stroke="#5f6368" '
             f'stroke-width="2"></line>']
    for index, step in enumerate(steps):
        x = 20 + index * spacing
        fill = {"done": ACCENT, "current": BUDGET}.get(step.state, "#ffffff")
        radius = 10 if step.state == "current" else 7
        anchor = "start" if index == 0 else "end" if index == count - 1 else "middle"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{line}" r="{radius}" fill="{fill}" stroke="#1a1a1a" '
            f'stroke-width="2"></circle>'
            # Three rows of labels: a long one ("Draft (political decision)") never runs
            # into its neighbour's, even in English.
            f'<text x="{x:.1f}" y="{line + 26 + 18 * (index % 3)}" font-size="12" '
            f'text-anchor="{anchor}" fill="#1a1a1a">{escape(step.label)}</text>'
        )
        if step.date:
            # Every date, in two rows: neighbours' dates ("20 apr. 2027") never overlap.
            parts.append(
                f'<text x="{x:.1f}" y="{12 + 14 * (index % 2)}" font-size="11" '
                f'text-anchor="{anchor}" fill="#3c4043">{escape(step.date)}</text>'
            )
    return _svg(chart_id, title, description, line + 74, "".join(parts))


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u00a0")
    return f"{value:,.1f}".replace(",", "\u00a0")
