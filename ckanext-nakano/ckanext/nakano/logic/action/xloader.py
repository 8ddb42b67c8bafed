"""ckanext-xloader's callback, with the portal's rule for failed loads."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ...datastore_loads import drop_table_of_failed_load

__all__ = ["xloader_hook"]


@tk.chained_action
def xloader_hook(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """xloader reports a job's state here; a load that ended in error leaves
    no DataStore table behind (datastore_loads.py)."""
    result = up_func(context, data_dict)
    if data_dict.get("status") == "error":
        resource_id = (data_dict.get("metadata") or {}).get("resource_id")
        if resource_id:
            drop_table_of_failed_load(resource_id)
    return result
