"""Core reads that answered 500 to what a visitor can type or put in a URL,
with their arguments checked first (an error in the request's language) or
the query read as plain words when Solr cannot parse it.
"""
from __future__ import annotations

import copy
import re
from typing import Any

import sqlalchemy as sa
from dateutil.parser import parse as parse_date

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.search import SearchError, SearchQueryError
from ckan.types import Action, Context, DataDict

from ...harvest.disclosure import for_reader
from ...search_words import plain_words_query

__all__ = ["package_search", "resource_search", "activity_show"]

_FLAGS = ("include_private", "include_drafts", "include_deleted", "use_default_schema", "facet")


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is used (tk._)."""
    return message


QUERY_UNREADABLE = N_("The search conditions could not be read; check the filter and sort parameters.")


def _flag(data_dict: DataDict, key: str) -> None:
    value = data_dict.get(key)
    if value is None or isinstance(value, bool):
        return
    try:
        data_dict[key] = tk.asbool(value)
    except ValueError:
        raise tk.ValidationError({key: [tk._("must be true or false")]})


@tk.side_effect_free
@tk.chained_action
def package_search(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Core package_search; a free-text query Solr cannot parse (「NOT」,
    「text:(a」, a local-parameter prefix) is searched as plain words, and
    harvest sources' credentials are masked in the results."""
    for key in _FLAGS:
        _flag(data_dict, key)
    if data_dict.get("wt") not in (None, "json"):
        raise tk.ValidationError({"wt": [tk._("only JSON: wt cannot be set")]})
    original = copy.deepcopy(dict(data_dict))
    try:
        return _for_reader(context, up_func(context, data_dict))
    except SearchQueryError:
        raise
    except SearchError:
        q = original.get("q")
        if not isinstance(q, str) or not q.strip():
            raise SearchQueryError(tk._(QUERY_UNREADABLE))    # the filters or the sort, not the words
        plain = plain_words_query(q)
        if plain == q:
            raise SearchQueryError(tk._(QUERY_UNREADABLE))
        # No word left ("+", "&&"): every dataset, as an empty search box gives.
        retry = {**original, "q": plain}
        try:
            return _for_reader(context, up_func(context, retry))
        except SearchError:
            raise SearchQueryError(tk._(QUERY_UNREADABLE))


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T][\d:.]+)?$")


def _for_reader(context: Context, result: dict[str, Any]) -> dict[str, Any]:
    """Harvest sources among the results: credentials masked but for sysadmins
    (ckanext-harvest's after-search hook adds their configuration back)."""
    result["results"] = [for_reader(context, r) if isinstance(r, dict) else r for r in result.get("results", [])]
    return result


def _term_fits(column: Any, term: str) -> bool:
    """Whether PostgreSQL takes ``term`` as a value of the column's type (a
    bare year parses for dateutil, not for PostgreSQL; 10^20 is no bigint)."""
    kind = column.type
    try:
        if isinstance(kind, sa.DateTime):
            if not _DATE.match(term.strip()):
                return False
            parse_date(term)
        elif isinstance(kind, (sa.Integer, sa.BigInteger, sa.Numeric)):
            return -2**63 <= int(term) < 2**63
        elif isinstance(kind, sa.Boolean):
            tk.asbool(term)
    except (ValueError, OverflowError, TypeError):
        return False
    return True


@tk.side_effect_free
@tk.chained_action
def resource_search(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Core resource_search; a term that does not fit its field's type (a date
    range on ``metadata_modified``) is refused instead of failing in SQL."""
    query = data_dict.get("query")
    pairs = [query] if isinstance(query, str) else query if isinstance(query, list) else []
    columns = {c.name: c for c in model.resource_table.columns}
    for pair in pairs:
        field, _, term = str(pair).partition(":")
        column = columns.get(field)
        if column is not None and not isinstance(column.type, sa.UnicodeText) and not _term_fits(column, term):
            raise tk.ValidationError({"query": [_takes(column, field)]})
    return up_func(context, data_dict)


def _takes(column: Any, field: str) -> str:
    """The refusal of a term that does not fit the column's type."""
    if isinstance(column.type, sa.DateTime):
        return tk._('"%(field)s" takes a date (e.g. 2026-04-01) (no ranges)', field=field)
    if isinstance(column.type, sa.Boolean):
        return tk._('"%(field)s" takes true or false (no ranges)', field=field)
    return tk._('"%(field)s" takes an integer (no ranges)', field=field)


@tk.side_effect_free
@tk.chained_action
def activity_show(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Core activity_show: its auth function reads ``include_data`` without a
    default (KeyError, 500); the documented default is true."""
    data_dict.setdefault("include_data", True)
    return up_func(context, data_dict)

