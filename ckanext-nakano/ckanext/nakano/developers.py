"""The developer page's examples, filled with this portal's address and real
open data that is here (api_examples.py), so every example can be copied and
run as printed."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from . import api_examples


def examples() -> dict[str, Any]:
    site = tk.config["ckan.site_url"].rstrip("/")
    found = api_examples.find()
    return {"site": site, "api": f"{site}/api/3/action", "dataset": found.dataset,
            "resource": found.table or found.resource, "organization": found.organization,
            "usage_dataset": tk.config["ckanext.nakano.metrics.dataset"], "query": "公園",
            "category": "教育・文化・スポーツ・生活"}
