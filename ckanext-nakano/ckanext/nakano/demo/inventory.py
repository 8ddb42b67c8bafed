"""The demo register (demo/inventory.yaml): an item for every demo dataset, made from it
and linked to it, and each department's other assets in every state (idempotent)."""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

import ckan.plugins.toolkit as tk
from ckan import model

from ..inventory import from_dataset, links, schema, store
from ..inventory.values import ward_today

__all__ = ["load_inventory"]

HERE = Path(__file__).parent


def _site_context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def _dataset_items(dataset_names: list[str], codes: dict[str, str]) -> int:
    """One item per demo dataset, numbered per department (KK-001 …), linked to it."""
    created = 0
    numbers: dict[str, int] = {}
    for name in dataset_names:
        pkg = tk.get_action("package_show")(_site_context(), {"id": name})
        org = (pkg.get("organization") or {}).get("name", "")
        numbers[org] = numbers.get(org, 0) + 1
        if pkg.get("inventory_item") or org not in codes:
            continue
        local_id = f"{codes[org]}-{numbers[org]:03d}"
        existing = store.find(local_id, org)
        if existing is None:
            item = tk.get_action("nakano_inventory_item_create")(_site_context(), {
                **from_dataset.item_fields(pkg, local_id), "department": org})
            item_id = item["id"]
            created += 1
        else:
            item_id = existing.id
        tk.get_action("package_patch")(_site_context(), {"id": pkg["id"], "inventory_item": item_id})
    return created


def _other_items(entries: list[dict[str, Any]]) -> int:
    created = 0
    for entry in entries:
        org = model.Group.get(entry["department"])
        if org is None or store.find(entry["local_id"], org.name) is not None:
            continue
        as_of = datetime.date.fromisoformat(entry["as_of"]) if entry.get("as_of") else ward_today()
        fields = {k: v for k, v in entry.items() if k not in ("department", "as_of", "since")}
        data, errors = tk.navl_validate(fields, schema.navl_schema(), {"model": model, schema.TODAY: as_of})
        if errors:
            raise ValueError(f"demo/inventory.yaml {entry['local_id']}: {errors}")
        item, _ = store.save(None, org.id, data, None, department_title=org.title)
        if entry.get("since"):
            item.status_since = datetime.datetime.fromisoformat(entry["since"])
        created += 1
    model.Session.commit()
    return created


def load_inventory(dataset_names: list[str]) -> int:
    """Register the demo items; returns how many were created."""
    data = yaml.safe_load((HERE / "inventory.yaml").read_text(encoding="utf-8"))
    created = _dataset_items(dataset_names, data["codes"]) + _other_items(data["items"])
    links.sync()
    return created
