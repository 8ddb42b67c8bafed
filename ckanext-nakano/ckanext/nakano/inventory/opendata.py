"""The open dataset 「保有データ一覧」: the register's public fields (items listed 公表), as CSV
(UTF-8 with BOM, the import's Japanese headers and the public datasets' addresses) and JSON,
published daily by the daily job as 「ポータル利用統計」 is (metrics/usage_dataset.py): a file
is uploaded again only when its content changed."""
from __future__ import annotations

import io
import json
from typing import Any

from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk

from .. import uploads
from . import export, store
from .values import ward_today as today

__all__ = ["publish", "FILES"]

FILES = [
    ("inventory.csv", "保有データ一覧（CSV） / Data inventory (CSV)", "CSV", "text/csv",
     "区の各部が保有するデータの一覧（公表するもの）。公開状況、公開予定時期、非公開理由を含みます。"),
    ("inventory.json", "保有データ一覧（JSON） / Data inventory (JSON)", "JSON", "application/json",
     "同じ内容の JSON。コード値と日本語の表示名の両方を含みます。"),
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


def _stored(resource: dict[str, Any]) -> bytes | None:
    if resource.get("url_type") != "upload":
        return None
    try:
        return uploads.read_bytes(resource)
    except OSError:
        return None


def publish() -> dict[str, Any]:
    """Create or update 「保有データ一覧」 with today's files."""
    name = tk.config["ckanext.nakano.inventory.dataset"]
    org = tk.config["ckanext.nakano.metrics.organization"]
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

    def context() -> dict[str, Any]:
        return {"user": site_user, "ignore_auth": True}

    try:
        pkg = tk.get_action("package_show")(context(), {"id": name})
    except tk.ObjectNotFound:
        pkg = tk.get_action("package_create")(context(), _dataset_dict(name, org))
    existing = {r["name"]: r for r in pkg.get("resources", [])}
    content = files()
    stamp = today().isoformat()
    for filename, title, fmt, mimetype, description in FILES:
        if title in existing and _stored(existing[title]) == content[filename]:
            continue  # unchanged: no new upload, no reload of its DataStore table
        upload = FileStorage(stream=io.BytesIO(content[filename]), filename=filename, content_type=mimetype)
        fields = {"name": title, "description": f"{description}（{stamp} 時点）", "format": fmt,
                  "encoding": "UTF-8", "upload": upload, "url": filename}
        if title in existing:
            tk.get_action("resource_update")(context(), {**existing[title], **fields})
        else:
            tk.get_action("resource_create")(context(), {"package_id": pkg["id"], **fields})
    return tk.get_action("package_patch")(context(), {"id": pkg["id"], "modified": stamp})
