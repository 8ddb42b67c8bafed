"""Search parameters for the Japanese-aware Solr schema (``solr/conf/schema.xml``)."""
from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import yaml

import ckan.plugins.toolkit as tk
from ckan.lib.search import commit, rebuild

from . import language_text, vocab
from .index_check import refuse_purged
from .metrics.stats import dataset_view_counts, recently_viewed_ids
from .vocab import SCHEMAS

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)


def with_japanese_query_fields(search_params: dict[str, Any]) -> dict[str, Any]:
    """Add the bigram companion fields to the fields a free-text query searches.

    CKAN's default ``qf`` only names its own fields; our schema also has
    ``title_cjk``/``text_cjk`` (CJK bigrams) that catch substrings which
    morphological analysis splits differently. A caller's explicit ``qf`` is
    kept. (Fielded queries such as ``title:…`` go to Solr's standard parser,
    which ignores ``qf``.)
    """
    if "qf" not in search_params:
        search_params["qf"] = tk.config["ckanext.nakano.search.query_fields"]
    return search_params


@cache  # read once per process: it was parsed twice on every search page
def _search_config() -> dict[str, Any]:
    return yaml.safe_load((SCHEMAS / "search.yaml").read_text(encoding="utf-8"))


def facets(existing: dict[str, Any]) -> dict[str, Any]:
    """The ward's facets (schemas/search.yaml: which, in what order, their titles), in the page's language."""
    existing.clear()
    for facet in _search_config()["facets"]:
        existing[facet["field"]] = language_text.text(facet)
    return existing


def sort_options() -> list[tuple[str, str]]:
    """(label, Solr sort) pairs for the search form (schemas/search.yaml), in the page's language."""
    return [(language_text.text(s), s["value"]) for s in _search_config()["sort"]]


def index_fields(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Facet fields from the ward schema, and the dataset's views for sorting.

    Values are the stored ones (categories are their Japanese names, standard
    datasets their codes); pages show labels through ``search_words.facet_label``.
    """
    refuse_purged(pkg_dict["id"])
    # The register item a dataset publishes is looked up in PostgreSQL, never searched:
    # not indexed (bench/README.md, inventory), it stays in the stored dataset dict.
    for unsearched in ("inventory_item", "extras_inventory_item"):
        pkg_dict.pop(unsearched, None)
    _without_identifiers(pkg_dict)
    data = json.loads(pkg_dict.get("validated_data_dict") or "{}")
    if data.get("category"):
        pkg_dict["vocab_category"] = [data["category"]]
    if data.get("standard_dataset"):
        pkg_dict["vocab_standard"] = [data["standard_dataset"]]
    areas = [a["text"] for a in data.get("spatial_coverage") or [] if a.get("text")]
    if areas:
        pkg_dict["vocab_area"] = areas
    pkg_dict["views_recent"], pkg_dict["views_total"] = dataset_view_counts(pkg_dict["id"])
    return pkg_dict


def _without_identifiers(pkg_dict: dict[str, Any]) -> None:
    """Extras are copied into the searched text (solr/conf/schema.xml), where Kuromoji cuts a UUID
    at each change of letters and digits: 「AED」 found the dataset whose former id (its
    ``source_identifier`` and ``source_system`` extras) held "…-aed9-…". Identifiers are left out
    of the indexed extras; the stored dataset keeps them, and the database finds a dataset by
    its former id (former_ids.py)."""
    for key in [k for k in pkg_dict if k.startswith(("extras_", "res_extras_"))]:
        value = pkg_dict[key]
        values = value if isinstance(value, list) else [value]
        if not any(isinstance(v, str) and _UUID.search(v) for v in values):
            continue
        kept = [cleaned for v in values if (cleaned := _UUID.sub(" ", v).strip() if isinstance(v, str) else v)]
        if not kept:
            del pkg_dict[key]
        else:
            pkg_dict[key] = kept if isinstance(value, list) else kept[0]


def reindex_viewed(days: int = 31) -> int:
    """Reindex the datasets viewed in the last ``days`` days, whose 30-day view
    count (the "most viewed" sort) has changed since yesterday."""
    ids = recently_viewed_ids(days)
    if ids:
        rebuild(package_ids=ids, quiet=True)
        commit()  # rebuild() leaves a list of ids uncommitted
    return len(ids)
