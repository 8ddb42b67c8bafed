"""The ward's 85 町丁目 as areas of a map (the 町丁目 choropleth), and a table's town cells
matched to them.

The portal has each town's representative point (schemas/vocab/nakano-towns.json, Geolonia
住所データ, CC BY 4.0), not its legal boundary: no boundary file is available to the portal
under an open licence it can ship. Each town is drawn as the area nearer to its point than to
any other town's (a Voronoi cell), cut to the ward's outline made by the points — a sketch of
where the towns are, said as such under every such map (docs/charts.md).
"""
from __future__ import annotations

import math
from functools import cache

from .. import vocab
from ..town_names import TownNames

__all__ = ["WIDTH", "height", "cells", "town_of", "centre"]

WIDTH = 520
MARGIN = 8
def town_of(text: object) -> str | None:
    """The 町丁目 of the ward a cell names, or None: 「中野区中野５丁目」, 「中野5丁目」,
    「中野五丁目」 and 「東京都中野区中野5-3-1」 are one town (town_names.py)."""
    town = TownNames.of_ward().find(text)
    return town.name if town else None


@cache
def _projected() -> tuple[dict[str, tuple[float, float]], float]:
    points = vocab.towns()
    south, north = min(p[0] for p in points.values()), max(p[0] for p in points.values())
    west, east = min(p[1] for p in points.values()), max(p[1] for p in points.values())
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = (WIDTH - 2 * MARGIN) / ((east - west) * squeeze)
    placed = {name: (MARGIN + (lon - west) * squeeze * scale, MARGIN + (north - lat) * scale)
              for name, (lat, lon) in points.items()}
    return placed, (north - south) * scale + 2 * MARGIN


def height() -> float:
    return _projected()[1]


def centre(town: str) -> tuple[float, float]:
    return _projected()[0][town]


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull, counter-clockwise (Andrew's monotone chain)."""
    points = sorted(set(points))

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    upper: list = []
    for p in points:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(points):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _clip(polygon: list[tuple[float, float]], p: tuple[float, float],
          q: tuple[float, float]) -> list[tuple[float, float]]:
    """The part of a convex polygon nearer to p than to q (Sutherland–Hodgman, one half-plane)."""
    mx, my = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
    dx, dy = q[0] - p[0], q[1] - p[1]

    def inside(v):
        return (v[0] - mx) * dx + (v[1] - my) * dy <= 0

    out = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        if inside(current):
            if not inside(previous):
                out.append(_cut(previous, current, mx, my, dx, dy))
            out.append(current)
        elif inside(previous):
            out.append(_cut(previous, current, mx, my, dx, dy))
    return out


def _cut(a, b, mx, my, dx, dy):
    da = (a[0] - mx) * dx + (a[1] - my) * dy
    db = (b[0] - mx) * dx + (b[1] - my) * dy
    t = da / (da - db)
    return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))


@cache
def cells() -> dict[str, str]:
    """Town → the SVG path of its area (computed once per process: 85 × 84 cuts)."""
    placed, _ = _projected()
    hull = _hull(list(placed.values()))
    cx = sum(x for x, _ in hull) / len(hull)
    cy = sum(y for _, y in hull) / len(hull)
    # The outline a little outside the outermost points, so their towns have some area.
    outline = [(cx + (x - cx) * 1.06, cy + (y - cy) * 1.06) for x, y in hull]
    paths = {}
    for name, point in placed.items():
        polygon = outline
        for other, there in placed.items():
            if other != name and polygon:
                polygon = _clip(polygon, point, there)
        paths[name] = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in polygon) + " Z"
    return paths


def by_town(rows: list[dict], measure: str) -> tuple[dict[str, float], list[str]]:
    """The groups of ``nakano_chart_data`` (``label``, ``value``, ``rows``) merged per town —
    「中野5丁目」 and 「中野五丁目」 are one — and the labels that name no town of the ward.
    Averages are merged weighted by their rows, smallest and largest as such."""
    merged: dict[str, float] = {}
    weights: dict[str, int] = {}
    unmatched = []
    for row in rows:
        town, value = town_of(row["label"]), row["value"]
        if town is None:
            unmatched.append("" if row["label"] is None else str(row["label"]))
            continue
        if value is None:
            continue
        if town not in merged:
            merged[town], weights[town] = value, row["rows"]
        elif measure in ("count", "sum"):
            merged[town] += value
        elif measure == "min":
            merged[town] = min(merged[town], value)
        elif measure == "max":
            merged[town] = max(merged[town], value)
        else:
            total = weights[town] + row["rows"]
            merged[town] = (merged[town] * weights[town] + value * row["rows"]) / total
            weights[town] = total
    return merged, unmatched
