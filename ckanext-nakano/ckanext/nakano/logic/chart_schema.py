"""Parameter schema of nakano_chart_data: which chart, of which columns (checked against the
table by charts/aggregate.py)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ..charts.aggregate import MEASURES
from .chart_validators import nakano_chart_filters

__all__ = ["chart_data_schema", "chart_columns_schema", "KINDS", "SORTS", "DATE_UNITS", "MAX_TOP"]

KINDS = ("bar", "stacked", "line", "pie", "scatter", "towns")
SORTS = ("value_desc", "value_asc", "label")
DATE_UNITS = ("month", "year")
MAX_TOP = 100


def _v(*names: str) -> list[Any]:
    return [tk.get_validator(n) for n in names]


def _default(value: Any) -> Any:
    return tk.get_validator("default")(value)


def choice_of(choices: tuple[str, ...]) -> Any:
    """CKAN's ``one_of`` says 「Value must be one of ['bar', …]」 in English whatever the page's
    language: the choices said as a list of the words a person types."""
    def check(value: Any) -> Any:
        if value not in choices:
            raise tk.Invalid(tk._("Choose one of: %(choices)s") % {"choices": ", ".join(choices)})
        return value
    return check


def _whole_number(limit: int) -> Any:
    """One message for text, a fraction or a number out of range (two validators said two)."""
    def check(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            number = 0
        if not 1 <= number <= limit:
            raise tk.Invalid(tk._("A whole number from 1 to %(limit)s") % {"limit": limit})
        return number
    return check


def chart_data_schema() -> dict[str, Any]:
    optional = tk.get_validator("ignore_missing")
    name = [optional, tk.get_validator("unicode_safe")]
    return {"resource_id": _v("not_empty", "unicode_safe", "resource_id_exists"),
            "kind": [_default("bar"), choice_of(KINDS)],
            "x": name, "series": name, "value": name,
            "measure": [_default("count"), choice_of(MEASURES)],
            "filters": [optional, nakano_chart_filters],
            "sort": [_default("value_desc"), choice_of(SORTS)],
            "top": [optional, _whole_number(MAX_TOP)],
            "date_unit": [_default("month"), choice_of(DATE_UNITS)],
            "__extras": _v("ignore")}


def chart_columns_schema() -> dict[str, Any]:
    return {"resource_id": _v("not_empty", "unicode_safe", "resource_id_exists"), "__extras": _v("ignore")}
