"""The open dataset 「ポータル利用統計」: the rollups as CSV files, updated daily.

Each CSV is regenerated from the rollups and uploaded as a new version of
its resource when its content changed (an unchanged file is not uploaded
again, so the DataStore table loaded from it stays in place); only public
figures go in (public datasets, search terms above the visitor threshold).
"""
from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import ckan.plugins.toolkit as tk

from .. import open_dataset
from ..spreadsheet_safety import excel_safe
from ..open_dataset import PublishedFile
from ..reuses import figures as reuse_figures
from . import stats
from .events import today

FILES = [
    PublishedFile("daily.csv", "日別利用数 / Usage per day", "日別の閲覧・ダウンロード・API呼出し・検索の数（ボットを除く）"),
    PublishedFile("datasets.csv", "データセット別利用数と品質 / Usage and quality per dataset",
                  "公開データセットごとの閲覧・ダウンロード数（30日間・累計）と品質スコア"),
    PublishedFile("departments.csv", "部署別の公開状況 / Publishing per department",
                  "部署ごとのデータセット数、平均品質スコア、更新遅れ、標準データセット数、利用数（順位付き）"),
    PublishedFile("reuses.csv", "活用事例 / Reuses",
                  "ポータルのデータから作られたアプリ・分析・記事などの活用事例（掲載中のもの）と、使ったデータセット"),
    PublishedFile("search_terms.csv", "検索語 / Search terms",
                  "過去30日の検索語と、結果0件の回数（一定数以上の利用者が検索した語のみ）"),
    PublishedFile("api_actions.csv", "API利用数 / API calls per action",
                  "過去30日のAPIアクション別の呼出し数（匿名・認証別）"),
]


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    """Cells people typed (search terms, reuses' titles) may start like a formula: written so
    that a spreadsheet keeps them text (spreadsheet_safety.py)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([excel_safe(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")


def tables() -> dict[str, bytes]:
    """The CSV files, as published."""
    first = stats.query_rows("select min(day) as d from nakano_metric_daily where scope = 'site'")[0]["d"]
    days = (today() - first).days + 1 if first else 1
    daily = stats.daily_series(days)
    bots = {r["day"].isoformat(): int(r["b"]) for r in stats.query_rows(
        "select day, sum(bots) as b from nakano_metric_daily where scope = 'site' group by day")}
    datasets = stats.query_rows(f"""
        select p.name, p.title, g.name as department, q.score, q.max_score, q.freshness,
          coalesce(sum(d.count) filter (where d.kind = 'view' and d.day >= :start), 0) as views_30d,
          coalesce(sum(d.count) filter (where d.kind = 'download' and d.day >= :start), 0) as downloads_30d,
          coalesce(sum(d.count) filter (where d.kind = 'view'), 0) as views_total,
          coalesce(sum(d.count) filter (where d.kind = 'download'), 0) as downloads_total
        from package p left join "group" g on g.id = p.owner_org
          left join nakano_quality q on q.package_id = p.id
          left join nakano_metric_daily d on d.scope = 'dataset' and d.subject = p.id
        where {stats.PUBLIC} group by p.id, g.name, q.package_id order by p.name""",
                           start=today() - datetime.timedelta(days=29))
    terms = stats.search_terms(limit=1000)
    return {
        "daily.csv": _csv(["date", "views", "downloads", "api_calls", "searches", "bots"],
                          [[d["day"], d["view"], d["download"], d["api"], d["search"], bots.get(d["day"], 0)]
                           for d in daily]),
        "datasets.csv": _csv(["dataset", "title", "department", "score", "max_score", "freshness", "views_30d",
                              "downloads_30d", "views_total", "downloads_total"],
                             [[r["name"], r["title"], r["department"], r["score"], r["max_score"], r["freshness"],
                               r["views_30d"], r["downloads_30d"], r["views_total"], r["downloads_total"]]
                              for r in datasets]),
        "departments.csv": _csv(["rank", "department", "title", "datasets", "average_score_percent",
                                 "overdue", "standard_datasets", "standard_datasets_national", "views_30d",
                                 "downloads_30d", "reuses", "requests_received", "requests_answered",
                                 "requests_median_days_to_first_answer"],
                                [[r["rank"], r["name"], r["title"], r["datasets"], r["score"], r["overdue"],
                                  r["standards"], r["standards_of"], r["views"], r["downloads"], r["reuses"],
                                  r["requests_received"], r["requests_answered"], r["requests_median_days"]]
                                 for r in stats.departments()]),
        "reuses.csv": _csv(["name", "title", "kind", "kind_label", "provider", "provider_kind", "url", "published",
                            "datasets"], reuse_figures.published_rows()),
        "search_terms.csv": _csv(["query", "searches", "zero_results", "visitors"],
                                 [[t["query"], t["searches"], t["zero_results"], t["visitors"]] for t in terms]),
        "api_actions.csv": _csv(["action", "calls", "anonymous", "authenticated"],
                                [[a["action"], a["calls"], a["anonymous"], a["authenticated"]]
                                 for a in stats.api_actions()]),
    }


def _dataset_dict(name: str, org: str) -> dict[str, Any]:
    return {
        "name": name, "owner_org": org,
        "title": "ポータル利用統計", "title_en": "Open data portal usage statistics",
        "notes": "中野区オープンデータポータルの利用統計（閲覧数、ダウンロード数、API呼出し数、検索語）と、"
                 "部署別・データセット別の公開品質。毎日更新。IPアドレスは記録していません。",
        "notes_en": "Usage of the Nakano open data portal (views, downloads, API calls, searches) and "
                    "publishing quality per department and dataset. Updated daily. No IP addresses are kept.",
        "category": "行財政", "license_id": "cc-by",
        "frequency": "http://publications.europa.eu/resource/authority/frequency/DAILY",
        "tags": [{"name": "オープンデータ"}, {"name": "利用統計"}],
        "spatial_coverage": [{"text": "中野区全域"}],
        "issued": today().isoformat(),
    }


def publish() -> dict[str, Any]:
    """Create or update 「ポータル利用統計」 with today's CSV files."""
    name = tk.config["ckanext.nakano.metrics.dataset"]
    org = tk.config["ckanext.nakano.metrics.organization"]
    return open_dataset.publish(name, org, lambda: _dataset_dict(name, org), FILES, tables, today().isoformat())
