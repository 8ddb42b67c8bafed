"""Auth of the nakano actions: one function per action."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = ["nakano_validation_show", "nakano_harvest_report"]


@tk.auth_allow_anonymous_access
def nakano_validation_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Whoever may see the resource may see its validation report."""
    return tk.check_access("resource_show", context, {"id": data_dict.get("id")}) and {"success": True}


def nakano_harvest_report(context: Context, data_dict: DataDict) -> AuthResult:
    """Logged-in users: the action narrows it to their departments (sysadmins: all).
    Errors can name departmental servers, so the report is not public."""
    return {"success": bool(context.get("user"))}
