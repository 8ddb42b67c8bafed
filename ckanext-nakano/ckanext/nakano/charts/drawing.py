"""A chart drawn as SVG on the server, from its table (charts/table.py).

Why our own and not a plotting library: the drawing must work without script (the page's
policy allows none inline and no other site), name itself to screen readers (``role="img"``,
its title and the summary as ``<desc>``), speak the page's language in every label, use the
Okabe–Ito colours, and be the same file that is downloaded as SVG and turned into PNG — a
few hundred lines of geometry do that; the libraries we tried draw with script or CSS of their
own (docs/charts.md).
"""
from __future__ import annotations

import math
from typing import Any, Callable

from markupsafe import Markup, escape

from . import towns
from .table import ChartTable, number_text, readable

__all__ = ["svg", "PALETTE", "SEQUENTIAL", "MAX_PIE_PARTS", "WIDTH"]

# Okabe & Ito (2008), colours told apart with every common colour-vision deficiency; the
# first is the single-series colour (5.2:1 against white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# ColorBrewer "Blues", 5 classes: ordered light to dark, safe for colour-blind readers.
SEQUENTIAL = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#f2f2f2"
MAX_PIE_PARTS = 7
WIDTH = 720
FONT = "'Noto Sans JP','Hiragino Sans','Yu Gothic','Meiryo',sans-serif"
SIZE = 13
INK, GRID, MUTED = "#1a1a1a", "#d9d9d9", "#595959"


def _x(text: object) -> Markup:
    """Text of the drawing: readable (charts/table.py) and escaped for XML."""
    return escape(readable(str(text)))


def _width_of(text: str) -> float:
    """Approximate width in px at SIZE: CJK and full-width characters are one em."""
    return sum(SIZE if ord(c) > 0x2E80 else SIZE * 0.6 for c in text)


def _fit(text: str, room: float) -> str:
    if _width_of(text) <= room:
        return text
    while text and _width_of(text + "…") > room:
        text = text[:-1]
    return text + "…"


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 5 × 10ⁿ steps)."""
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high - low < 1e-200 * max(1.0, abs(high)):   # one value, or values too close to tell apart
        high = low + max(1.0, abs(low))
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    ticks = [math.floor(low / step) * step]
    while ticks[-1] < high - step * 1e-9:     # the last tick at or beyond the largest value
        ticks.append(round(ticks[0] + len(ticks) * step, 10))
    return ticks


def _text(x: float, y: float, content: str, anchor: str = "start", size: int = SIZE, fill: str = INK,
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{extra}>'
            f'{_x(content)}</text>')


def _legend(names: list[str], y: float, left: float = 10) -> tuple[str, float]:
    """Colour keys in rows; returns the markup and the height used."""
    parts, x, row = [], left, 0
    for i, name in enumerate(names):
        shown = _fit(name, 160)
        needed = 18 + _width_of(shown) + 16
        if x + needed > WIDTH - 10 and x > left:
            x, row = left, row + 1
        top = y + row * 20
        parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(_text(x + 18, top + 11, shown))
        x += needed
    return "".join(parts), (row + 1) * 20 + 6


def _frame(width: float, height: float, uid: str, title: str, summary: str, body: str,
           view_box: str | None = None) -> Markup:
    box = view_box or f"0 0 {width:.0f} {height:.0f}"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-labelledby="{uid}-title {uid}-desc" font-family="{FONT}" class="nakano-chart-svg">'
        f'<title id="{uid}-title">{_x(title)}</title><desc id="{uid}-desc">{_x(summary)}</desc>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>{body}</svg>')


def _bars(table: ChartTable, stacked: bool) -> tuple[str, float]:
    labels = table.categories
    label_room = min(230.0, max([_width_of(label) for label in labels] + [40.0]) + 10)
    legend, top = "", 10.0
    if table.series:
        legend, used = _legend(table.series, top)
        top += used
    ends = []
    for row in table.cells:
        if stacked:
            ends += [sum(v for v in row if v and v > 0), sum(v for v in row if v and v < 0)]
        else:
            ends += [v for v in row if v is not None]
    ticks = _nice_ticks(min([0.0, *ends]), max([0.0, *ends]))
    low, high = ticks[0], ticks[-1]
    left, right = label_room + 8, WIDTH - 64
    scale = (right - left) / ((high - low) or 1)
    bands = len(table.series) if table.series and not stacked else 1
    row_height = max(22, 6 + 14 * bands)
    parts = [legend]

    def x_of(value: float) -> float:
        return left + (value - low) * scale

    for i, (label, row) in enumerate(zip(labels, table.cells)):
        y = top + i * row_height
        parts.append(_text(left - 8, y + row_height / 2 + 4, _fit(label, label_room), "end"))
        if stacked:
            pos = neg = 0.0
            for s, value in enumerate(row):
                if not value:
                    continue
                start = pos if value > 0 else neg + value
                if value > 0:
                    pos += value
                else:
                    neg += value
                parts.append(_bar(x_of(start), y + 3, abs(value) * scale, row_height - 6, PALETTE[s % len(PALETTE)],
                                  f"{label} · {table.series[s]}: {number_text(value)}", stroke=True))
            total = sum(v or 0 for v in row)
            parts.append(_text(x_of(pos) + 4, y + row_height / 2 + 4, number_text(total), fill=MUTED))
        else:
            band = (row_height - 6) / bands
            for s, value in enumerate(row):
                if value is None:
                    continue
                start, end = sorted((x_of(0), x_of(value)))
                name = f"{label} · {table.series[s]}" if table.series else label
                parts.append(_bar(start, y + 3 + s * band, end - start, band - 1, PALETTE[s % len(PALETTE)],
                                  f"{name}: {number_text(value)}"))
                if not table.series:
                    parts.append(_text(end + 4, y + row_height / 2 + 4, number_text(value), fill=MUTED))
    bottom = top + len(labels) * row_height
    for tick in ticks:
        x = x_of(tick)
        parts.insert(1, f'<line x1="{x:.1f}" y1="{top - 4:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{GRID}"/>')
        parts.append(_text(x, bottom + 16, number_text(tick), "middle", 11, MUTED))
    parts.append(f'<line x1="{x_of(0):.1f}" y1="{top - 4:.1f}" x2="{x_of(0):.1f}" y2="{bottom:.1f}" stroke="{INK}"/>')
    parts.append(_text(right, bottom + 34, table.value_name, "end", 12, MUTED))
    return "".join(parts), bottom + 44


def _bar(x: float, y: float, width: float, height: float, colour: str, name: str, stroke: bool = False) -> str:
    edge = ' stroke="#ffffff" stroke-width="1"' if stroke else ""
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0.5):.1f}" height="{max(height, 1):.1f}" '
            f'fill="{colour}"{edge}><title>{_x(name)}</title></rect>')


def _axes(values: list[float], top: float, bottom: float, left: float, right: float,
          name: str) -> tuple[list[str], Callable[[float], float]]:
    ticks = _nice_ticks(min([0.0, *values]), max([0.0, *values]))   # from 0: heights compare honestly
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return bottom - (value - low) / ((high - low) or 1) * (bottom - top)

    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, number_text(tick), "end", 11, MUTED))
    parts.append(_text(left, top - 10, name, "start", 12, MUTED))
    return parts, y_of


def _line(table: ChartTable) -> tuple[str, float]:
    legend, top = "", 10.0
    if table.series:
        legend, used = _legend(table.series, top)
        top += used
    top += 20
    left, right, bottom = 72.0, WIDTH - 16.0, top + 260
    values = [v for row in table.cells for v in row if v is not None]
    parts, y_of = _axes(values, top, bottom, left, right, table.value_name)
    count = len(table.categories)
    step = (right - left) / max(count - 1, 1)

    def x_of(i: int) -> float:
        return left + i * step if count > 1 else (left + right) / 2

    every = max(1, math.ceil(count / 10))
    for i, label in enumerate(table.categories):
        if i % every == 0 or i == count - 1:
            parts.append(_text(x_of(i), bottom + 16, _fit(label, step * every - 4 if count > 1 else 200), "middle",
                               11, MUTED))
    for s in range(max(len(table.series), 1)):
        colour = PALETTE[s % len(PALETTE)]
        points = [(x_of(i), y_of(row[s])) for i, row in enumerate(table.cells) if row[s] is not None]
        if len(points) > 1:
            d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        if count <= 60:
            for i, row in enumerate(table.cells):
                if row[s] is None:
                    continue
                name = table.categories[i] + (f" · {table.series[s]}" if table.series else "")
                parts.append(f'<circle cx="{x_of(i):.1f}" cy="{y_of(row[s]):.1f}" r="3.5" fill="{colour}">'
                             f'<title>{_x(name)}: {_x(number_text(row[s]))}</title></circle>')
    return legend + "".join(parts), bottom + 30


def _pie(table: ChartTable) -> tuple[str, float]:
    totals = [max(v, 0) for v in table.totals]
    whole = sum(totals) or 1
    cx, cy, r = 170.0, 170.0, 140.0
    parts, angle = [], -math.pi / 2
    for i, (label, value) in enumerate(zip(table.categories, totals)):
        share = value / whole
        colour = PALETTE[i % len(PALETTE)]
        name = f"{label}: {number_text(value)} ({share * 100:.1f}%)"
        if share >= 0.9999:
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{colour}"><title>{_x(name)}</title></circle>')
        elif share > 0:
            end = angle + share * 2 * math.pi
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
            large = 1 if share > 0.5 else 0
            parts.append(f'<path d="M{cx},{cy} L{x1:.1f},{y1:.1f} A{r},{r} 0 {large} 1 {x2:.1f},{y2:.1f} Z" '
                         f'fill="{colour}" stroke="#ffffff" stroke-width="1.5"><title>{_x(name)}</title></path>')
            angle = end
        top = 40 + i * 26
        parts.append(f'<rect x="350" y="{top}" width="14" height="14" fill="{colour}"/>')
        parts.append(_text(372, top + 12, _fit(f"{label}  {number_text(value)} ({share * 100:.1f}%)", WIDTH - 380)))
    return "".join(parts), 2 * cy


def _scatter(table: ChartTable) -> tuple[str, float]:
    top, left, right, bottom = 30.0, 72.0, WIDTH - 16.0, 330.0
    parts, y_of = _axes([y for _, y in table.points], top, bottom, left, right, table.y_name)
    xs = [x for x, _ in table.points] or [0.0, 1.0]
    ticks = _nice_ticks(min(xs), max(xs))
    low, high = ticks[0], ticks[-1]

    def x_of(value: float) -> float:
        return left + (value - low) / ((high - low) or 1) * (right - left)

    for tick in ticks:
        parts.append(f'<line x1="{x_of(tick):.1f}" y1="{top:.1f}" x2="{x_of(tick):.1f}" y2="{bottom:.1f}" stroke="{GRID}"/>')
        parts.append(_text(x_of(tick), bottom + 16, number_text(tick), "middle", 11, MUTED))
    for x, y in table.points:
        parts.append(f'<circle cx="{x_of(x):.1f}" cy="{y_of(y):.1f}" r="3" fill="{PALETTE[0]}" fill-opacity="0.6"/>')
    parts.append(_text(right, bottom + 34, table.x_name, "end", 12, MUTED))
    return "".join(parts), bottom + 44


def _classes(values: list[float]) -> list[float]:
    """Upper bounds of up to five classes of equal count (quantiles), without repeats."""
    ordered = sorted(values)
    if not ordered:
        return []
    bounds = [ordered[min(len(ordered) - 1, math.ceil(len(ordered) * k / 5) - 1)] for k in range(1, 6)]
    return sorted(set(bounds))


def _towns(table: ChartTable, no_data: str, note: str) -> tuple[str, float, str]:
    values = {town: row[0] for town, row in zip(table.categories, table.cells) if row[0] is not None}
    bounds = _classes(list(values.values()))
    shades = SEQUENTIAL[-len(bounds):] if bounds else ()
    parts = []
    for town, path in towns.cells().items():
        value = values.get(town)
        if value is None:
            colour, name = NO_DATA, f"{town}: {no_data}"
        else:
            colour = shades[next(i for i, b in enumerate(bounds) if value <= b)]
            name = f"{town}: {number_text(value)}"
        parts.append(f'<path d="{path}" fill="{colour}" stroke="#ffffff" stroke-width="1">'
                     f'<title>{_x(name)}</title></path>')
    height = towns.height()
    x, y = towns.WIDTH + 24, 30.0
    parts.append(_text(x, y - 10, table.value_name, "start", 12, MUTED))
    lower = min(values.values()) if values else 0
    for i, bound in enumerate(bounds):
        parts.append(f'<rect x="{x}" y="{y + i * 24:.1f}" width="16" height="16" fill="{shades[i]}" stroke="{MUTED}" '
                     f'stroke-width="0.5"/>')
        parts.append(_text(x + 24, y + i * 24 + 13, f"{number_text(lower)} – {number_text(bound)}"))
        lower = bound
    y += len(bounds) * 24
    parts.append(f'<rect x="{x}" y="{y:.1f}" width="16" height="16" fill="{NO_DATA}" stroke="{MUTED}" stroke-width="0.5"/>')
    parts.append(_text(x + 24, y + 13, no_data))
    parts.append(_text(8, height + 24, note, "start", 11, MUTED))
    return "".join(parts), height + 48, f"-14 -14 {WIDTH + 14:.0f} {height + 48:.0f}"


def svg(table: ChartTable, uid: str, title: str, summary: str, words: dict[str, str] | None = None) -> Markup:
    """The chart of ``table``; ``uid`` keeps the ids of several charts on one page apart;
    ``words`` are the map's labels in the page's language (``no_data``, ``note``)."""
    words = words or {}
    box = None
    if table.kind == "towns":
        body, height, box = _towns(table, words.get("no_data", "—"), words.get("note", ""))
        return _frame(WIDTH + 14, height, uid, title, summary, body, box)   # the size of its box
    draw: dict[str, Any] = {"line": _line, "pie": _pie, "scatter": _scatter}
    if table.kind in draw and not (table.kind == "pie" and len(table.categories) > MAX_PIE_PARTS):
        body, height = draw[table.kind](table)
    else:
        body, height = _bars(table, stacked=table.kind == "stacked")
    return _frame(WIDTH, height, uid, title, summary, body, box)
