"""The register as the dataset form and page show it: the items a user may link a dataset to."""
from __future__ import annotations

from typing import Any

from ckan import model

from ..model import InventoryItem
from . import store

__all__ = ["item_choices", "visible_item"]


def _reader(user: Any) -> store.Reader:
    return store.Reader(user if isinstance(user, model.User) else None)


def item_choices(user: Any) -> list[dict[str, Any]]:
    """[{value, label}] of the active items of the departments ``user`` edits (all for sysadmins),
    labelled 「管理番号 データ名（部）」."""
    reader = _reader(user)
    query = (model.Session.query(InventoryItem, model.Group.title)
             .join(model.Group, model.Group.id == InventoryItem.organization_id)
             .filter(InventoryItem.state == "active"))
    editable = store.editable_org_ids(reader)
    if editable is not None:
        query = query.filter(InventoryItem.organization_id.in_(editable or {""}))
    rows = query.order_by(model.Group.title, InventoryItem.local_id).all()
    return [{"value": item.id, "label": f"{item.local_id} {item.title}（{department}）"} for item, department in rows]


def visible_item(item_id: str, user: Any) -> dict[str, Any] | None:
    if not item_id:
        return None
    item = model.Session.get(InventoryItem, item_id)
    reader = _reader(user)
    if item is None or item.state != "active" or not (item.listed or reader.inside(item.organization_id)):
        return None
    return {"id": item.id, "local_id": item.local_id, "title": item.title}
