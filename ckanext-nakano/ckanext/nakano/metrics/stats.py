"""Figures read from the rollups: site, dataset, department, searches.

Public figures count public, active datasets only; a private dataset's
views never show outside its department.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from .. import vocab
from ..data_requests import figures as request_figures
from ..inventory import figures as inventory_figures
from ..reader import Reader
from ..reuses import figures as reuse_figures
from .events import today

PUBLIC = "p.state = 'active' and p.type = 'dataset' and not p.private"


def query_rows(sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in model.Session.execute(sa.text(sql), params)]


def _since(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days - 1)


def daily_series(days: int = 90) -> list[dict[str, Any]]:
    """Views, downloads, API calls and searches per day (every day, zeros included)."""
    start = _since(days)
    found = {(r["day"], r["kind"]): r["count"] for r in query_rows(
        "select day, kind, count from nakano_metric_daily where scope = 'site' and day >= :start", start=start)}
    series = []
    for i in range(days):
        day = start + datetime.timedelta(days=i)
        series.append({"day": day.isoformat(), **{k: found.get((day, k), 0)
                                                   for k in ("view", "download", "api", "search")}})
    return series


def totals() -> dict[str, int]:
    """All-time totals per kind (bots apart)."""
    rows = query_rows("select kind, sum(count) as n, sum(bots) as b from nakano_metric_daily "
                 "where scope = 'site' group by kind")
    out = {r["kind"]: int(r["n"]) for r in rows}
    out["bots"] = sum(int(r["b"]) for r in rows)
    return out


def top_datasets(days: int = 30, limit: int = 10, organization_id: str | None = None) -> list[dict[str, Any]]:
    org = "and p.owner_org = :org" if organization_id else ""
    return query_rows(f"""
        select p.id, p.name, p.title, p.owner_org,
               coalesce(sum(d.count) filter (where d.kind = 'view'), 0) as views,
               coalesce(sum(d.count) filter (where d.kind = 'download'), 0) as downloads
        from nakano_metric_daily d join package p on p.id = d.subject
        where d.scope = 'dataset' and d.day >= :start and {PUBLIC} {org}
        group by p.id having coalesce(sum(d.count) filter (where d.kind in ('view', 'download')), 0) > 0
        order by views desc, downloads desc, p.name limit :limit""",
                 start=_since(days), limit=limit, org=organization_id)


def usage(scope: str, subject: str, days: int = 30) -> dict[str, int]:
    """Views, downloads, API reads and visitors of one dataset/resource: last ``days`` and total."""
    rows = query_rows("""select kind,
                           sum(count) as total, sum(count) filter (where day >= :start) as recent,
                           sum(visitors) filter (where day >= :start) as visitors
                    from nakano_metric_daily where scope = :scope and subject = :subject group by kind""",
                 scope=scope, subject=subject, start=_since(days))
    out = {"views_total": 0, "views_recent": 0, "downloads_total": 0, "downloads_recent": 0,
           "api_total": 0, "api_recent": 0, "visitors_recent": 0, "days": days}
    names = {"view": "views", "download": "downloads", "api": "api"}
    for r in rows:
        if r["kind"] in names:
            out[f"{names[r['kind']]}_total"] = int(r["total"] or 0)
            out[f"{names[r['kind']]}_recent"] = int(r["recent"] or 0)
        if r["kind"] == "view":
            out["visitors_recent"] = int(r["visitors"] or 0)
    return out


def departments(days: int = 30) -> list[dict[str, Any]]:
    """Per department: datasets, average score (%), overdue, standard datasets, usage, the
    register's open data rate and overdue planned items (``inventory_*``), published reuses of
    its data and data requests received, answered and the median days to a first answer;
    ranked (leaderboard) by average score, then standard datasets, then views."""
    national = len(vocab.standard_datasets()["datasets"])
    rows = query_rows(f"""
        with ds as (
          select p.owner_org as org, count(*) as datasets,
                 round(avg(100.0 * q.score / nullif(q.max_score, 0))) as score,
                 count(*) filter (where q.freshness = 'overdue') as overdue,
                 count(distinct nullif(p.extras ->> 'standard_dataset', '')) as standards
          from package p left join nakano_quality q on q.package_id = p.id
          where {PUBLIC} group by p.owner_org),
        use as (
          select p.owner_org as org,
                 sum(d.count) filter (where d.kind = 'view') as views,
                 sum(d.count) filter (where d.kind = 'download') as downloads
          from nakano_metric_daily d join package p on p.id = d.subject
          where d.scope = 'dataset' and d.day >= :start and {PUBLIC} group by p.owner_org)
        select g.id, g.name, g.title, g.extras ->> 'title_en' as title_en,
               coalesce(ds.datasets, 0) as datasets, ds.score, coalesce(ds.overdue, 0) as overdue,
               coalesce(ds.standards, 0) as standards,
               coalesce(use.views, 0) as views, coalesce(use.downloads, 0) as downloads
        from "group" g left join ds on ds.org = g.id left join use on use.org = g.id
        where g.is_organization and g.state = 'active'
        order by ds.score desc nulls last, standards desc, views desc, g.name""", start=_since(days))
    # The register's figures of each department (items listed 公表: the leaderboard is public).
    inventory = inventory_figures.department_rows(Reader(None))
    # What was made of its data, and what people asked it for (public: published and listed only).
    reuses = reuse_figures.per_department()
    requests = request_figures.department_figures()
    for rank, row in enumerate(rows, 1):
        held = inventory.get(row["id"]) or {}
        row.update(inventory_items=held.get("total", 0), inventory_open_rate=held.get("open_rate"),
                   inventory_overdue=held.get("overdue", 0))
        asked = requests.get(row["id"]) or {}
        row.update(reuses=reuses.get(row["id"], 0), requests_received=asked.get("received", 0),
                   requests_answered=asked.get("answered", 0), requests_median_days=asked.get("median_days"))
        row.update(rank=rank, standards_of=national,
                   score=int(row["score"]) if row["score"] is not None else None,
                   **{k: int(row[k]) for k in ("datasets", "overdue", "standards", "views", "downloads")})
    return rows


def department_datasets(organization_id: str, include_private: bool) -> list[dict[str, Any]]:
    """A department's datasets with score, freshness and problems to fix (dashboard)."""
    private = "" if include_private else "and not p.private"
    rows = query_rows(f"""
        select p.id, p.name, p.title, p.private, q.score, q.max_score, q.freshness,
               q.detail -> 'freshness' ->> 'due' as due,
               (select count(*) from nakano_validation v join resource r on r.id = v.resource_id
                 where r.package_id = p.id and r.state = 'active' and v.status in ('invalid', 'error')) as invalid,
               (select count(*) from nakano_link_check l join resource r on r.id = l.resource_id
                 where r.package_id = p.id and r.state = 'active' and l.status <> 'ok') as broken,
               coalesce((select sum(d.count) from nakano_metric_daily d where d.scope = 'dataset'
                 and d.subject = p.id and d.kind = 'view' and d.day >= :start), 0) as views,
               coalesce((select sum(d.count) from nakano_metric_daily d where d.scope = 'dataset'
                 and d.subject = p.id and d.kind = 'download' and d.day >= :start), 0) as downloads
        from package p left join nakano_quality q on q.package_id = p.id
        where p.owner_org = :org and p.state = 'active' and p.type = 'dataset' {private}
        order by q.score nulls first, p.name""", org=organization_id, start=_since(30))
    for row in rows:
        row["percent"] = round(100 * row["score"] / row["max_score"]) if row["score"] is not None else None
        row["problems"] = [p for p, on in (("invalid", row["invalid"]), ("overdue", row["freshness"] == "overdue"),
                                           ("broken", row["broken"])) if on]
        row["views"], row["downloads"] = int(row["views"]), int(row["downloads"])
    return rows


def search_terms(days: int = 30, limit: int = 20, zero_only: bool = False,
                 min_visitors: int | None = None) -> list[dict[str, Any]]:
    """Most frequent searches (or those that found nothing). A term is listed only
    when at least ``min_visitors`` visitors searched it, so what one person
    typed (a name, an address) does not become public."""
    if min_visitors is None:
        min_visitors = tk.config["ckanext.nakano.metrics.search_terms_min_visitors"]
    zero = "having sum(zero_results) > 0" if zero_only else ""
    rows = query_rows(f"""
        select query, sum(searches) as searches, sum(zero_results) as zero_results, sum(visitors) as visitors
        from nakano_search_daily where day >= :start group by query {zero}
        order by {'zero_results' if zero_only else 'searches'} desc, query limit :limit""",
                 start=_since(days), limit=limit * 5)
    return [{k: (int(v) if k != "query" else v) for k, v in r.items()}
            for r in rows if int(r["visitors"]) >= min_visitors][:limit]


def api_actions(days: int = 30) -> list[dict[str, Any]]:
    rows = query_rows("""select subject as action, sum(count) as calls, sum(authenticated) as authenticated
                    from nakano_metric_daily where scope = 'action' and kind = 'api' and day >= :start
                    group by subject order by calls desc, subject""", start=_since(days))
    return [{"action": r["action"], "calls": int(r["calls"]), "authenticated": int(r["authenticated"]),
             "anonymous": int(r["calls"]) - int(r["authenticated"])} for r in rows]


def dataset_view_counts(package_id: str, days: int = 30) -> tuple[int, int]:
    """(views of the last ``days`` days, all views) of a dataset page, for the search index."""
    row = model.Session.execute(sa.text("""
        select coalesce(sum(count) filter (where day >= :start), 0), coalesce(sum(count), 0)
        from nakano_metric_daily where scope = 'dataset' and kind = 'view' and subject = :id"""),
        {"id": package_id, "start": _since(days)}).one()
    return int(row[0]), int(row[1])


def recently_viewed_ids(days: int = 31) -> list[str]:
    """Datasets with page views in the last ``days`` days."""
    return [r["subject"] for r in query_rows("""
        select distinct subject from nakano_metric_daily
        where scope = 'dataset' and kind = 'view' and day >= :start""", start=_since(days))]
