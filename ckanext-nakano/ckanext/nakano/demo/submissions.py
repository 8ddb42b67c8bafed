"""The demo reuses and data requests (demo/submissions.yaml): every state represented, each
marked as an example (idempotent: an entry whose title exists is left alone)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ckan import model

from ..data_requests import store as request_store
from ..inventory import store as inventory_store
from ..model import DataRequest, DataRequestSupport, Reuse
from ..reader import Reader
from ..reuses import store as reuse_store

__all__ = ["load_submissions"]

HERE = Path(__file__).parent
OFFICE = Reader(None, ignore_auth=True)


def _package_ids(names: list[str]) -> list[str]:
    found = [model.Package.get(n) for n in names]
    return [p.id for p in found if p is not None and p.state == "active"]


def _reuses(entries: list[dict[str, Any]]) -> int:
    created = 0
    for entry in entries:
        if model.Session.query(Reuse.id).filter(Reuse.title == entry["title"]).first():
            continue
        ids = _package_ids(entry["datasets"])
        if not ids:
            continue
        reuse = reuse_store.create(entry, ids, None, None)
        if entry["state"] in ("published", "rejected"):
            reuse_store.moderate(reuse, entry["state"] == "published", entry.get("reject_reason", ""), OFFICE)
        if entry.get("proposed"):
            reuse.proposed = {**{k: getattr(reuse, k) for k in reuse_store.EDITABLE}, **entry["proposed"],
                              "datasets": ids}
        created += 1
    return created


def _requests(entries: list[dict[str, Any]]) -> int:
    created = 0
    by_title: dict[str, DataRequest] = {}
    for entry in entries:
        existing = model.Session.query(DataRequest).filter(DataRequest.title == entry["title"]).first()
        if existing is not None:
            by_title[entry["title"]] = existing
            continue
        org = model.Group.get(entry["department"]) if entry.get("department") else None
        request = request_store.create(entry, org.id if org else None, None, None,
                                       "first-of-account" if entry.get("state") == "pending" else None)
        answer = {k: entry.get(k) for k in ("status", "planned_month", "decline_reason", "answer")}
        if entry.get("dataset"):
            answer["dataset_id"] = (model.Package.get(entry["dataset"]) or model.Package()).id
        if entry.get("inventory_item") and org is not None:
            item = inventory_store.find(entry["inventory_item"], org.name)
            answer["inventory_item_id"] = item.id if item is not None else None
        if entry.get("status", "received") != "received":
            request_store.respond(request, answer, None, by_department=True)
        for number in range(entry.get("supporters", 0)):
            model.Session.add(DataRequestSupport(request_id=request.id, user_id=f"demo-supporter-{number}"))
        request.supporters = entry.get("supporters", 0)
        if entry.get("merge_into") and entry["merge_into"] in by_title:
            request_store.merge(request, by_title[entry["merge_into"]], None)
        by_title[entry["title"]] = request
        created += 1
    return created


def load_submissions() -> tuple[int, int]:
    """Create the demo reuses and requests; returns how many of each were created."""
    data = yaml.safe_load((HERE / "submissions.yaml").read_text(encoding="utf-8"))
    done = _reuses(data["reuses"]), _requests(data["requests"])
    model.Session.commit()
    return done
