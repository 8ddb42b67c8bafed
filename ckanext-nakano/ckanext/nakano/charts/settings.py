"""A chart's settings as the address of its page says them, and back.

The builder is a plain GET form: what it shows is all in the address, so the address is the
chart's stable link (shared, embedded, saved as a view). Short names keep links readable:
``kind``, ``x``, ``series``, ``measure``, ``value``, ``sort``, ``top``, ``unit`` and up to two
filters as ``f1``/``v1``, ``f2``/``v2``. Nothing is checked here: ``nakano_chart_data``'s schema
and the table's own columns decide (logic/chart_schema.py, charts/aggregate.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["from_args", "to_args", "FILTER_SLOTS", "ARGS"]

FILTER_SLOTS = 2
# Address name → the action's parameter.
_NAMES = {"kind": "kind", "x": "x", "series": "series", "measure": "measure", "value": "value",
          "sort": "sort", "top": "top", "unit": "date_unit"}
ARGS = (*_NAMES, *(f"{p}{n}" for n in range(1, FILTER_SLOTS + 1) for p in ("f", "v")))
_LONGEST = 200   # a column name or a value; longer is not one of the table's


def _text(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    return value.strip()[:_LONGEST] if isinstance(value, str) else ""


def from_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of ``nakano_chart_data`` (without the resource) that the address names."""
    settings: dict[str, Any] = {}
    for arg, param in _NAMES.items():
        if _text(args, arg):
            settings[param] = _text(args, arg)
    filters = []
    for n in range(1, FILTER_SLOTS + 1):
        column = _text(args, f"f{n}")
        if column:
            filters.append({"column": column, "value": _text(args, f"v{n}")})
    if filters:
        settings["filters"] = filters
    return settings


def to_args(settings: Mapping[str, Any]) -> dict[str, str]:
    """The address's parameters of ``settings`` (as :func:`from_args` reads them), without
    the empty ones, in a fixed order so that one chart has one link."""
    args = {arg: str(settings[param]) for arg, param in _NAMES.items() if settings.get(param) not in (None, "")}
    for n, chosen in enumerate(settings.get("filters") or [], start=1):
        if n > FILTER_SLOTS:
            break
        args[f"f{n}"], args[f"v{n}"] = str(chosen.get("column", "")), str(chosen.get("value", ""))
    return args
