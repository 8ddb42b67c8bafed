"""Does the search index match the database? ``ckan nakano search-index verify``.

Solr can miss edits (stopped or unreachable while CKAN wrote, a restore, a
job that failed half-way). The database is the truth: every dataset CKAN
indexes must be in Solr with the same ``metadata_modified``, and Solr must
hold nothing else of this site. ``fix`` reindexes the missing and stale
datasets and removes the orphans.
"""
from __future__ import annotations

import datetime
import time
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.search import SearchIndexError, commit, index_for, rebuild
from ckan.lib.search.common import make_connection

PAGE = 1000


def _stamp(value: datetime.datetime) -> str:
    """A time as Solr keeps it: UTC, to the millisecond."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"


def _solr_stamp(value: str) -> str:
    value = value.rstrip("Z")
    second, _, fraction = value.partition(".")
    return f"{second}.{(fraction + '000')[:3]}"


def in_database() -> dict[str, str]:
    """The datasets CKAN indexes (all but deleted ones, as ``search-index rebuild``)."""
    query = model.Session.query(model.Package.id, model.Package.metadata_modified)
    if tk.config.get("ckan.search.remove_deleted_packages"):
        query = query.filter(model.Package.state != "deleted")
    return {pid: _stamp(modified) for pid, modified in query}


class PurgedMeanwhile(SearchIndexError):
    """A dataset purged while another request or job was saving it."""


def refuse_purged(package_id: str) -> None:
    """Refuse to index a dataset that is no longer in the database.

    CKAN indexes before it commits: a job updating a dataset (xloader marking
    its table loaded) while another request purges it would put the purged
    dataset back into search. PostgreSQL shows a committed purge to the next
    statement, so the row is looked up again and the late update fails instead.
    """
    if model.Session.query(model.Package.id).filter(model.Package.id == package_id).first() is None:
        raise PurgedMeanwhile(f"dataset {package_id} was purged meanwhile: not indexed")


def in_index() -> dict[str, str]:
    conn = make_connection(decode_dates=False)
    site = tk.config["ckan.site_id"]
    found: dict[str, str] = {}
    start = 0
    while True:
        page = conn.search(q="*:*", fq=[f'+site_id:"{site}"', "+entity_type:package"], fl="id,metadata_modified",
                           sort="id asc", rows=PAGE, start=start)
        for doc in page.docs:
            found[doc["id"]] = _solr_stamp(doc.get("metadata_modified", ""))
        start += PAGE
        if start >= page.hits:
            return found


def _compare() -> dict[str, Any]:
    database, index = in_database(), in_index()
    return {
        "database": len(database), "index": len(index),
        "missing": sorted(set(database) - set(index)),
        "stale": sorted(pid for pid in set(database) & set(index) if database[pid] != index[pid]),
        "orphans": sorted(set(index) - set(database)),
        "fixed": False,
    }


def verify(fix: bool = False, settle: float = 0) -> dict[str, Any]:
    """Missing, stale and orphan datasets of the index; reindexed or removed with ``fix``.

    ``settle``: seconds to wait and compare again before fixing, keeping only
    what differs both times. An edit in progress is in Solr before it is in
    the database (CKAN indexes, then commits); the upkeep's periodic check
    must not "repair" it back to the old version.
    """
    result = _compare()
    kinds = ("missing", "stale", "orphans")
    if fix and settle and any(result[k] for k in kinds):
        time.sleep(settle)
        again = _compare()
        result = {**again, **{k: sorted(set(result[k]) & set(again[k])) for k in kinds}}
    if fix and any(result[k] for k in kinds):
        rebuild(package_ids=result["missing"] + result["stale"], quiet=True)
        package_index = index_for(model.Package)
        for orphan in result["orphans"]:
            package_index.remove_dict({"id": orphan})
        commit()
        result["fixed"] = True
    return result


def repair() -> dict[str, int]:
    """The upkeep's periodic check: differences that stay after a few seconds
    are repaired; how many of each kind."""
    result = verify(fix=True, settle=5)
    return {kind: len(result[kind]) for kind in ("missing", "stale", "orphans")}
