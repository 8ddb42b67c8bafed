"""What 「このサイトについて」 (CKAN's ``home.about``, templates/home/about.html)
states as facts rather than prose: the licences of the ward's list
(schemas/vocab/licenses.json) with the number of datasets under each, the
number of datasets and departments, and where to reach the ward (config)."""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk

from . import vocab

__all__ = ["facts"]


def facts() -> dict[str, Any]:
    """One facet query; licences in the list's order, those used by no dataset included
    (a clerk reads what each means before choosing)."""
    found = tk.get_action("package_search")({}, {"rows": 0, "facet.field": ["license_id", "organization"],
                                                 "facet.limit": -1})
    counts = {name: {item["name"]: item["count"] for item in facet["items"]}
              for name, facet in found["search_facets"].items()}
    licenses = json.loads(vocab.licenses_file().read_text(encoding="utf-8"))
    return {
        "total": found["count"],
        "departments": len(counts.get("organization", {})),
        "licenses": [{"id": item["id"], "title": item["title"], "url": item["url"],
                      "count": counts.get("license_id", {}).get(item["id"], 0)} for item in licenses],
        "contact_url": tk.config["ckanext.nakano.about.contact_url"],
        "policy_url": tk.config["ckanext.nakano.about.policy_url"],
    }
