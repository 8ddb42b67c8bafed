"""Core and extension reads narrowed to what the reader may see: no credential
(xloader's job information, task status), nothing of a private dataset (tags,
organization members, DataStore's table list) for those outside it.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import authz, model
from ckan.lib.dictization import model_dictize, table_dictize
from ckan.lib.plugins import get_permission_labels
from ckan.types import Action, Context, DataDict

from ... import redact
from ...harvest.disclosure import for_reader, is_sysadmin, mask_source

__all__ = ["xloader_status", "task_status_show", "harvest_source_list", "package_show", "user_show", "user_list", "tag_list", "tag_search", "tag_autocomplete", "tag_show",
           "member_list", "datastore_search"]

# What xloader_status may show of a job: its state and its log, never the
# job's input (which holds the site user's API token).
_JOB_FIELDS = ("job_id", "job_type", "status", "error", "requested_timestamp", "finished_timestamp", "logs")
_LOG_FIELDS = ("timestamp", "level", "message")


@tk.side_effect_free
@tk.chained_action
def xloader_status(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """ckanext-xloader's status of a resource's DataStore load, without the
    job's input and with credentials masked in its log and errors."""
    status = up_func(context, data_dict)
    info = status.get("task_info") or None
    if info:
        info = {k: info.get(k) for k in _JOB_FIELDS}
        info["logs"] = [{k: entry.get(k) for k in _LOG_FIELDS} for entry in info.get("logs") or []]
    return redact.deep({"status": status.get("status"), "job_id": status.get("job_id"), "job_url": None,
                        "last_updated": status.get("last_updated"), "task_info": info,
                        "error": status.get("error")})


@tk.side_effect_free
@tk.chained_action
def task_status_show(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Core task_status_show with credentials masked in its value and error
    (who may read it: logic/auth.py)."""
    return redact.deep(up_func(context, data_dict))


def _user(context: Context) -> model.User | None:
    user = context.get("auth_user_obj")
    if user is None and context.get("user"):
        user = model.User.get(context["user"])
    return user if isinstance(user, model.User) else None


def _visible_packages(context: Context) -> sa.ColumnElement[bool]:
    """A filter on ``package`` for the datasets the reader may see: active and
    public, or private with a permission label the reader holds."""
    user = _user(context)
    if context.get("ignore_auth") or (user is not None and user.sysadmin):
        return model.Package.state == "active"
    labels = get_permission_labels().get_user_dataset_labels(user or model.AnonymousUser())
    orgs = [label[len("member-"):] for label in labels if label.startswith("member-")]
    own = user.id if user is not None else None
    return sa.and_(model.Package.state == "active",
                   sa.or_(model.Package.private.is_(False), model.Package.owner_org.in_(orgs),
                          model.Package.creator_user_id == own))


def _visible_tags(context: Context, data_dict: DataDict) -> Any:
    """Tags applied to at least one dataset the reader may see (core counts
    private datasets' tags for everyone)."""
    query = model.Session.query(model.Tag)
    vocabulary = data_dict.get("vocabulary_id")
    if vocabulary:
        vocab = model.Vocabulary.get(vocabulary)
        if vocab is None:
            raise tk.ObjectNotFound(tk._("Vocabulary not found"))
        query = query.filter(model.Tag.vocabulary_id == vocab.id)
    else:
        query = query.filter(model.Tag.vocabulary_id.is_(None))
    applied = (sa.select(model.PackageTag.tag_id)
               .join(model.Package, model.Package.id == model.PackageTag.package_id)
               .where(model.PackageTag.state == "active", _visible_packages(context)))
    query = query.filter(model.Tag.id.in_(applied))
    terms = data_dict.get("query") or data_dict.get("q") or []
    for term in [terms] if isinstance(terms, str) else terms:
        term = str(term).strip()
        if term:
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.filter(model.Tag.name.ilike(f"%{escaped}%", escape="\\"))
    return query.order_by(model.Tag.name)


def _page(query: Any, data_dict: DataDict) -> Any:
    try:
        offset = int(data_dict.get("offset") or 0)
        limit = int(data_dict["limit"]) if data_dict.get("limit") not in (None, "") else None
    except (TypeError, ValueError):
        raise tk.ValidationError({"limit": [tk._("must be an integer")]})
    if offset < 0 or (limit is not None and limit < 0):
        raise tk.ValidationError({"limit": [tk._("must not be negative")]})
    return query.offset(offset).limit(limit)


@tk.side_effect_free
@tk.chained_action
def tag_list(up_func: Action, context: Context, data_dict: DataDict) -> list[Any]:
    """Tags of the datasets the reader may see (names, or dictionaries with
    ``all_fields``)."""
    tk.check_access("tag_list", context, data_dict)
    tags = _visible_tags(context, data_dict).all()
    if tk.asbool(data_dict.get("all_fields", False)):
        return model_dictize.tag_list_dictize(tags, context)
    return [tag.name for tag in tags]


@tk.side_effect_free
@tk.chained_action
def tag_search(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Tags whose names contain the query, among the datasets the reader may see."""
    tk.check_access("tag_search", context, data_dict)
    if not (data_dict.get("query") or data_dict.get("q")):
        return {"count": 0, "results": []}
    query = _visible_tags(context, data_dict)
    return {"count": query.count(), "results": [table_dictize(t, context) for t in _page(query, data_dict)]}


@tk.side_effect_free
@tk.chained_action
def tag_autocomplete(up_func: Action, context: Context, data_dict: DataDict) -> list[str]:
    """Tag names containing the query, among the datasets the reader may see."""
    tk.check_access("tag_autocomplete", context, data_dict)
    if not (data_dict.get("query") or data_dict.get("q")):
        return []
    return [tag.name for tag in _page(_visible_tags(context, data_dict), data_dict)]


@tk.side_effect_free
@tk.chained_action
def tag_show(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A tag only when it is on a dataset the reader may see."""
    name = tk.get_or_bust(data_dict, "id")
    tag = model.Tag.get(name, vocab_id_or_name=data_dict.get("vocabulary_id"))
    if tag is None or not _visible_tags(context, {"vocabulary_id": data_dict.get("vocabulary_id")}).filter(
            model.Tag.id == tag.id).first():
        raise tk.ObjectNotFound(tk._("Tag not found"))
    return up_func(context, data_dict)


@tk.side_effect_free
@tk.chained_action
def member_list(up_func: Action, context: Context, data_dict: DataDict) -> list[Any]:
    """Core member_list without what the reader may not see: private datasets
    of other departments, and the accounts of a department for outsiders."""
    members = up_func(context, data_dict)
    user = _user(context)
    group = model.Group.get(tk.get_or_bust(data_dict, "id"))
    insider = context.get("ignore_auth") or (user is not None and (
        user.sysadmin or authz.has_user_permission_for_group_or_org(group.id, user.name, "read")))
    if insider:
        return members
    package_ids = [m[0] for m in members if m[1] == "package"]
    visible = {row[0] for row in model.Session.query(model.Package.id).filter(
        model.Package.id.in_(package_ids), _visible_packages(context))} if package_ids else set()
    return [m for m in members if m[1] == "group" or (m[1] == "package" and m[0] in visible)]


@tk.side_effect_free
@tk.chained_action
def datastore_search(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The DataStore's list of every table (``_table_metadata``, resource ids
    of private datasets included) is for sysadmins only."""
    if str(data_dict.get("resource_id", "")).strip().strip('"') == "_table_metadata":
        # Core whitelists this view and skips its auth check (WHITELISTED_RESOURCES);
        # config_option_show is sysadmins-only. Sysadmins then pass datastore_search's.
        tk.check_access("config_option_show", context, {})
        tk.check_access("datastore_search", context, data_dict)
    return up_func(context, data_dict)


@tk.side_effect_free
@tk.chained_action
def harvest_source_list(up_func: Action, context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """ckanext-harvest's list of sources, with credentials in their
    configuration masked but for sysadmins (harvest/disclosure.py)."""
    tk.check_access("harvest_source_list", context, data_dict)   # ckanext-harvest's action does not
    sources = up_func(context, data_dict)
    return sources if is_sysadmin(context) else [mask_source(dict(s)) for s in sources]


# What staff see of one another: names and what they published, not who is a
# sysadmin, when they were last active or a hash of their e-mail address.
_PERSONAL = ("sysadmin", "email_hash", "last_active", "email", "state", "image_url", "image_display_url")


def _for_colleague(user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if k not in _PERSONAL}


@tk.side_effect_free
@tk.chained_action
def user_show(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Core user_show; another account's personal fields only for sysadmins."""
    shown = up_func(context, data_dict)
    reader = _user(context)
    if is_sysadmin(context) or (reader is not None and reader.id == shown.get("id")):
        return shown
    return _for_colleague(shown)


@tk.side_effect_free
@tk.chained_action
def user_list(up_func: Action, context: Context, data_dict: DataDict) -> list[Any]:
    """Core user_list; personal fields only for sysadmins."""
    found = up_func(context, data_dict)
    if is_sysadmin(context):
        return found
    return [_for_colleague(u) if isinstance(u, dict) else u for u in found]


@tk.side_effect_free
@tk.chained_action
def package_show(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Core package_show; a harvest source's credentials masked but for
    sysadmins (after every plugin's hook: ckanext-harvest's copies the
    configuration's keys to the top of the dict)."""
    return for_reader(context, up_func(context, data_dict))

