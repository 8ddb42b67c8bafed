"""The register as the dataset form and page show it: the items a user may link a dataset to."""
from __future__ import annotations

from typing import Any

import flask

import ckan.plugins.toolkit as tk
from ckan import model

from ..model import InventoryItem
from . import store

__all__ = ["item_choices", "visible_item", "hide_unseen_link", "context_user", "request_user"]


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
    if item is None or item.state != "active":
        return None
    # A listed item needs no look at the reader's departments (search results ask this per dataset).
    if not item.listed and not _reader(user).inside(item.organization_id):
        return None
    return {"id": item.id, "local_id": item.local_id, "title": item.title}


def hide_unseen_link(pkg_dict: dict[str, Any], user: Any, everything: bool = False) -> None:
    """A dataset as a reader gets it: without the id of a register item the reader may not see
    (an item not listed is not shown outside its department, not even that it exists)."""
    item_id = pkg_dict.get("inventory_item")
    if not item_id or everything or visible_item(item_id, user) is not None:
        return
    pkg_dict.pop("inventory_item", None)
    if isinstance(pkg_dict.get("extras"), list):
        pkg_dict["extras"] = [e for e in pkg_dict["extras"] if e.get("key") != "inventory_item"]


def context_user(context: Any) -> model.User | None:
    user = context.get("auth_user_obj")
    if not isinstance(user, model.User) and context.get("user"):
        user = model.User.get(context["user"])
    return user if isinstance(user, model.User) else None


def request_user() -> model.User | None | bool:
    """The signed-in user of the request (None: a visitor); False outside a request (a job or
    the CLI, whose reads are not shown to anyone)."""
    if not flask.has_request_context():
        return False
    return tk.current_user if tk.current_user.is_authenticated else None
