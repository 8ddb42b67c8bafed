"""Auth of the data inventory's actions: anyone reads (the actions narrow what to the
reader's departments); a department's editors and admins change its register, sysadmins
(allowed before these run) every register."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import authz, model
from ckan.types import AuthResult, Context, DataDict

from ..model import InventoryItem

__all__ = ["nakano_inventory_item_show", "nakano_inventory_item_list", "nakano_inventory_summary",
           "nakano_inventory_item_create", "nakano_inventory_item_update", "nakano_inventory_item_patch",
           "nakano_inventory_item_delete", "nakano_inventory_import"]


@tk.auth_allow_anonymous_access
def nakano_inventory_item_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Public fields of listed items are public; the action decides what else the reader sees."""
    return {"success": True}


@tk.auth_allow_anonymous_access
def nakano_inventory_item_list(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


@tk.auth_allow_anonymous_access
def nakano_inventory_summary(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


def _editor(context: Context, org_id: str | None) -> AuthResult:
    user = context.get("user")
    if user and org_id and authz.has_user_permission_for_group_or_org(org_id, user, "update_dataset"):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the department's editors and admins may change its register")}


def nakano_inventory_item_create(context: Context, data_dict: DataDict) -> AuthResult:
    """:param department: the department's id."""
    return _editor(context, data_dict.get("department"))


def _of_item(context: Context, data_dict: DataDict) -> AuthResult:
    item = model.Session.get(InventoryItem, str(data_dict.get("id") or ""))
    return _editor(context, item.organization_id if item is not None else None)


def nakano_inventory_item_update(context: Context, data_dict: DataDict) -> AuthResult:
    return _of_item(context, data_dict)


def nakano_inventory_item_patch(context: Context, data_dict: DataDict) -> AuthResult:
    return _of_item(context, data_dict)


def nakano_inventory_item_delete(context: Context, data_dict: DataDict) -> AuthResult:
    return _of_item(context, data_dict)


def nakano_inventory_import(context: Context, data_dict: DataDict) -> AuthResult:
    """With a department, its editors; without, anyone who edits a department's register (each
    row is then checked against the user's departments)."""
    if data_dict.get("department"):
        return _editor(context, data_dict["department"])
    user = context.get("user")
    editable = user and authz.has_user_permission_for_some_org(user, "update_dataset")
    return {"success": bool(editable),
            "msg": tk._("Only the department's editors and admins may change its register")}
