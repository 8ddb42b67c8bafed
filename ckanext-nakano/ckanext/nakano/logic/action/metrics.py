"""Usage statistics and quality scores (docs/privacy.md)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ...metrics import quality, stats
from ...model import MetricEvent

__all__ = ["nakano_metrics_site", "nakano_metrics_dataset", "nakano_metrics_organization",
           "nakano_search_terms", "nakano_metrics_events"]


def _int(data_dict: DataDict, key: str, default: int, most: int, least: int = 1) -> int:
    try:
        return max(least, min(int(data_dict.get(key) or default), most))
    except (TypeError, ValueError):
        raise tk.ValidationError({key: [tk._("must be an integer")]})


@tk.side_effect_free
def nakano_metrics_site(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Usage of the whole portal (people only; bots counted apart).

    :param days: days of the daily series (default 90, at most 400)
    :returns: ``totals`` per kind (view, download, api, search, bots),
        ``daily`` series, ``top_datasets`` (last 30 days), ``departments``
        (ranked: the leaderboard), ``api_actions``, ``popular_searches`` and
        ``zero_result_searches`` (terms searched by enough visitors)
    """

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

    tk.check_access("nakano_metrics_events", context, data_dict)
    query = model.Session.query(MetricEvent).order_by(MetricEvent.ts.desc(), MetricEvent.id)
    if data_dict.get("kind"):
        query = query.filter(MetricEvent.kind == data_dict["kind"])
    rows = query.offset(_int(data_dict, "offset", 0, 10**9, least=0)).limit(_int(data_dict, "limit", 100, 10000))
    return [{c.name: (getattr(e, c.name).isoformat() if c.name == "ts" else getattr(e, c.name))
             for c in MetricEvent.__table__.columns} for e in rows]
