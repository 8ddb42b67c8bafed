"""What the home page shows: the 17 categories, departments and standard
datasets with their dataset counts, new, updated and popular datasets."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from . import language_text, vocab
from .metrics.stats import top_datasets

LISTED = 5


def _search(**params: Any) -> dict[str, Any]:
    return tk.get_action("package_search")({}, params)


def home_page() -> dict[str, Any]:
    """One facet query for the counts, two small queries for the lists."""
    counts = _search(rows=0, **{"facet.field": ["vocab_category", "organization", "vocab_standard"],
                                "facet.limit": -1})
    facets = {name: {i["name"]: i["count"] for i in f["items"]} for name, f in counts["search_facets"].items()}
    categories = [{"value": c["value"], "label": language_text.text(c, japanese="value"),
                   "count": facets.get("vocab_category", {}).get(c["value"], 0)} for c in vocab.categories()]
    standards = [{"value": d["value"], "label": language_text.text(d),
                  "count": facets.get("vocab_standard", {}).get(d["value"], 0)}
                 for d in vocab.standard_datasets()["datasets"]]
    # Names and titles only: organization_list with all_fields runs
    # organization_show for each department (a third of the page's time);
    # the counts come from the facet query above.
    departments = [{"name": name, "title": title or name,
                    "count": facets.get("organization", {}).get(name, 0)}
                   for name, title in model.Session.query(model.Group.name, model.Group.title)
                   .filter(model.Group.is_organization.is_(True), model.Group.state == "active")
                   .order_by(model.Group.title)]
    return {
        "total": counts["count"],
        "categories": categories,
        "standards": standards,
        "departments": departments,
        "new": _search(rows=LISTED, sort="metadata_created desc")["results"],
        "updated": _search(rows=LISTED, sort="metadata_modified desc")["results"],
        "popular": popular(),
    }


def popular() -> list[dict[str, Any]]:
    """Most viewed public datasets of the last 30 days (usage metrics)."""
    if not tk.config["ckanext.nakano.metrics.enabled"]:
        return []

    return top_datasets(days=30, limit=LISTED)
