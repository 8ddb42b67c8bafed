"""The small map beside 対象地域 on a dataset page: where the chosen 町丁目
are in the ward, drawn as an SVG on the server.

A locator, not a map to explore: the representative points of the ward's 85
towns (schemas/vocab/nakano-towns.json) make its shape, the chosen towns are
marked and named, the whole ward is all of them. No script, no tiles (the
portal may not reach a tile server), a few kilobytes: nearly every dataset
covers the whole ward, so this is on most dataset pages. Points come from the
vocabulary by name, not from the stored centroids, so an old record or an
API payload draws the same map as the form would.
"""
from __future__ import annotations

import math
from functools import cache
from typing import Any

from . import vocab

__all__ = ["config"]

WIDTH = 240          # px of the drawing; its height follows the ward's shape
MARGIN = 14
MAX_LABELS = 3       # more names would cover each other: the list above has them all


@cache
def _projection() -> tuple[float, float, float, float, int]:
    """(west, north, x scale, y scale, height): an equirectangular projection at the ward's latitude."""
    points = vocab.towns().values()
    south, north = min(p[0] for p in points), max(p[0] for p in points)
    west, east = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = (WIDTH - 2 * MARGIN) / ((east - west) * squeeze)
    height = round((north - south) * scale + 2 * MARGIN)
    return west, north, scale * squeeze, scale, height


def _xy(lat: float, lon: float) -> tuple[float, float]:
    west, north, sx, sy, _ = _projection()
    return round(MARGIN + (lon - west) * sx, 1), round(MARGIN + (north - lat) * sy, 1)


@cache
def _town_points() -> dict[str, tuple[float, float]]:
    """Each town's place in the drawing (the same on every page: computed once)."""
    return {name: _xy(lat, lon) for name, (lat, lon) in vocab.towns().items()}


def config(areas: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """What templates/scheming/display_snippets/areas.html draws; None when no area is a place of the ward."""
    points = _town_points()
    names = [a.get("text") for a in areas or [] if isinstance(a, dict)]
    whole = vocab.WHOLE_WARD in names
    chosen = [n for n in dict.fromkeys(names) if n in points]
    if not chosen and not whole:
        return None
    marked = set(chosen)
    dots = [{"x": x, "y": y, "chosen": whole or name in marked} for name, (x, y) in points.items()]
    labels = []
    if not whole and len(chosen) <= MAX_LABELS:
        for name in chosen:
            x, y = points[name]
            labels.append({"x": x, "y": y, "name": name, "anchor": "end" if x > WIDTH / 2 else "start"})
    return {"width": WIDTH, "height": _projection()[4], "dots": dots, "labels": labels, "whole": whole,
            "names": chosen}
