"""Reports of the portal's own work: file validation, harvests."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ...harvest.report import department_report
from ...model import Validation
from ...queue_status import summary as queue_summary
from ...validation.summary import upgraded

__all__ = ["nakano_validation_show", "nakano_harvest_report", "nakano_queue_status"]


@tk.side_effect_free
def nakano_validation_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The latest validation report of a resource.

    :param id: the resource id
    :returns: ``resource_id``, ``status`` (pending, valid, invalid, error or
        none when the resource is not tabular), ``report`` (``groups``: issues of
        one kind per column, counted, with examples and 「直し方」; ``issues``: the
        first of them with row and column; messages in Japanese and English) and
        ``updated``. Reports stored before groups existed get them here.
    """
    resource_id = tk.get_or_bust(data_dict, "id")
    tk.check_access("nakano_validation_show", context, data_dict)
    row = Validation.get(resource_id)
    if row is None:
        return {"resource_id": resource_id, "status": "none", "report": None, "updated": None}
    return {"resource_id": resource_id, "status": row.status, "report": upgraded(row.report),
            "updated": row.updated.isoformat()}


@tk.side_effect_free
def nakano_harvest_report(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Harvest report per department: each source's last run, added / updated /
    not modified / errored counts, its errors (「日本語 / English」) and the
    files gone from their source (flagged, not deleted).

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
            raise tk.NotAuthorized("この部の収集報告は見られません / Not a member of this department")
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
        raise tk.ValidationError({"limit": ["整数を指定してください / must be an integer"]})
    return queue_summary(limit)

