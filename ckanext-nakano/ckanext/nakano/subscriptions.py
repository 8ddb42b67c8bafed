"""Receivers of CKAN's signals (``ISignal``): reactions to core actions."""
from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model, types
from ckan.lib.plugins import get_permission_labels

from . import login_throttle
from .inventory import links as inventory_links

log = logging.getLogger(__name__)

__all__ = ["get_subscriptions", "relabel_activities", "INVENTORY_SENDERS"]

# Actions after which an item's status may change: a dataset created, changed, moved,
# made private or public, deleted or purged.
INVENTORY_SENDERS = ("package_create", "package_update", "package_delete", "dataset_purge", "bulk_update_private",
                     "bulk_update_public", "bulk_update_delete", "package_owner_org_update")


def get_subscriptions() -> types.SignalMapping:
    return {
        tk.signals.action_succeeded: [
            {"sender": "package_update", "receiver": _dataset_saved},
            {"sender": "bulk_update_private", "receiver": _datasets_made_private},
            # The register follows its datasets (inventory/links.py).
            *({"sender": action, "receiver": _inventory_follows} for action in INVENTORY_SENDERS),
        ],
        tk.signals.failed_login: [login_throttle.failed],
        tk.signals.user_logged_in: [login_throttle.succeeded],
    }


def relabel_activities(package_ids: list[str]) -> int:
    """Give the activities of private datasets the datasets' current labels.

    CKAN labels an activity when it records it, so a dataset made private kept
    its public activities (title, notes and tags in anonymous activity lists);
    the same fix for older data is migration c4d8e2a7b915.
    """
    changed = 0
    for pkg in model.Session.query(model.Package).filter(model.Package.id.in_(package_ids),
                                                          model.Package.private.is_(True)):
        labels = get_permission_labels().get_dataset_labels(pkg)
        changed += model.Session.execute(sa.text(
            "update activity set permission_labels = :labels "
            "where object_id = :id and 'public' = any(permission_labels)"),
            {"labels": labels, "id": pkg.id}).rowcount
    model.Session.commit()
    return changed


def _dataset_saved(sender: str, **kwargs: Any) -> None:
    result = kwargs.get("result") or {}
    if isinstance(result, dict) and result.get("private") and result.get("id"):
        relabel_activities([result["id"]])


def _datasets_made_private(sender: str, **kwargs: Any) -> None:
    ids = (kwargs.get("data_dict") or {}).get("datasets") or []
    if ids:
        relabel_activities(list(ids))


def _inventory_follows(sender: str, **kwargs: Any) -> None:
    result = kwargs.get("result")
    if not isinstance(result, dict):   # return_id_only, a delete or a bulk action: read the dataset
        result = {"id": result if isinstance(result, str) else (kwargs.get("data_dict") or {}).get("id")}
    # Inside another action (package_update calls package_owner_org_update): that one commits.
    inventory_links.sync_for_dataset(result, commit=not (kwargs.get("context") or {}).get("defer_commit"))
