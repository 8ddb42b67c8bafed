"""Search parameters for the Japanese-aware Solr schema (``solr/conf/schema.xml``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


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
