"""nakano_chart_data: the numbers of a chart of a resource's DataStore table (charts/)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ... import messages
from ...charts import aggregate
from ..chart_schema import chart_columns_schema, chart_data_schema

__all__ = ["nakano_chart_data", "nakano_chart_columns", "datastore_create", "datastore_upsert", "datastore_delete",
           "datastore_records_delete"]

SETTINGS = ("kind", "x", "series", "measure", "value", "filters", "sort", "top", "date_unit")
# Where a refusal is said: beside the parameter it is about.
_FIELD = {"chart-not-in-datastore": "resource_id", "chart-not-a-number": "value", "chart-too-slow": "__before"}
_ROLE_FIELD = {"x": "x", "series": "series", "value": "value", "filter": "filters"}


def _needed(settings: dict[str, Any]) -> dict[str, list[str]]:
    missing = {}
    if not settings.get("x"):
        missing["x"] = [tk._("Missing value")]
    if (settings["measure"] != "count" or settings["kind"] == "scatter") and not settings.get("value"):
        missing["value"] = [messages.say("chart-needs-value")]
    if settings["kind"] == "stacked" and not settings.get("series"):
        missing["series"] = [tk._("Missing value")]
    return missing


@tk.side_effect_free
@tk.validate(chart_data_schema)
def nakano_chart_data(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The aggregated rows of a chart of a resource's DataStore table, and its columns' types.

    Computed in PostgreSQL from the table (read-only, with a time limit), kept until the table
    is loaded again.

    :param resource_id: the resource, whose rows are in the DataStore
    :param kind: bar (default), stacked, line, pie, scatter or towns
    :param x: the column of the categories (or of x for scatter)
    :param series: the second category column of a stacked bar chart
    :param measure: count (default: rows), sum, avg, min or max of ``value``
    :param value: the column of numbers measured (y for scatter)
    :param filters: at most two ``{"column", "value"}`` (a list, or its JSON text)
    :param sort: value_desc (default), value_asc or label
    :param top: keep the N largest categories (1–100)
    :param date_unit: month (default) or year, for a column of dates
    :returns: ``rows`` (label, series, value, rows; x and y for scatter), ``columns`` (name and
        kind: number, date or text), ``rows_counted``, ``skipped`` (cells of ``value`` that are
        not numbers, left out), ``truncated`` and ``cached``
    """
    tk.check_access("nakano_chart_data", context, data_dict)
    settings = {k: data_dict[k] for k in SETTINGS if data_dict.get(k) not in (None, "")}
    settings.setdefault("filters", [])
    missing = _needed(settings)
    if missing:
        raise tk.ValidationError(missing)
    try:
        return aggregate.chart_data(data_dict["resource_id"], settings)
    except aggregate.ChartError as refused:
        field = _ROLE_FIELD.get(refused.values.get("role", ""), _FIELD.get(refused.code, "__before"))
        raise tk.ValidationError({field: [messages.say(refused.code, refused.values)]}) from refused


@tk.side_effect_free
@tk.validate(chart_columns_schema)
def nakano_chart_columns(context: Context, data_dict: DataDict) -> list[dict[str, str]]:
    """The columns of a resource's DataStore table as the chart builder offers them.

    :param resource_id: the resource, whose rows are in the DataStore
    :returns: a list of ``name``, ``kind`` (number, date, text; empty when no cell of the
        first rows is filled) and ``distinct`` (different values in the first 2,000 rows), in
        the table's order
    """
    tk.check_access("nakano_chart_columns", context, data_dict)
    try:
        return aggregate.columns_of(data_dict["resource_id"])
    except aggregate.ChartError as refused:
        raise tk.ValidationError({"resource_id": [messages.say(refused.code, refused.values)]}) from refused


# The DataStore's write actions, chained once for two reasons:
# - a table written has other numbers: its kept chart answers are not used any more (the
#   loader's own writes: plugin.py, IXloader.after_upload);
# - a job that calls them without a user acts as the site user. ckanext-xloader deletes a
#   table whose column types changed with ``{'user': ''}`` (loader.delete_datastore_resource),
#   the DataStore then updates the resource (datastore_active) and CKAN's activity plugin
#   refuses an update without a user ('User not found'): the reload failed and the file was
#   left without a table — every reload of a file whose numbers the validation had typed.

def _written(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    if context.get("ignore_auth") and not context.get("user"):
        context["user"] = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    result = up_func(context, data_dict)
    resource_id = data_dict.get("resource_id") or data_dict.get("id") or (result or {}).get("resource_id")
    if resource_id:
        aggregate.forget(resource_id)
    return result


def _chained(name: str) -> Action:
    @tk.chained_action
    def written(up_func: Action, context: Context, data_dict: DataDict) -> Any:
        return _written(up_func, context, data_dict)
    written.__name__ = written.__qualname__ = name
    written.__doc__ = f"Core {name}; the table's kept chart answers forgotten, a job's call made as the site user."
    return written


datastore_create = _chained("datastore_create")
datastore_upsert = _chained("datastore_upsert")
datastore_delete = _chained("datastore_delete")
datastore_records_delete = _chained("datastore_records_delete")
