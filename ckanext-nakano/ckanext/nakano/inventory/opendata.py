"""The open dataset 「保有データ一覧」: the register's public fields (items listed 公表), as CSV
(UTF-8 with BOM, the import's Japanese headers and the public datasets' addresses) and JSON,
published daily by the daily job as 「ポータル利用統計」 is (open_dataset.py)."""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk

from .. import open_dataset
from ..open_dataset import PublishedFile
from . import export, store
from .values import ward_today as today

__all__ = ["publish", "FILES"]

FILES = [
    PublishedFile("inventory.csv", "保有データ一覧（CSV） / Data inventory (CSV)",
                  "区の各部が保有するデータの一覧（公表するもの）。公開状況、公開予定時期、非公開理由を含みます。"),
    PublishedFile("inventory.json", "保有データ一覧（JSON） / Data inventory (JSON)",
                  "同じ内容の JSON。コード値と日本語の表示名の両方を含みます。", "JSON", "application/json"),
]


def files() -> dict[str, bytes]:
    return {
        "inventory.csv": export.register_file("csv", store.Reader(None), None, public_only=True),
        "inventory.json": json.dumps({"items": export.public_records()}, ensure_ascii=False,
                                     indent=1).encode("utf-8"),
    }


def _dataset_dict(name: str, org: str) -> dict[str, Any]:
    return {
        "name": name, "owner_org": org, "title": "保有データ一覧（データ棚卸台帳）",
        "title_en": "Data inventory of Nakano City",
        "notes": "中野区の各部が保有するデータの一覧（データ棚卸台帳のうち公表するもの）。オープンデータとして公開済みのもの、"
                 "公開予定のもの（時期）、非公開のもの（理由）を含みます。毎日更新。",
        "notes_en": "The data held by Nakano City's departments (the listed part of the data inventory): what is "
                    "open data, what is planned (and when) and what is not public (and why). Updated daily.",
        "category": "行財政", "license_id": "cc-by",
        "frequency": "http://publications.europa.eu/resource/authority/frequency/DAILY",
        "tags": [{"name": "オープンデータ"}, {"name": "データ棚卸"}],
        "spatial_coverage": [{"text": "中野区全域"}], "issued": today().isoformat(),
    }


def publish() -> dict[str, Any]:
    """Create or update 「保有データ一覧」 with today's files."""
    name = tk.config["ckanext.nakano.inventory.dataset"]
    org = tk.config["ckanext.nakano.metrics.organization"]
    return open_dataset.publish(name, org, lambda: _dataset_dict(name, org), FILES, files, today().isoformat())
