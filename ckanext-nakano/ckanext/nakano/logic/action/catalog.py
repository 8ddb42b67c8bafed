"""The DCAT catalog (/catalog.ttl, .rdf, .jsonld) never fails as a whole.

ckanext-dcat 2.4.4 serializes a page of datasets in one go: one dataset its
profiles cannot describe made the whole page answer 500; so did a search Solr
cannot parse (``?q=NOT``), a date out of range in ``modified_since``, and any
``q``/``fq`` with a space or a bracket (its links to the other pages put them
into IRIs unencoded, which rdflib refuses to write). Here the page is made
from ckanext-dcat's own pieces (``ckanext.dcat.logic._search_ckan_datasets``
and ``_pagination_info``, ``RDFSerializer``; 2.4.4), with the links encoded,
the parameters checked (a 409 in the request's language through ckanext-dcat's
view), and, when the page still fails, the datasets that cannot be described
left out one by one (each logged).
"""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from dateutil.parser import parse as parse_date

import ckan.plugins.toolkit as tk
from ckan.lib.search import SearchError
from ckan.types import Action, Context, DataDict
from ckanext.dcat import logic as dcat_logic
from ckanext.dcat.processors import RDFSerializer

from .input_checks import QUERY_UNREADABLE

log = logging.getLogger(__name__)

__all__ = ["dcat_catalog_show"]

_LINKS = ("current", "first", "last", "next", "previous")


@tk.side_effect_free
@tk.chained_action
def dcat_catalog_show(up_func: Action, context: Context, data_dict: DataDict) -> str:
    """A page of the DCAT catalog (replaces ckanext-dcat's, which is built of
    the same pieces; ``up_func`` is not called)."""
    tk.check_access("dcat_catalog_show", context, data_dict)
    since = data_dict.get("modified_since")
    if since:
        try:
            parse_date(str(since))
        except (ValueError, OverflowError):
            raise tk.ValidationError({"modified_since": [tk._("use an ISO 8601 date, e.g. 2026-04-01")]})
    try:
        query = dcat_logic._search_ckan_datasets(context, data_dict)
    except SearchError as exc:
        raise tk.ValidationError({"q": [tk._(QUERY_UNREADABLE)]}) from exc
    pagination = _encoded(dcat_logic._pagination_info(query, data_dict))
    fmt, profiles = data_dict.get("format"), data_dict.get("profiles")
    try:
        return RDFSerializer(profiles=profiles).serialize_catalog({}, query["results"], _format=fmt,
                                                                  pagination_info=pagination)
    except Exception:  # a dataset the profiles cannot describe: the page again without it
        log.exception("DCAT catalog page failed as a whole; building it dataset by dataset")
    described = [d for d in query["results"] if _describable(d, profiles)]
    return RDFSerializer(profiles=profiles).serialize_catalog({}, described, _format=fmt, pagination_info=pagination)


def _encoded(pagination: dict[str, Any]) -> dict[str, Any]:
    """The page links as IRIs: what a visitor typed into q or fq percent-encoded."""
    fixed = dict(pagination)
    for key in _LINKS:
        if isinstance(fixed.get(key), str):
            fixed[key] = quote(fixed[key], safe=":/?&=%#~-._")
    return fixed


def _describable(dataset: dict[str, Any], profiles: Any) -> bool:
    try:
        RDFSerializer(profiles=profiles).serialize_dataset(dataset, _format="nt")
    except Exception:  # left out of the page, and said so in the log
        log.exception("DCAT: dataset %s left out of the catalog page", dataset.get("name"))
        return False
    return True
