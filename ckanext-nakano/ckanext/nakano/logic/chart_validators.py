"""Validators of the chart action's parameters (nakano_chart_data)."""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk

from .. import messages

__all__ = ["nakano_chart_filters", "MAX_FILTERS"]

MAX_FILTERS = 2
_NAME_LENGTH = 200


def nakano_chart_filters(value: Any) -> list[dict[str, str]]:
    """Up to two filters ``[{"column": …, "value": …}]``, given as a list or as its JSON text
    (a GET request's parameter, as ``datastore_search``'s ``filters``)."""
    if value in (None, "", tk.missing):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise tk.Invalid(messages.say("chart-filters-format")) from error
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(f, dict) for f in value):
        raise tk.Invalid(messages.say("chart-filters-format"))
    if len(value) > MAX_FILTERS:
        raise tk.Invalid(messages.say("chart-too-many-filters"))
    filters = []
    for chosen in value:
        column, wanted = chosen.get("column"), chosen.get("value")
        if not isinstance(column, str) or not column or len(column) > _NAME_LENGTH \
                or not isinstance(wanted, (str, int, float)) or len(str(wanted)) > _NAME_LENGTH:
            raise tk.Invalid(messages.say("chart-filters-format"))
        filters.append({"column": column, "value": str(wanted)})
    return filters
