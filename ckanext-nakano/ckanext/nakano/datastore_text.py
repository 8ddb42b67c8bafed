"""``datastore_search?q=`` that finds Japanese inside cells.

CKAN's DataStore searches ``q`` through PostgreSQL full text search
(``to_tsvector`` with a Western configuration): Japanese has no spaces, so a
cell 「区立小学校」 is one lexeme and 小学校 matches only a whole cell. pg_bigm
and PGroonga would index Japanese, but neither is packaged by Debian 12 (the
portal's PostgreSQL comes from Debian; docker's official image neither), so:
a query with Japanese characters is searched as substrings instead — each
word, case-insensitively, somewhere in the row's cells (all words must
appear). Tables of the ward are small (thousands of rows); the measured cost
on larger ones is in docs/architecture.md. Queries without Japanese keep
CKAN's full text search (stemming, ranking).

Column names are quoted identifiers taken from the table's own fields, never
from the request; the words are bound parameters.
"""
from __future__ import annotations

import re
from typing import Any

from ckanext.datastore.backend.postgres import identifier

__all__ = ["japanese_substring_query"]

_JAPANESE = re.compile(r"[\u3041-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def _like_pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_QUERY_ALIAS = identifier("query")     # the DataStore's alias of the to_tsquery of q


def japanese_substring_query(data_dict: dict[str, Any], fields_types: dict[str, str],
                             query_dict: dict[str, Any]) -> dict[str, Any]:
    """IDatastore.datastore_search, after the DataStore's own hook (CKAN
    requires the datastore plugin to be the first IDatastore): for a string
    ``q`` with Japanese, its full-text clause, rank column and rank order are
    taken out again and one substring clause per word is added."""
    q = data_dict.get("q")
    if not isinstance(q, str) or not _JAPANESE.search(q) or data_dict.get("full_text"):
        return query_dict
    columns = [name for name, kind in fields_types.items() if not name.startswith("_") and name != "rank"]
    words = q.split()
    if not columns or not words:
        return query_dict
    query_dict["where"] = [c for c in query_dict["where"] if c[0] != f"_full_text @@ {_QUERY_ALIAS}"]
    query_dict["select"] = [c for c in query_dict["select"] if _QUERY_ALIAS not in c]
    query_dict["sort"] = [c for c in query_dict["sort"] if _QUERY_ALIAS not in c]
    query_dict["ts_query"] = ""
    fields_types.pop("rank", None)
    cells = "concat_ws(' ', " + ", ".join(f"{identifier(c)}::text" for c in columns) + ")"
    for n, word in enumerate(words):
        name = f"nakano_q{n}"
        query_dict["where"].append((f"{cells} ILIKE :{name} ESCAPE '\\'", {name: _like_pattern(word)}))
    return query_dict
