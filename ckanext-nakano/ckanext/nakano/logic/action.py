"""Actions of the nakano plugin (chained core actions)."""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Action, Context, DataDict

from ..model import Validation
from ..standard_tags import with_standard_tags

log = logging.getLogger(__name__)

__all__ = ["package_create", "package_update", "dataset_purge", "nakano_validation_show", "nakano_harvest_report",
           "nakano_metrics_site", "nakano_metrics_dataset", "nakano_metrics_organization",
           "nakano_search_terms", "nakano_metrics_events"]


SEARCH_DOWN = ("検索サーバーに接続できないため、保存しませんでした。入力した内容はこのままです。しばらくしてから"
               "もう一度保存してください。 / Search is unavailable, so nothing was saved. Your entries are kept: "
               "save again in a moment.")


def _saved_with_search(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """CKAN indexes a dataset before it commits it: with Solr away the edit fails
    (nothing saved), and CKAN's form would answer a bare 500 page and lose what
    the editor typed. As a validation error the form comes back filled in, with
    the reason; API clients get a 409 that says so."""
    from ckan.lib.search import SearchIndexError

    from ..index_check import PurgedMeanwhile

    try:
        return up_func(context, data_dict)
    except PurgedMeanwhile:
        raise
    except SearchIndexError:
        model.Session.rollback()
        raise tk.ValidationError({"search": [SEARCH_DOWN]})


@tk.chained_action
def package_create(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Core package_create, with the aggregator tags of standard datasets."""
    return _saved_with_search(up_func, context, with_standard_tags(data_dict))


@tk.chained_action
def package_update(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Core package_update, with the aggregator tags of standard datasets."""
    return _saved_with_search(up_func, context, with_standard_tags(data_dict))


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
    from ckan.lib.search import SearchIndexError, index_for

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
def nakano_validation_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The latest validation report of a resource.

    :param id: the resource id
    :returns: ``resource_id``, ``status`` (pending, valid, invalid, error or
        none when the resource is not tabular), ``report`` (issues with row and
        column, messages in Japanese and English) and ``updated``.
    """
    resource_id = tk.get_or_bust(data_dict, "id")
    tk.check_access("nakano_validation_show", context, data_dict)
    row = Validation.get(resource_id)
    if row is None:
        return {"resource_id": resource_id, "status": "none", "report": None, "updated": None}
    return {"resource_id": resource_id, "status": row.status, "report": row.report,
            "updated": row.updated.isoformat()}


@tk.side_effect_free
def nakano_harvest_report(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Harvest report per department: each source's last run, added / updated /
    not modified / errored counts, its errors (「日本語 / English」) and the
    files gone from their source (flagged, not deleted).

    :param department: an organization name (optional; default: every
        department the user may see — all of them for a sysadmin, their own
        for department members)
    """
    from ..harvest.report import department_report

    tk.check_access("nakano_harvest_report", context, data_dict)
    wanted = data_dict.get("department")
    user = context.get("auth_user_obj") or tk.current_user
    if context.get("ignore_auth") or getattr(user, "sysadmin", False):
        allowed = None
    else:
        allowed = [o["name"] for o in tk.get_action("organization_list_for_user")(
            {"user": context.get("user")}, {"permission": "read"})]
    if wanted:
        if allowed is not None and wanted not in allowed:
            raise tk.NotAuthorized("この部の収集報告は見られません / Not a member of this department")
        allowed = [wanted]
    return department_report(allowed)


def _int(data_dict: DataDict, key: str, default: int, most: int, least: int = 1) -> int:
    try:
        return max(least, min(int(data_dict.get(key) or default), most))
    except (TypeError, ValueError):
        raise tk.ValidationError({key: ["整数を指定してください / must be an integer"]})


@tk.side_effect_free
def nakano_metrics_site(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Usage of the whole portal (people only; bots counted apart).

    :param days: days of the daily series (default 90, at most 400)
    :returns: ``totals`` per kind (view, download, api, search, bots),
        ``daily`` series, ``top_datasets`` (last 30 days), ``departments``
        (ranked: the leaderboard), ``api_actions``, ``popular_searches`` and
        ``zero_result_searches`` (terms searched by enough visitors)
    """
    from ..metrics import stats

    tk.check_access("nakano_metrics_site", context, data_dict)
    days = _int(data_dict, "days", 90, 400)
    return {"totals": stats.totals(), "daily": stats.daily_series(days), "top_datasets": stats.top_datasets(),
            "departments": stats.departments(), "api_actions": stats.api_actions(),
            "popular_searches": stats.search_terms(limit=10),
            "zero_result_searches": stats.search_terms(limit=10, zero_only=True)}


@tk.side_effect_free
def nakano_metrics_dataset(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Views, downloads and API reads of a dataset (last 30 days and total), per
    resource, and its quality score with what would raise it.

    :param id: the dataset id or name
    """
    from ..metrics import quality, stats

    tk.check_access("nakano_metrics_dataset", context, data_dict)
    pkg = tk.get_action("package_show")(dict(context), {"id": tk.get_or_bust(data_dict, "id")})
    result = quality.evaluate(pkg)
    return {"id": pkg["id"], "name": pkg["name"], **stats.usage("dataset", pkg["id"]),
            "resources": [{"id": r["id"], **stats.usage("resource", r["id"])} for r in pkg["resources"]],
            "quality": result}


@tk.side_effect_free
def nakano_metrics_organization(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A department's figures: datasets, average score, overdue datasets, standard
    datasets published, views and downloads, its rank; for its members (and
    sysadmins) also each dataset with its problems, private ones included.

    :param id: the organization id or name
    """
    from ..metrics import stats

    tk.check_access("nakano_metrics_organization", context, data_dict)
    org = tk.get_action("organization_show")(dict(context), {"id": tk.get_or_bust(data_dict, "id"),
                                                              "include_datasets": False})
    ranked = next((d for d in stats.departments() if d["id"] == org["id"]), {})
    member = _can_edit_in(context, org["id"])
    return {**ranked, "id": org["id"], "name": org["name"], "member": bool(member),
            "datasets_detail": stats.department_datasets(org["id"], include_private=bool(member)),
            "top_datasets": stats.top_datasets(organization_id=org["id"])}


def _can_edit_in(context: Context, org_id: str) -> bool:
    """An editor (or admin) of the department, or a sysadmin."""
    if not context.get("user"):
        return False
    try:
        tk.check_access("package_create", {"user": context["user"]}, {"owner_org": org_id})
        return True
    except tk.NotAuthorized:
        return False


@tk.side_effect_free
def nakano_search_terms(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """What people search for: normalised query, searches, searches that found
    nothing, visitors. Public lists show a term only when enough visitors
    searched it (``ckanext.nakano.metrics.search_terms_min_visitors``);
    sysadmins see every term.

    :param zero_results: only the searches that found nothing (default false)
    :param days: period (default 30)
    :param limit: number of terms (default 20, at most 1000)
    """
    from ..metrics import stats

    tk.check_access("nakano_search_terms", context, data_dict)
    user = context.get("auth_user_obj") or tk.current_user
    return stats.search_terms(days=_int(data_dict, "days", 30, 400), limit=_int(data_dict, "limit", 20, 1000),
                              zero_only=tk.asbool(data_dict.get("zero_results")),
                              min_visitors=1 if getattr(user, "sysadmin", False) else None)


@tk.side_effect_free
def nakano_metrics_events(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Raw events, newest first (sysadmins only). They hold no IP address: the
    visitor is a daily pseudonym.

    :param kind: view, download, api, search, preview or outbound (optional)
    :param limit: default 100, at most 10,000
    :param offset: default 0
    """
    from ..model import MetricEvent

    tk.check_access("nakano_metrics_events", context, data_dict)
    query = model.Session.query(MetricEvent).order_by(MetricEvent.ts.desc(), MetricEvent.id)
    if data_dict.get("kind"):
        query = query.filter(MetricEvent.kind == data_dict["kind"])
    rows = query.offset(_int(data_dict, "offset", 0, 10**9, least=0)).limit(_int(data_dict, "limit", 100, 10000))
    return [{c.name: (getattr(e, c.name).isoformat() if c.name == "ts" else getattr(e, c.name))
             for c in MetricEvent.__table__.columns} for e in rows]
