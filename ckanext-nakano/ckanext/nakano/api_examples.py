"""The real open data that the API's examples use (/api/docs, /developers):
a public dataset of the ward with a table in the DataStore, found at run time,
so that every example can be copied and run as printed on this portal.

Chosen by name (``ckanext.nakano.api.example_dataset``, 医療機関一覧 of the
demo catalog) when it is there, else the most recently changed public dataset
with a DataStore table; never the usage-statistics dataset (the portal's own
figures are not what a developer comes for). Ids are looked up, never written
down: datasets may get new ids.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk

__all__ = ["Examples", "find", "fill", "as_query", "anonymous_call"]

# The fields the DataStore adds to a resource it holds (CKAN indexes resource extras as res_extras_*).
WITH_TABLE = "res_extras_datastore_active:true"


@dataclass(frozen=True)
class Examples:
    dataset: str = ""         # URL name of the dataset
    resource: str = ""        # id of its first resource
    table: str = ""           # id of a resource of it whose rows are in the DataStore
    organization: str = ""    # its department's name
    modified: str = ""        # the dataset's metadata_modified (the examples change with it)
    inventory_item: str = ""  # the id of the register item it publishes
    reuse: str = ""           # the URL name of the newest published reuse (活用事例)
    data_request: str = ""    # the number of the newest listed data request (データ要望)


def anonymous_call(action: str, params: dict[str, Any]) -> Any:
    """An action as a visitor without an account calls it (examples are
    shown to everyone: never what a logged-in editor may see)."""
    context = {"user": "", "auth_user_obj": None, "ignore_auth": False}
    return tk.get_action(action)(context, dict(params))


def _dataset(name: str) -> dict[str, Any] | None:
    try:
        return anonymous_call("package_show", {"id": name})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None


def find() -> Examples:
    """The example dataset and its resources, or empty values on a portal
    without public data."""
    usage = tk.config["ckanext.nakano.metrics.dataset"]
    dataset = _dataset(tk.config["ckanext.nakano.api.example_dataset"])
    if dataset is None or not any(r.get("datastore_active") for r in dataset["resources"]):
        fq = f'{WITH_TABLE} -name:"{usage}"'
        found = anonymous_call("package_search", {"fq": fq, "sort": "metadata_modified desc", "rows": 1})
        if not found["results"]:
            found = anonymous_call("package_search", {"fq": f'-name:"{usage}"', "rows": 1,
                                                      "sort": "metadata_modified desc"})
        dataset = _dataset(found["results"][0]["name"]) if found["results"] else dataset
    reuses = anonymous_call("nakano_showcase_list", {"limit": 1, "facets": False})["results"]
    requests = anonymous_call("nakano_request_list", {"limit": 1, "facets": False})["results"]
    found_elsewhere = {"reuse": reuses[0]["name"] if reuses else "",
                       "data_request": str(requests[0]["id"]) if requests else ""}
    if dataset is None:
        return Examples(**found_elsewhere)
    resources = dataset["resources"]
    tables = [r["id"] for r in resources if r.get("datastore_active")]
    return Examples(dataset=dataset["name"], resource=resources[0]["id"] if resources else "",
                    table=tables[0] if tables else "",
                    organization=(dataset.get("organization") or {}).get("name", ""),
                    modified=dataset["metadata_modified"], inventory_item=dataset.get("inventory_item") or "",
                    **found_elsewhere)


def fill(params: dict[str, Any], examples: Examples) -> dict[str, Any] | None:
    """An action's example parameters with ``{dataset}``, ``{resource}``,
    ``{table}``, ``{organization}``, ``{inventory_item}``, ``{reuse}`` and ``{data_request}`` replaced;
    None when one of them is not
    on this portal (an example that could not run is not shown)."""
    filled = {}
    for key, value in params.items():
        for placeholder in ("dataset", "resource", "table", "organization", "inventory_item", "reuse",
                            "data_request"):
            if isinstance(value, str) and "{%s}" % placeholder in value:
                if not getattr(examples, placeholder):
                    return None
                value = value.replace("{%s}" % placeholder, getattr(examples, placeholder))
        filled[key] = value
    return filled


def as_query(value: Any) -> str:
    """A parameter as it is written in a URL (JSON for lists and objects, true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
