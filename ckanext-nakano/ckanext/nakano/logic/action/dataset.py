"""Chained core dataset actions: the ward's additions to create, update and purge."""
from __future__ import annotations

import logging
import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Action, Context, DataDict
from ckan.lib.search import SearchIndexError, index_for

from ...extras_mirror import list_fields, take_extras
from ...index_check import PurgedMeanwhile
from ...standard_tags import with_standard_tags

log = logging.getLogger(__name__)

__all__ = ["package_create", "package_update", "dataset_purge", "package_list"]


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is used (tk._)."""
    return message


SEARCH_DOWN = N_("Search is unavailable, so nothing was saved. Your entries are kept: save again in a moment.")


IMMENSE_TERM = re.compile(r'immense term in field="([^"]+)"')
TOO_LONG = N_("Too long to be indexed for search (about 10,000 characters without a break): shorten it, or "
              "attach it as a file.")


NOT_A_LIST = N_("Give a list of items (a JSON array), e.g. [{\"name\": \"Planning section\"}].")


def _lists_of_items(data_dict: DataDict) -> DataDict:
    """Fields made of items (contact, spatial_coverage …) given as anything but
    a list of objects are refused by name: scheming answered such input with an
    "Integrity Error" about subschemas."""
    wrong = {field: [tk._(NOT_A_LIST)] for field in list_fields()
             if data_dict.get(field) not in (None, "", [])
             and not (isinstance(data_dict[field], list) and all(isinstance(i, dict) for i in data_dict[field]))}
    if wrong:
        raise tk.ValidationError(wrong)
    return data_dict


def _saved_with_search(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """CKAN indexes a dataset before it commits it: with Solr away the edit fails
    (nothing saved), and CKAN's form would answer a bare 500 page and lose what
    the editor typed. As a validation error the form comes back filled in, with
    the reason; API clients get a 409 that says so. A value Solr refuses
    (one unbroken run of text over Lucene's term limit) is named as the field's
    error instead."""


    try:
        return up_func(context, data_dict)
    except PurgedMeanwhile:
        raise
    except SearchIndexError as exc:
        model.Session.rollback()
        # Solr refuses a value with one "word" over 32,766 bytes (Lucene's limit):
        # the search server is up, and saving again would never work.
        too_long = IMMENSE_TERM.search(str(exc))
        if too_long:
            field = too_long.group(1).removeprefix("res_extras_").removeprefix("extras_")
            raise tk.ValidationError({field: [tk._(TOO_LONG)]})
        raise tk.ValidationError({"search": [tk._(SEARCH_DOWN)]})


@tk.chained_action
def package_create(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Core package_create, with the aggregator tags of standard datasets and
    without the extras package_show mirrors the ward fields into."""
    return _saved_with_search(up_func, context, with_standard_tags(_lists_of_items(take_extras(data_dict))))


@tk.chained_action
def package_update(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Core package_update, with the aggregator tags of standard datasets and
    without the extras package_show mirrors the ward fields into."""
    return _saved_with_search(up_func, context, with_standard_tags(_lists_of_items(take_extras(data_dict))))


@tk.chained_action
def dataset_purge(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Core dataset_purge, after a lock on the dataset's row, and the dataset
    removed from search once more after the commit.

    A job saving the dataset (xloader or validation marking a resource) locks
    the dataset's row before it writes the resources. The purge takes the same
    lock first: otherwise it holds the resource rows while it waits for the
    dataset's, the job waits for a resource row, and PostgreSQL ends one of them
    as a deadlock (the purge answered 500).

    CKAN removes the search document before it commits; whatever indexes the
    dataset in between (a job that read it before the lock, an index rebuild)
    would leave a document behind, hence the second removal.
    """

    pkg = model.Package.get(tk.get_or_bust(data_dict, "id"), for_update=True)
    package_id = pkg.id if pkg else None
    result = up_func(context, data_dict)
    if package_id:
        try:
            index_for(model.Package).remove_dict({"id": package_id})
        except SearchIndexError:  # purged all the same; the periodic index check removes it
            log.warning("purged dataset %s: second removal from search failed", package_id)
    return result


@tk.side_effect_free
@tk.chained_action
def package_list(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Core package_list, datasets only: CKAN lists every public package, and
    ``ckanapi dump datasets --all`` (what mirrors and aggregators script with)
    took the harvest sources (packages of type ``harvest``, listed by
    harvest_source_list) for datasets. A page with ``limit`` may hold fewer
    names than asked when a source fell on it; paging on to an empty page still
    lists every dataset."""
    names = up_func(context, data_dict)
    others = {name for (name,) in model.Session.query(model.Package.name)
              .filter(model.Package.type != "dataset", model.Package.name.in_(names))}
    return [name for name in names if name not in others] if others else names
