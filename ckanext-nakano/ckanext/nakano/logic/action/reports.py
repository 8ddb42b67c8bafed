"""Reports of the portal's own work: file validation, harvests."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ... import messages
from ...harvest.report import department_report
from ...model import Validation
from ...queue_status import summary as queue_summary
from ...validation.summary import with_texts

__all__ = ["nakano_validation_show", "nakano_harvest_report", "nakano_queue_status", "harvest_job_show",
           "harvest_job_report"]


@tk.side_effect_free
def nakano_validation_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The latest validation report of a resource.

    :param id: the resource id
    :returns: ``resource_id``, ``status`` (pending, valid, invalid, error or
        none when the resource is not tabular), ``report`` (``groups``: issues of
        one kind per column, counted, with examples and 「直し方」; ``issues``: the
        first of them with row and column; messages in Japanese and English) and
        ``updated``. Reports stored before groups existed get them here. The
        report stores codes and values; its texts are made here: ``message``
        (a group's ``fix`` too) in the reader's language, and ``message_ja`` /
        ``message_en`` (``fix_ja`` / ``fix_en``) as earlier reports had them.
    """
    resource_id = tk.get_or_bust(data_dict, "id")
    tk.check_access("nakano_validation_show", context, data_dict)
    row = Validation.get(resource_id)
    if row is None:
        return {"resource_id": resource_id, "status": "none", "report": None, "updated": None}
    return {"resource_id": resource_id, "status": row.status, "report": with_texts(row.report),
            "updated": row.updated.isoformat()}


@tk.side_effect_free
def nakano_harvest_report(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Harvest report per department: each source's last run (``outcome``:
    ``code`` and ``text``), added / updated / not modified / errored counts, its
    errors (``code``, ``text``, technical ``detail``, the object's ``item``) and
    the files gone from their source (flagged, not deleted). Texts are in the
    reader's language (outside a request, the site's).

    :param department: an organization name (optional; default: every
        department the user may see — all of them for a sysadmin, their own
        for department members)
    """

    tk.check_access("nakano_harvest_report", context, data_dict)
    wanted = data_dict.get("department")
    user = context.get("auth_user_obj") or tk.current_user
    if context.get("ignore_auth") or getattr(user, "sysadmin", False):
        allowed = None
    else:
        allowed = [o["name"] for o in tk.get_action("organization_list_for_user")(
            {"user": context.get("user")}, {"permission": "read"})]
    if wanted:
        if allowed is not None and wanted not in allowed:
            raise tk.NotAuthorized(messages.gettext("Not a member of this department"))
        allowed = [wanted]
    return department_report(allowed)


@tk.side_effect_free
def nakano_queue_status(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Sysadmins: what waits in each queue, the items set aside (dead letters)
    with their reasons, and the background jobs that failed.

    :param limit: dead letters listed per queue (default 20, at most 1,000)
    """
    tk.check_access("nakano_queue_status", context, data_dict)
    try:
        limit = max(0, min(int(data_dict.get("limit") or 20), 1000))
    except (TypeError, ValueError):
        raise tk.ValidationError({"limit": [messages.gettext("must be an integer")]})
    return queue_summary(limit)


def _said(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**error, "message": messages.readable(error.get("message"))} for error in errors]


@tk.side_effect_free
@tk.chained_action
def harvest_job_show(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """ckanext-harvest's, with the error summaries in the reader's language (the portal
    stores its harvest errors coded: messages.py)."""
    job = up_func(context, data_dict)
    for key in ("object_error_summary", "gather_error_summary"):
        if job.get(key):
            job[key] = _said(job[key])
    return job


@tk.side_effect_free
@tk.chained_action
def harvest_job_report(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """ckanext-harvest's job report (its job page and notification e-mails), with the
    errors in the reader's language."""
    report = up_func(context, data_dict)
    report["gather_errors"] = _said(report.get("gather_errors") or [])
    for entry in (report.get("object_errors") or {}).values():
        entry["errors"] = _said(entry.get("errors") or [])
    return report


# ckanext-harvest's own functions check access (as CKAN exempts extensions' actions from
# its audit, a chained one that adds no check of its own is exempted too).
harvest_job_show.auth_audit_exempt = True  # type: ignore[attr-defined]
harvest_job_report.auth_audit_exempt = True  # type: ignore[attr-defined]

