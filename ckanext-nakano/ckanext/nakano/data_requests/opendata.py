"""The open dataset 「データ要望一覧」: the listed data requests and the departments' answers,
as CSV (UTF-8 with BOM) and JSON, published daily as 「保有データ一覧」 is (open_dataset.py).
No personal data: no address, and the requester's name only where they chose to show it."""
from __future__ import annotations

import codecs
import csv
import io
import json
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from .. import open_dataset
from ..spreadsheet_safety import excel_safe
from ..inventory.values import ward_today as today
from ..model import DataRequest
from ..open_dataset import PublishedFile
from ..reader import Reader
from . import store

__all__ = ["publish", "FILES", "records"]

FILES = [
    PublishedFile("data_requests.csv", "データ要望一覧（CSV） / Data requests (CSV)",
                  "区民・企業・大学などから寄せられたデータ要望と、各部の回答（状況、公開予定時期、公開先、対応できない理由）。"),
    PublishedFile("data_requests.json", "データ要望一覧（JSON） / Data requests (JSON)",
                  "同じ内容の JSON。コード値と日本語の表示名の両方を含みます。", "JSON", "application/json"),
]
COLUMNS = ["id", "title", "description", "purpose", "purpose_label", "format_wanted", "department", "status",
           "status_label", "planned_month", "dataset", "decline_reason", "decline_reason_label", "answer",
           "supporters", "created", "first_answer", "merged_into", "requester"]


def records() -> list[dict[str, Any]]:
    """The listed requests as an outsider sees them, oldest first."""
    outsider = Reader(None)
    rows = (model.Session.query(DataRequest).filter(DataRequest.state.in_(store.LISTED))
            .order_by(DataRequest.id).all())
    out = []
    for request in rows:
        shown = store.dictize(request, outsider, lang="ja")
        out.append({"id": shown["id"], "title": shown["title"], "description": shown["description"],
                    "purpose": shown["purpose"], "purpose_label": shown["labels"]["purpose"],
                    "format_wanted": shown["format_wanted"],
                    "department": (shown["department"] or {}).get("title", ""), "status": shown["status"],
                    "status_label": shown["labels"]["status"], "planned_month": shown["planned_month"] or "",
                    "dataset": tk.url_for("dataset.read", id=shown["dataset"]["name"], _external=True)
                    if shown["dataset"] else "",
                    "decline_reason": shown["decline_reason"] or "",
                    "decline_reason_label": shown["labels"].get("decline_reason", ""),
                    "answer": shown["answer"], "supporters": shown["supporters"], "created": shown["created"][:10],
                    "first_answer": (shown["first_answer"] or "")[:10], "merged_into": shown["merged_into"] or "",
                    "requester": shown["requester"] or ""})
    return out


def files() -> dict[str, bytes]:
    found = records()
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    # What requesters typed may start like a formula: kept text for spreadsheets (the JSON as typed).
    writer.writerows({k: excel_safe(v) for k, v in row.items()} for row in found)
    return {"data_requests.csv": codecs.BOM_UTF8 + out.getvalue().encode("utf-8"),
            "data_requests.json": json.dumps({"requests": found}, ensure_ascii=False, indent=1).encode("utf-8")}


def _dataset_dict(name: str, org: str) -> dict[str, Any]:
    return {
        "name": name, "owner_org": org, "title": "データ要望一覧", "title_en": "Data requests to Nakano City",
        "notes": "中野区オープンデータポータルに寄せられたデータ要望と、各部の回答の一覧。個人を特定する情報は含みません"
                 "（要望者の名前は、本人が表示を選んだ場合のみ）。毎日更新。",
        "notes_en": "The data requests sent to the Nakano open data portal and the departments' answers. No personal "
                    "data (a requester's name only where they chose to show it). Updated daily.",
        "category": "行財政", "license_id": "cc-by",
        "frequency": "http://publications.europa.eu/resource/authority/frequency/DAILY",
        "tags": [{"name": "オープンデータ"}, {"name": "データ要望"}],
        "spatial_coverage": [{"text": "中野区全域"}], "issued": today().isoformat(),
    }


def publish() -> dict[str, Any]:
    """Create or update 「データ要望一覧」 with today's files."""
    name = tk.config["ckanext.nakano.requests.dataset"]
    org = tk.config["ckanext.nakano.metrics.organization"]
    return open_dataset.publish(name, org, lambda: _dataset_dict(name, org), FILES, files, today().isoformat())
