"""The developer page's examples, filled with this portal's address and a
dataset that is really here (so every example can be copied and run)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def examples() -> dict[str, Any]:
    site = tk.config["ckan.site_url"].rstrip("/")
    name = tk.config["ckanext.nakano.metrics.dataset"]
    dataset, resource = name, "RESOURCE_ID"
    try:
        pkg = tk.get_action("package_show")({}, {"id": name})
        loaded = [r for r in pkg["resources"] if r.get("datastore_active")] or pkg["resources"]
        if loaded:
            resource = loaded[0]["id"]
    except (tk.ObjectNotFound, tk.NotAuthorized):
        pass
    return {"site": site, "api": f"{site}/api/3/action", "dataset": dataset, "resource": resource,
            "query": "公園"}
