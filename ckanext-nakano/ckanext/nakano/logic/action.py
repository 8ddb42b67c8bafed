"""Actions of the nakano plugin (chained core actions)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ..standard_tags import with_standard_tags

__all__ = ["package_create", "package_update"]


@tk.chained_action
def package_create(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Core package_create, with the aggregator tags of standard datasets."""
    return up_func(context, with_standard_tags(data_dict))


@tk.chained_action
def package_update(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Core package_update, with the aggregator tags of standard datasets."""
    return up_func(context, with_standard_tags(data_dict))
