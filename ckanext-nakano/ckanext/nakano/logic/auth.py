"""Auth of the nakano actions: one function per action."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import AuthFunction, AuthResult, Context, DataDict

from . import inventory_auth, submission_auth
from .inventory_auth import *  # noqa: F401,F403  (the register's)
from .submission_auth import *  # noqa: F401,F403  (reuses' and data requests')

# ckanext-harvest's actions that create, change, run or empty harvest sources.
# Sources are declared in harvesters/*.yaml and synced by sysadmins: a
# department's editor could otherwise point the harvester at the portal's own
# network, publish what it fetched, or empty another source's datasets.
HARVEST_WRITES = ["harvest_source_create", "harvest_source_update", "harvest_source_patch", "harvest_source_delete",
                  "harvest_source_clear", "harvest_sources_clear", "harvest_source_reindex", "harvest_sources_reindex",
                  "harvest_job_create", "harvest_job_create_all", "harvest_job_abort", "harvest_jobs_run",
                  "harvest_objects_import", "harvest_object_create", "harvest_send_job_to_gather_queue",
                  # its log: ckanext-harvest's auth function is the action itself (endless recursion, a 500)
                  "harvest_log_list"]


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is used (tk._)."""
    return message


SYSADMINS_ONLY = N_("Sysadmins only")
# Dataset collaborators are off (config/portal.ini); core's auth functions
# assert a signed-in user and a dataset instead of answering (a 500).
COLLABORATORS = ["package_collaborator_list", "package_collaborator_list_for_user", "package_collaborator_create",
                 "package_collaborator_delete"]
NO_COLLABORATORS = N_("Dataset collaborators are not used")

__all__ = ["task_status_show", "nakano_validation_show", "nakano_harvest_report", "nakano_metrics_site",
           "nakano_metrics_dataset", "nakano_metrics_organization", "nakano_search_terms", "nakano_metrics_events",
           "nakano_queue_status", "nakano_chart_data", "nakano_analysis_data", "nakano_chart_columns", *HARVEST_WRITES, *COLLABORATORS, "package_create",
           "package_update", "package_patch", "package_delete", "dataset_purge", *inventory_auth.__all__,
           *submission_auth.__all__]


@tk.auth_allow_anonymous_access
def nakano_validation_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Whoever may see the resource may see its validation report."""
    return tk.check_access("resource_show", context, {"id": data_dict.get("id")}) and {"success": True}


@tk.auth_allow_anonymous_access
def nakano_chart_data(context: Context, data_dict: DataDict) -> AuthResult:
    """Whoever may read the resource's rows (datastore_search) may chart them."""
    return tk.check_access("datastore_search", context, {"resource_id": data_dict.get("resource_id")}) \
        and {"success": True}


@tk.auth_allow_anonymous_access
def nakano_chart_columns(context: Context, data_dict: DataDict) -> AuthResult:
    """As nakano_chart_data: whoever may read the resource's rows."""
    return nakano_chart_data(context, data_dict)


@tk.auth_allow_anonymous_access
def nakano_analysis_data(context: Context, data_dict: DataDict) -> AuthResult:
    """Anyone: it reads public datasets' files only (analysis/sources.py)."""
    return {"success": True}


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
    return _refusal(SYSADMINS_ONLY)


@tk.chained_auth_function
def task_status_show(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """Core lets anyone read any task (a job's errors, of private resources too):
    a resource's or dataset's tasks go to those who may see it, others to
    sysadmins (who pass before this runs)."""
    task = context.get("task_status")
    kind = getattr(task, "entity_type", None)
    action = {"resource": "resource_show", "package": "package_show", "dataset": "package_show"}.get(kind or "")
    if action is None:
        return _refusal(SYSADMINS_ONLY)
    try:
        tk.check_access(action, dict(context), {"id": task.entity_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": tk._("Not allowed to see this task")}
    return next_auth(context, data_dict)


def nakano_queue_status(context: Context, data_dict: DataDict) -> AuthResult:
    """Queues and dead letters: sysadmins only (items can hold what visitors typed)."""
    return _refusal(SYSADMINS_ONLY)


def _refusal(message: str) -> AuthResult:
    """A refusal, its message in the request's language."""
    return {"success": False, "msg": tk._(message)}


def _refusing(name: str, message: str, why: str) -> AuthFunction:
    @tk.chained_auth_function
    def auth(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
        return _refusal(message)

    auth.__name__ = auth.__qualname__ = name
    auth.__doc__ = f"{name}: {why}"
    return auth


globals().update({name: _refusing(name, SYSADMINS_ONLY, "sysadmins only (harvest sources are declared in harvesters/)")
                  for name in HARVEST_WRITES})
globals().update({name: _refusing(name, NO_COLLABORATORS, "refused: dataset collaborators are off")
                  for name in COLLABORATORS})


# Harvest sources are datasets of type "harvest": ckanext-harvest's source
# actions proxy to package_create/update, whose auth lets any editor of the
# department through. Every way to write a dataset of that type is for sysadmins.
def _is_harvest_source(data_dict: DataDict, creating: bool = False) -> bool:
    if creating:
        return data_dict.get("type") == "harvest"
    pkg = model.Package.get(str(data_dict.get("id") or data_dict.get("name") or ""))
    return pkg is not None and pkg.type == "harvest"


@tk.chained_auth_function
def package_create(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """A harvest source (type harvest): sysadmins only; other datasets as CKAN decides."""
    if _is_harvest_source(data_dict or {}, creating=True):
        return _refusal(SYSADMINS_ONLY)
    return next_auth(context, data_dict)


def _harvest_guard(name: str) -> AuthFunction:
    @tk.chained_auth_function
    def auth(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
        if _is_harvest_source(data_dict or {}):
            return _refusal(SYSADMINS_ONLY)
        return next_auth(context, data_dict)

    auth.__name__ = auth.__qualname__ = name
    auth.__doc__ = f"{name}: on a harvest source, sysadmins only; other datasets as CKAN decides."
    return auth


globals().update({name: _harvest_guard(name) for name in ("package_update", "package_patch", "package_delete",
                                                          "dataset_purge")})

