"""Charts drawn on the server as HTML and CSS: no JavaScript, readable by screen readers, and
phone first (ADR 0026).

Every word and number of a chart is HTML text, so it keeps the page's font size on a 390 px
phone; SVG draws only shapes (bars, the budget line), whose `width` attributes carry the data
(the strict Content-Security-Policy forbids inline styles). Every chart has a title and a legend,
and the page beside it carries the same numbers in a table, so nothing is conveyed by the picture
alone. The colours (in style.css) meet WCAG contrast against white.

The classes are the pattern for any new chart: `figure.chart` > `figcaption` (title), `ul.legend`
of `span.swatch` + text, and `ol.bars` of `li` (`.selected`) > `.bar-label`, `.bar-track`
(an `svg.bar`), `.bar-value`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    selected: bool = False
    note: str = ""


@dataclass(frozen=True)
class LegendItem:
    swatch: str  # a class of span.swatch in style.css: selected, not-selected, budget, plain
    text: str


def _legend(items: Sequence[LegendItem]) -> str:
    entries = "".join(f'<li><span class="swatch {escape(i.swatch)}"></span>{escape(i.text)}</li>'
                      for i in items)
    return f'<ul class="legend">{entries}</ul>'


def _caption(chart_id: str, title: str, description: str) -> str:
    return (f'<figcaption id="{chart_id}-title"><span class="chart-title">{escape(title)}'
            f'</span> <span class="chart-desc">{escape(description)}</span></figcaption>')


def _bar(percent: float) -> str:
    """A horizontal bar `percent` wide: shapes only, stretched to its track by CSS."""
    return ('<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
            'aria-hidden="true" focusable="false">'
            f'<rect width="{max(percent, 0.5):.2f}" height="10"></rect></svg>')


def votes_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar],
                legend: Sequence[LegendItem], value_suffix: str = "") -> Markup:
    """Horizontal bars, largest first as given, winners in green and marked with a check: the
    label above its bar on a phone, beside it on a wider screen."""
    peak = max((b.value for b in bars), default=0) or 1
    # The check is for the eye; a screen reader hears the legend's word for it.
    said = next((escape(i.text) for i in legend if i.swatch == "selected"), "")
    rows = []
    for bar in bars:
        mark = (f'<span aria-hidden="true">✔ </span><span class="visually-hidden">{said}: </span>'
                if bar.selected else "")
        selected = ' class="selected"' if bar.selected else ' class="not-selected"' if said else ""
        rows.append(
            f'<li{selected}>'
            f'<span class="bar-label">{mark}{escape(bar.label)}</span>'
            f'<span class="bar-track">{_bar(100 * bar.value / peak)}</span>'
            f'<span class="bar-value">{escape(_number(bar.value) + value_suffix)}</span></li>')
    return Markup(f'{_caption(chart_id, title, description)}{_legend(legend)}'
                  f'<ol class="bars" aria-labelledby="{chart_id}-title">{"".join(rows)}</ol>')


def budget_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar],
                 budget: float, legend: Sequence[LegendItem]) -> Markup:
    """The selected projects laid end to end by cost, with the budget as a red line; the
    legend names the budget (its amount in words, never drawn in the SVG)."""
    total = sum(b.value for b in bars)
    scale = max(total, budget) or 1
    parts, x = [], 0.0
    for bar in bars:
        width = 1000 * bar.value / scale
        parts.append(f'<rect class="segment" x="{x:.1f}" y="8" width="{max(width - 2, 1):.1f}" '
                     f'height="24"><title>{escape(bar.label)}: {escape(bar.note)}</title></rect>')
        x += width
    line = 1000 * budget / scale
    parts.append(f'<line class="budget-line" x1="{min(line, 998.5):.1f}" y1="0" '
                 f'x2="{min(line, 998.5):.1f}" y2="40" vector-effect="non-scaling-stroke">'
                 '</line>')
    return Markup(
        f'{_caption(chart_id, title, description)}{_legend(legend)}'
        f'<svg class="budget-bar" viewBox="0 0 1000 40" preserveAspectRatio="none" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">'
        f'{"".join(parts)}</svg>')


def progress_bar(chart_id: str, label: str, percent: int) -> Markup:
    """How far a project has come: a bar without text (the caption beside it says the
    percentage)."""
    percent = max(0, min(100, percent))
    return Markup(
        f'<svg class="progress-bar{" done" if percent == 100 else ""}" viewBox="0 0 100 10" '
        f'preserveAspectRatio="none" role="img" aria-labelledby="{chart_id}-title" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-title">{escape(label)}: '
        f'{percent} %</title><rect class="track" width="100" height="10" '
        'vector-effect="non-scaling-stroke"></rect>'
        f'<rect class="done" width="{percent}" height="10"></rect></svg>')


@dataclass(frozen=True)
class Step:
    label: str
    planned: str  # the date the cycle plans for the phase, or ""
    entered: str  # the date the cycle entered it, or ""
    state: str    # "done", "current" or "todo"


@dataclass(frozen=True)
class TimelineWords:
    planned: str  # "Planned"
    entered: str  # "Started"
    current: str  # "Current phase"


def timeline(chart_id: str, title: str, steps: Sequence[Step], words: TimelineWords) -> Markup:
    """The phases as a list: a vertical line of dots on a phone, rows of steps on a wider screen;
    each with the date it was planned for and the date it began."""
    items = []
    for step in steps:
        current = ' aria-current="step"' if step.state == "current" else ""
        dates = "".join(
            f'<span class="when">{escape(word)}: {escape(day)}</span>'
            for word, day in ((words.entered, step.entered), (words.planned, step.planned))
            if day)
        now = (f' <span class="now">({escape(words.current)})</span>'
               if step.state == "current" else "")
        items.append(f'<li class="{escape(step.state)}"{current}>'
                     f'<span class="phase">{escape(step.label)}{now}</span>{dates}</li>')
    return Markup(f'<ol class="timeline" id="{chart_id}" aria-label="{escape(title)}">'
                  f'{"".join(items)}</ol>')


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u00a0")
    return f"{value:,.1f}".replace(",", "\u00a0")
