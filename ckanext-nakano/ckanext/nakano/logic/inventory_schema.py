"""Parameter schemas of the inventory actions (the item's own fields: inventory/schema.py)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

__all__ = ["item_id_schema", "item_list_schema", "import_schema", "summary_schema", "LIST_LIMIT"]

LIST_LIMIT = 1000


def _v(*names: str) -> list[Any]:
    return [tk.get_validator(n) for n in names]


def item_id_schema() -> dict[str, Any]:
    return {"id": _v("not_empty", "unicode_safe"), "department": _v("ignore_missing", "unicode_safe"),
            "include_history": [tk.get_validator("default")(False), tk.get_validator("boolean_validator")],
            "__extras": _v("ignore")}


def item_list_schema() -> dict[str, Any]:
    return {
        "department": _v("ignore_missing", "nakano_inventory_values"),
        "q": _v("ignore_missing", "unicode_safe"),
        "status": _v("ignore_missing", "nakano_inventory_values"),
        "closed_reason": _v("ignore_missing", "nakano_inventory_values"),
        "category": _v("ignore_missing", "nakano_inventory_values"),
        "standard_dataset": _v("ignore_missing", "nakano_inventory_values"),
        "sort": [tk.get_validator("default")("department"), tk.get_validator("unicode_safe")],
        "limit": [tk.get_validator("default")(50), tk.get_validator("natural_number_validator")],
        "offset": [tk.get_validator("default")(0), tk.get_validator("natural_number_validator")],
        "facets": [tk.get_validator("default")(True), tk.get_validator("boolean_validator")],
        "__extras": _v("ignore"),
    }


def import_schema() -> dict[str, Any]:
    return {"upload": _v("not_missing"), "department": _v("ignore_missing", "unicode_safe"),
            "dry_run": [tk.get_validator("default")(False), tk.get_validator("boolean_validator")],
            "__extras": _v("ignore")}


def summary_schema() -> dict[str, Any]:
    return {"department": _v("ignore_missing", "unicode_safe"), "__extras": _v("ignore")}
