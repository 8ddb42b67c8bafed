"""Actions of the nakano plugin (chained core actions)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ..model import Validation
from ..standard_tags import with_standard_tags

__all__ = ["package_create", "package_update", "nakano_validation_show"]


@tk.chained_action
def package_create(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Core package_create, with the aggregator tags of standard datasets."""
    return up_func(context, with_standard_tags(data_dict))


@tk.chained_action
def package_update(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Core package_update, with the aggregator tags of standard datasets."""
    return up_func(context, with_standard_tags(data_dict))


@tk.side_effect_free
def nakano_validation_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The latest validation report of a resource.

    :param id: the resource id
    :returns: ``resource_id``, ``status`` (pending, valid, invalid, error or
        none when the resource is not tabular), ``report`` (issues with row and
        column, messages in Japanese and English) and ``updated``.
    """
    resource_id = tk.get_or_bust(data_dict, "id")
    tk.check_access("nakano_validation_show", context, data_dict)
    row = Validation.get(resource_id)
    if row is None:
        return {"resource_id": resource_id, "status": "none", "report": None, "updated": None}
    return {"resource_id": resource_id, "status": row.status, "report": row.report,
            "updated": row.updated.isoformat()}
