"""The DCAT catalog (/catalog.ttl, .rdf, .jsonld) never fails as a whole.

ckanext-dcat 2.4.4 serializes a page of datasets in one go: one dataset that
its profiles cannot describe made the whole page answer 500, and a search
Solr cannot parse (``?q=NOT``) did too. Here a failing page is built again
dataset by dataset, leaving out (and logging) the ones that fail, and search
errors are refused in Japanese and English (409 through ckanext-dcat's view).
Uses ckanext-dcat's page search (``ckanext.dcat.logic._search_ckan_datasets``
and ``_pagination_info``, 2.4.4) so the page is the one the view would show.
"""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.search import SearchError
from ckan.types import Action, Context, DataDict
from ckanext.dcat import logic as dcat_logic
from ckanext.dcat.processors import RDFSerializer

from .input_checks import QUERY_UNREADABLE

log = logging.getLogger(__name__)

__all__ = ["dcat_catalog_show"]


@tk.side_effect_free
@tk.chained_action
def dcat_catalog_show(up_func: Action, context: Context, data_dict: DataDict) -> str:
    """ckanext-dcat's catalog page; without the datasets its profiles cannot
    describe when there are any (each logged)."""
    try:
        return up_func(dict(context), dict(data_dict))
    except SearchError as exc:
        raise tk.ValidationError({"q": [QUERY_UNREADABLE]}) from exc
    except (tk.ValidationError, tk.NotAuthorized, tk.ObjectNotFound):
        raise
    except Exception:  # a dataset the profiles cannot describe: rebuilt without it below
        log.exception("DCAT catalog page failed as a whole; building it dataset by dataset")
    query = dcat_logic._search_ckan_datasets(context, data_dict)
    described = [d for d in query["results"] if _describable(d, data_dict)]
    serializer = RDFSerializer(profiles=data_dict.get("profiles"))
    return serializer.serialize_catalog({}, described, _format=data_dict.get("format"),
                                        pagination_info=dcat_logic._pagination_info(query, data_dict))


def _describable(dataset: dict[str, Any], data_dict: DataDict) -> bool:
    try:
        RDFSerializer(profiles=data_dict.get("profiles")).serialize_dataset(dataset, _format="nt")
    except Exception:  # left out of the page, and said so in the log
        log.exception("DCAT: dataset %s left out of the catalog page", dataset.get("name"))
        return False
    return True
