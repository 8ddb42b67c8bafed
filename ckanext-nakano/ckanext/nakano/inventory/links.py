"""Datasets and items: the dataset field ``inventory_item`` names the item a dataset
publishes. An item with a public dataset is 公開済（オープンデータ） by itself; when the last
one is made private, deleted or purged it goes back to the status its department declared.
Each such change is recorded with the dataset that caused it (a coded note).

:func:`sync` runs after every action that creates, changes, deletes or purges datasets
(subscriptions.py) and daily for all items (upkeep), so the register stays true even after
a change made outside the actions.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from ckan import model

from ..model import InventoryItem
from . import schema, store

__all__ = ["datasets_of", "sync", "sync_for_dataset", "unregistered", "LINK_FIELD"]

LINK_FIELD = "inventory_item"
_LINKED = sa.text("p.extras ? 'inventory_item'")


def datasets_of(item_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """item id → its active datasets (``id``, ``name``, ``title``, ``private``), public ones first."""
    ids = list(item_ids)
    if not ids:
        return {}
    rows = model.Session.execute(sa.text("""
        select p.extras ->> 'inventory_item' as item, p.id, p.name, p.title, p.private
        from package p where p.extras ? 'inventory_item' and p.extras ->> 'inventory_item' = any(:ids)
          and p.state = 'active' and p.type = 'dataset'
        order by p.private, p.title"""), {"ids": ids})
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row.item, []).append({"id": row.id, "name": row.name, "title": row.title,
                                               "private": row.private})
    return found


def sync(item_ids: Iterable[str] | None = None, commit: bool = True) -> int:
    """Put the given items (all when None) and every item that is 公開済 by a dataset into the
    status their datasets give them; returns how many changed. Commits unless ``commit`` is
    false (inside an action that commits later: ``defer_commit``)."""
    query = model.Session.query(InventoryItem).filter(InventoryItem.state == "active")
    if item_ids is not None:
        # The given items, and those 公開済 by a dataset that no public dataset links to any
        # more (one indexed anti-join: the others need no look).
        orphaned = sa.and_(
            InventoryItem.status == schema.OPEN_DATA, InventoryItem.declared_status != schema.OPEN_DATA,
            sa.text("""not exists (select 1 from package p where p.extras ? 'inventory_item'
                and p.extras ->> 'inventory_item' = nakano_inventory_item.id
                and p.state = 'active' and p.type = 'dataset' and not p.private)"""))
        query = query.filter(sa.or_(InventoryItem.id.in_(list(item_ids) or [""]), orphaned))
    items = query.all()
    public = {item: [d for d in found if not d["private"]]
              for item, found in datasets_of(i.id for i in items).items()}
    changed = 0
    now = datetime.datetime.utcnow()
    for item in items:
        shown = public.get(item.id) or []
        status = schema.OPEN_DATA if shown else item.declared_status
        if status == item.status:
            continue
        if shown:
            note = {"code": "inventory-dataset-published", "values": {"title": shown[0]["title"]}}
        else:
            note = {"code": "inventory-dataset-withdrawn",
                    "values": {"title": _last_title(item.id), "status": {"labels": _status_labels(status)}}}
        store.record(item.id, "status", {"status": [item.status, status]}, None, note)
        item.status, item.status_since, item.modified = status, now, now
        item.search_text = store.search_text({**store.view_values(item)}, _title(item.organization_id))
        changed += 1
    if commit:
        model.Session.commit()
    else:
        model.Session.flush()
    return changed


def _status_labels(status: str) -> dict[str, Any]:
    return next(c for c in schema.field("status").choices if c["value"] == status)


def _title(org_id: str) -> str:
    org = model.Group.get(org_id)
    return org.title if org is not None else ""


def _last_title(item_id: str) -> str:
    """The title of the dataset that made the item 公開済 (it may be purged by now)."""
    row = model.Session.execute(sa.text("""
        select note -> 'values' ->> 'title' from nakano_inventory_change
        where item_id = :id and note ->> 'code' = 'inventory-dataset-published' order by id desc limit 1"""),
        {"id": item_id}).scalar()
    return row or ""


def sync_for_dataset(dataset: dict[str, Any], commit: bool = True) -> int:
    """After an action on a dataset (its dict, or only its ``id``): its item (if any) and the items
    its change may have left."""
    item = dataset.get(LINK_FIELD)
    if LINK_FIELD not in dataset and isinstance(dataset.get("id"), str):
        item = model.Session.execute(sa.text(
            "select extras ->> 'inventory_item' from package where id = :id or name = :id"),
            {"id": dataset["id"]}).scalar()
    return sync([item] if item else [], commit)


def unregistered(org_id: str) -> list[dict[str, Any]]:
    """The department's active datasets that no item of its register claims (台帳未登録)."""
    rows = model.Session.execute(sa.text("""
        select p.id, p.name, p.title, p.private from package p
        where p.owner_org = :org and p.state = 'active' and p.type = 'dataset'
          and not exists (select 1 from nakano_inventory_item i where i.state = 'active'
                          and i.organization_id = p.owner_org and i.id = p.extras ->> 'inventory_item')
        order by p.title"""), {"org": org_id})
    return [dict(r._mapping) for r in rows]
