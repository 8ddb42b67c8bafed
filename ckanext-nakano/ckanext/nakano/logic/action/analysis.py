"""nakano_analysis_data: figures across the files of one 自治体標準オープンデータセット (analysis/)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ... import messages
from ...analysis import across
from ...charts.aggregate import ChartError
from ..analysis_schema import analysis_data_schema

__all__ = ["nakano_analysis_data"]

SETTINGS = ("standard", "group", "measure", "value", "per_1000", "population")
_FIELD = {"analysis-no-such-group": "group", "chart-no-such-column": "value", "chart-not-a-number": "value",
          "analysis-per-1000-needs-towns": "per_1000", "analysis-no-population": "per_1000",
          "analysis-no-such-population": "population", "chart-too-slow": "__before"}


@tk.side_effect_free
@tk.validate(analysis_data_schema)
def nakano_analysis_data(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Figures across all the public files validated as one 自治体標準オープンデータセット.

    Each file's rows are read by the standard's column names, whatever its own layout, and
    added up per town (町丁目, from its address), per a column of the standard, or per file.

    :param standard: the standard dataset (``aed``, ``public_facility`` …)
    :param group: ``town``, ``file``, or a column of the standard (default: the first the files
        offer, ``town`` when they have addresses)
    :param measure: ``count`` (default: rows) or ``sum`` of ``value``
    :param value: the standard's column of numbers summed
    :param per_1000: per 1,000 residents of each town (group ``town``; a population file)
    :param population: the population file (resource id); default the latest survey
    :returns: ``rows`` (label, value, rows; with ``per_1000`` also count and residents),
        ``files`` (each file: used or the columns it lacks, the columns read under the
        standard's names, rows counted), ``unmatched`` (addresses naming no known town),
        ``no_residents``, ``population``, ``choices`` and ``cached``
    """
    tk.check_access("nakano_analysis_data", context, data_dict)
    settings = {k: data_dict[k] for k in SETTINGS if data_dict.get(k) not in (None, "")}
    settings["per_1000"] = bool(data_dict.get("per_1000"))
    if settings["measure"] == "sum" and not settings.get("value"):
        raise tk.ValidationError({"value": [messages.say("analysis-needs-value")]})
    try:
        return across.analyse(settings)
    except ChartError as refused:
        raise tk.ValidationError({_FIELD.get(refused.code, "__before"): [messages.say(refused.code, refused.values)]}) \
            from refused
