"""Auth of the nakano actions: one function per action."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = ["nakano_validation_show", "nakano_harvest_report", "nakano_metrics_site", "nakano_metrics_dataset",
           "nakano_metrics_organization", "nakano_search_terms", "nakano_metrics_events"]


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
