"""Calls to a running CKAN (the session's ``portal`` fixture, a test's own
portal, the stock aggregator, a benchmark's server) through its Action API:
the one HTTP client of the tests and benchmarks."""
from __future__ import annotations

import socket
import time
from typing import Any, Callable

import pytest
import requests

HEALTH = "/api/3/action/status_show"
# Actions that change something: POSTed (CKAN requires POST for them).
_WRITES = ("create", "update", "patch", "purge", "delete", "revoke", "run", "clear")


_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port nothing listens on now (loopback), never the same twice in one
    run: the kernel may give a port closed a moment ago again (a test portal once
    got its Redis port for its web server, and up.sh found that port taken)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def answers(url: str, timeout: float = 5) -> bool:
    """Whether the CKAN at ``url`` answers its health check."""
    try:
        return requests.get(url.rstrip("/") + HEALTH, timeout=timeout).ok
    except requests.RequestException:
        return False


def wait_until_answers(url: str, timeout: float = 90, alive: Callable[[], bool] | None = None) -> bool:
    """Wait for the health check; False after ``timeout`` s, or as soon as
    ``alive()`` says the server's process has died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(url):
            return True
        if alive is not None and not alive():
            return False
        time.sleep(0.5)
    return False


def request(url: str, action: str, data: dict[str, Any] | None = None, auth: str | None = None,
            headers: dict[str, str] | None = None, files: Any = None, method: str | None = None,
            timeout: float = 60) -> requests.Response:
    """One Action API call as a client makes it: GET for reads, POST for writes
    (JSON, or multipart when there are files); ``auth`` is an API token."""
    headers = {**(headers or {}), **({"Authorization": auth} if auth else {})}
    address = f"{url.rstrip('/')}/api/3/action/{action}"
    data = data or {}
    if (method or ("post" if files is not None or action.endswith(_WRITES) else "get")) == "get":
        return requests.get(address, params=data, headers=headers, timeout=timeout)
    if files is not None:
        return requests.post(address, data=data, files=files, headers=headers, timeout=timeout)
    return requests.post(address, json=data, headers=headers, timeout=timeout)


def result(url: str, action: str, data: dict[str, Any] | None = None, auth: str | None = None,
           headers: dict[str, str] | None = None, files: Any = None, method: str | None = None,
           timeout: float = 60) -> Any:
    """An action's result; fails the test on an error answer."""
    answer = request(url, action, data, auth, headers, files, method, timeout)
    try:
        body = answer.json()
    except ValueError:
        pytest.fail(f"{action}: HTTP {answer.status_code}, not JSON: {answer.text[:300]}", pytrace=False)
    assert body["success"], (action, answer.status_code, body.get("error"))
    return body["result"]


def token(portal: dict[str, Any]) -> dict[str, str]:
    """The sysadmin's API token of that portal, as a request header."""
    return {"Authorization": (portal["local"] / "admin-api-token").read_text().strip()}


def api(portal: dict[str, Any], action: str, headers: dict[str, str] | None = None, files: Any = None,
        **data: Any) -> Any:
    """An action's result on the session's portal; fails the test on an error answer."""
    return result(portal["url"], action, data, headers=headers, files=files)


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
