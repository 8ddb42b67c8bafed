"""Auth of the reuse (活用事例) and data request (データ要望) actions. Sysadmins (the open-data
office) are allowed before these run. Reading is open to all: the actions narrow what each
reader sees (reuses/store.py, data_requests/store.py)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import AuthResult, Context, DataDict

from ..data_requests import store as request_store
from ..model import DataRequest
from ..reader import reader_of
from ..reuses import store as reuse_store

__all__ = ["nakano_showcase_create", "nakano_showcase_show", "nakano_showcase_list", "nakano_showcase_update",
           "nakano_showcase_delete", "nakano_showcase_moderate", "nakano_request_create", "nakano_request_show",
           "nakano_request_list", "nakano_request_update", "nakano_request_respond", "nakano_request_support",
           "nakano_request_follow", "nakano_request_merge"]


def N_(message: str) -> str:
    return message


OWN_OR_MODERATOR = N_("Only the person who sent it, or an admin of a department whose data it uses, may do this")
MODERATORS = N_("Only an admin of a department whose data it uses, or the open-data office, may do this")
DEPARTMENT_STAFF = N_("Only the department's editors and admins, or the open-data office, may do this")
DEPARTMENT_ADMINS = N_("Only an admin of the department, or the open-data office, may do this")
SIGNED_IN = N_("Sign in to do this")
REQUESTER_ONLY = N_("Only the person who asked may choose whether their name is shown")


def _no(message: str) -> AuthResult:
    return {"success": False, "msg": tk._(message)}


def _yes() -> AuthResult:
    return {"success": True}


@tk.auth_allow_anonymous_access
def nakano_showcase_create(context: Context, data_dict: DataDict) -> AuthResult:
    """Anyone: a visitor without an account confirms an e-mail address first (the action)."""
    return _yes()


@tk.auth_allow_anonymous_access
def nakano_showcase_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _yes()


@tk.auth_allow_anonymous_access
def nakano_showcase_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _yes()


def _reuse_rule(context: Context, data_dict: DataDict, moderators_only: bool) -> AuthResult:
    reuse = reuse_store.find(str(data_dict.get("id") or ""))
    if reuse is None:
        return _no(MODERATORS if moderators_only else OWN_OR_MODERATOR)
    reader = reader_of(context)
    if moderators_only and reuse_store.is_submitter(reader, reuse) and not reader.sysadmin:
        return _no(MODERATORS)   # nobody approves their own reuse (but the office)
    if reuse_store.may_moderate(reader, reuse):
        return _yes()
    if not moderators_only and reuse_store.may_edit(reader, reuse):
        return _yes()
    return _no(MODERATORS if moderators_only else OWN_OR_MODERATOR)


def nakano_showcase_update(context: Context, data_dict: DataDict) -> AuthResult:
    return _reuse_rule(context, data_dict, moderators_only=False)


def nakano_showcase_delete(context: Context, data_dict: DataDict) -> AuthResult:
    return _reuse_rule(context, data_dict, moderators_only=False)


def nakano_showcase_moderate(context: Context, data_dict: DataDict) -> AuthResult:
    return _reuse_rule(context, data_dict, moderators_only=True)


@tk.auth_allow_anonymous_access
def nakano_request_create(context: Context, data_dict: DataDict) -> AuthResult:
    return _yes()


@tk.auth_allow_anonymous_access
def nakano_request_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _yes()


@tk.auth_allow_anonymous_access
def nakano_request_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _yes()


def _request(data_dict: DataDict) -> DataRequest | None:
    try:
        return model.Session.get(DataRequest, int(data_dict.get("id") or 0))
    except (TypeError, ValueError):
        return None


def nakano_request_update(context: Context, data_dict: DataDict) -> AuthResult:
    """What is asked: the requester or an admin of the department. Whether it is listed: an
    admin of the department. The department: the office (sysadmins) only."""
    request = _request(data_dict)
    if request is None or "department" in data_dict:
        return _no(DEPARTMENT_ADMINS)
    reader = reader_of(context)
    requester = request_store.is_requester(reader, request)
    if "show_name" in data_dict and not requester:
        return _no(REQUESTER_ONLY)   # whether their name is shown is the requester's choice alone
    if request_store.may_merge(reader, request):   # an admin of its department
        return _yes()
    if "state" not in data_dict and requester:
        return _yes()
    return _no(DEPARTMENT_ADMINS)


def nakano_request_respond(context: Context, data_dict: DataDict) -> AuthResult:
    request = _request(data_dict)
    if request is not None and request_store.may_answer(reader_of(context), request):
        return _yes()
    return _no(DEPARTMENT_STAFF)


def _signed_in(context: Context) -> AuthResult:
    return _yes() if reader_of(context).user is not None else _no(SIGNED_IN)


def nakano_request_support(context: Context, data_dict: DataDict) -> AuthResult:
    return _signed_in(context)


def nakano_request_follow(context: Context, data_dict: DataDict) -> AuthResult:
    return _signed_in(context)


def nakano_request_merge(context: Context, data_dict: DataDict) -> AuthResult:
    """An admin of both requests' department."""
    reader = reader_of(context)
    duplicate, target = _request(data_dict), _request({"id": data_dict.get("into")})
    if duplicate is None or target is None:
        return _no(DEPARTMENT_ADMINS)
    if request_store.may_merge(reader, duplicate) and request_store.may_merge(reader, target):
        return _yes()
    return _no(DEPARTMENT_ADMINS)
