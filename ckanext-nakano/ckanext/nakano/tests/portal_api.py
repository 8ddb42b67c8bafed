"""Calls to a running portal (the session's ``portal`` fixture) through its Action API."""
from __future__ import annotations

import time
from typing import Any

import pytest
import requests


def token(portal: dict[str, Any]) -> dict[str, str]:
    """The sysadmin's API token of that portal, as a request header."""
    return {"Authorization": (portal["local"] / "admin-api-token").read_text().strip()}


def api(portal: dict[str, Any], action: str, headers: dict[str, str] | None = None, files: Any = None,
        **data: Any) -> Any:
    """An action's result; fails the test on an error answer."""
    call = requests.post if action.endswith(("create", "update", "patch", "purge")) else requests.get
    kwargs = {"data": data, "files": files} if call is requests.post else {"params": data}
    body = call(f"{portal['url']}/api/3/action/{action}", headers=headers or {}, timeout=60, **kwargs).json()
    assert body["success"], body.get("error")
    return body["result"]


def loaded(portal: dict[str, Any], resource_id: str, rows: int, timeout: float = 900) -> list[dict]:
    """Waits until xloader has loaded every row and CKAN has made the DataStore views; returns the views.

    Generous: on a portal just brought up, the one worker first goes through the demo
    catalog's jobs (validation, quality scores, xloader), a few seconds each."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api(portal, "resource_show", token(portal), id=resource_id).get("datastore_active"):
            total = api(portal, "datastore_search", token(portal), resource_id=resource_id, limit=0)["total"]
            views = api(portal, "resource_view_list", token(portal), id=resource_id)
            # The table view comes from the same xloader callback, after the map's after_upload.
            if total == rows and "datatables_view" in [v["view_type"] for v in views]:
                return views
        time.sleep(2)
    status = api(portal, "xloader_status", token(portal), resource_id=resource_id)
    pytest.fail(f"resource {resource_id} not loaded in {timeout}s: {status}")
