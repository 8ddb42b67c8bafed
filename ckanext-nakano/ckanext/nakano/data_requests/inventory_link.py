"""A data request and the department's register (データ棚卸台帳): the item a request names
or is answered with, an item made from a request, and the item's status following the
answer (公開予定 with its month, 対応できません as 非公開 with the same reason).

The register's own actions do the writing, so its rules (who may, required fields, history)
hold here too.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from .. import messages
from ..inventory import store as inventory_store
from ..inventory.from_dataset import next_local_id
from ..model import DataRequest, InventoryItem
from ..reader import Reader

__all__ = ["listed_item", "item_of_department", "new_item", "follow_answer"]

# The register's status an answer gives the item; 検討中 and 公開済 leave it alone (検討中 in
# the register needs a reason the answer does not give; 公開済 follows the dataset's link).
ITEM_STATUS = {"planned": "planned", "declined": "closed"}


def listed_item(value: str, reader: Reader) -> InventoryItem:
    """The item a requester names: one they may see."""
    item = inventory_store.find(value)
    if item is None or not (item.listed or reader.inside(item.organization_id)):
        raise tk.ValidationError({"inventory_item": [messages.say("request-unknown-item", {"value": value})]})
    return item


def item_of_department(value: str, org_id: str | None) -> InventoryItem | None:
    """An active item of the department, by id or 管理番号."""
    if not org_id:
        return None
    item = inventory_store.find(value, org_id)
    return item if item is not None and item.organization_id == org_id else None


def _context(reader: Reader) -> dict[str, Any]:
    return {"user": reader.user.name if reader.user is not None else "", "ignore_auth": False}


def _status_fields(answer: dict[str, Any], request: DataRequest) -> dict[str, Any]:
    status = ITEM_STATUS.get(answer["status"])
    if status is None:
        return {}
    fields: dict[str, Any] = {"status": status}
    if status == "planned":
        fields["planned_month"] = answer["planned_month"]
    else:
        fields["closed_reason"] = answer["decline_reason"]
        if answer["decline_reason"] == "other":
            fields["closed_reason_note"] = answer.get("answer") or messages.say(
                "request-answered-on", {"id": request.id}, lang="ja")
    return fields


def new_item(request: DataRequest, answer: dict[str, Any], reader: Reader) -> InventoryItem:
    """Register the requested data as an item of the request's department."""
    taken = [k for (k,) in model.Session.query(InventoryItem.local_id).filter(
        InventoryItem.organization_id == request.organization_id, InventoryItem.state == "active")]
    local_id = next_local_id(taken) or f"REQ-{request.id}"
    fields = {"department": request.organization_id, "local_id": local_id, "title": request.title,
              "description": request.description, "status": "considering", "closed_reason": "deliberation",
              "listed": "yes", **_status_fields(answer, request)}
    created = tk.get_action("nakano_inventory_item_create")(_context(reader), fields)
    return model.Session.get(InventoryItem, created["id"])


def follow_answer(item_id: str, request: DataRequest, answer: dict[str, Any], reader: Reader) -> None:
    """The item's status follows the answer (not an item already 公開済 by its dataset)."""
    item = model.Session.get(InventoryItem, item_id)
    fields = _status_fields(answer, request)
    if item is None or not fields or item.status == "open_data":
        return
    tk.get_action("nakano_inventory_item_patch")(_context(reader), {"id": item.id, **fields})
