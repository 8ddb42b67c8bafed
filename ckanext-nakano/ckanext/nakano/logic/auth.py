"""Auth of the nakano actions: one function per action."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = ["task_status_show", "nakano_validation_show", "nakano_harvest_report", "nakano_metrics_site",
           "nakano_metrics_dataset", "nakano_metrics_organization", "nakano_search_terms", "nakano_metrics_events",
           "nakano_queue_status"]


@tk.auth_allow_anonymous_access
def nakano_validation_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Whoever may see the resource may see its validation report."""
    return tk.check_access("resource_show", context, {"id": data_dict.get("id")}) and {"success": True}


def nakano_harvest_report(context: Context, data_dict: DataDict) -> AuthResult:
    """Logged-in users: the action narrows it to their departments (sysadmins: all).
    Errors can name departmental servers, so the report is not public."""
    return {"success": bool(context.get("user"))}


@tk.auth_allow_anonymous_access
def nakano_metrics_site(context: Context, data_dict: DataDict) -> AuthResult:
    """Aggregated figures are public (published as open data too)."""
    return {"success": True}


@tk.auth_allow_anonymous_access
def nakano_metrics_dataset(context: Context, data_dict: DataDict) -> AuthResult:
    """Whoever may see the dataset may see its figures."""
    return tk.check_access("package_show", context, {"id": data_dict.get("id")}) and {"success": True}


@tk.auth_allow_anonymous_access
def nakano_metrics_organization(context: Context, data_dict: DataDict) -> AuthResult:
    """Public aggregates; the action adds private datasets for members only."""
    return {"success": True}


@tk.auth_allow_anonymous_access
def nakano_search_terms(context: Context, data_dict: DataDict) -> AuthResult:
    """Public, above a visitor threshold (the action applies it)."""
    return {"success": True}


def nakano_metrics_events(context: Context, data_dict: DataDict) -> AuthResult:
    """Raw events: sysadmins only (they are allowed before this runs)."""
    return {"success": False, "msg": "システム管理者のみ / Sysadmins only"}


@tk.chained_auth_function
def task_status_show(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """Core lets anyone read any task (a job's errors, of private resources too):
    a resource's or dataset's tasks go to those who may see it, others to
    sysadmins (who pass before this runs)."""
    task = context.get("task_status")
    kind = getattr(task, "entity_type", None)
    action = {"resource": "resource_show", "package": "package_show", "dataset": "package_show"}.get(kind or "")
    if action is None:
        return {"success": False, "msg": "システム管理者のみ / Sysadmins only"}
    try:
        tk.check_access(action, dict(context), {"id": task.entity_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": "このタスクは見られません / Not allowed to see this task"}
    return next_auth(context, data_dict)


def nakano_queue_status(context: Context, data_dict: DataDict) -> AuthResult:
    """Queues and dead letters: sysadmins only (items can hold what visitors typed)."""
    return {"success": False, "msg": "システム管理者のみ / Sysadmins only"}

