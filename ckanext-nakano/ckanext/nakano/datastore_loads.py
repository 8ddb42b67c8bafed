"""What the page says about a resource's DataStore table (the rows behind the
preview and the converted downloads), from ckanext-xloader's status, in the
reader's language; and the rule that a failed load leaves no table.

xloader's errors are English internals ("The file could not be read as a
table…", a PostgreSQL message with a CREATE TABLE): each is mapped to a
message code of validation/messages.yaml that says what happened and what
to do. Messages the portal's own download raised are stored coded
(messages.py: ``{"code", "values"}``) and said from their code.
"""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk

from . import redact
from . import messages

log = logging.getLogger(__name__)

__all__ = ["state", "drop_table_of_failed_load"]

# xloader's error texts (2.5.2) → our message codes; the first that matches wins.
_KNOWN = [
    ("at most 1600 columns", "load-too-many-columns"),
    ("could not be read as a table", "load-not-a-table"),
    ("No such file or directory: '/tmp/output_", "load-empty"),   # xloader's COPY of an empty file
    ("encoding", "load-encoding"),      # 「Cannot parse … using "charmap" encoding」 and kin
    ("codec can't decode", "load-encoding"),
]
# The portal's guard (fetch.py) could not or would not fetch a linked file.
_UNREACHABLE = {"fetch-failed", "private-address"}


def _host(values: dict[str, Any]) -> str:
    try:
        return urlsplit(str(values.get("url") or "")).hostname or str(values.get("host") or "?")
    except ValueError:   # a URL shown shortened or masked (redact.py) may not parse
        return str(values.get("host") or "?")


def _message(error: Any) -> dict[str, str]:
    """``{"code", "text"}``: what the page says of a failed load, in the reader's language."""
    text = error.get("message") if isinstance(error, dict) else error
    text = redact.text(str(text or ""))
    own = messages.find(text)   # ours, stored coded (xloader may wrap it)
    if own and own[0] in _UNREACHABLE:
        # The visitor needs what happened and where the file is; the network detail
        # (DNS, TLS, HTTP status) is for the department's staff.
        return {"code": "load-unreachable", "text": messages.say("load-unreachable", {"host": _host(own[1])}),
                "detail": messages.say(own[0], own[1])}
    if own:
        return {"code": own[0], "text": messages.say(own[0], own[1])}
    code = next((c for needle, c in _KNOWN if needle in text), "load-failed")
    return {"code": code, "text": messages.say(code, {"detail": text.splitlines()[0][:120] if text else "?"})}


def state(resource: dict[str, Any]) -> dict[str, Any] | None:
    """``{"status": "error", "code": …, "text": …}`` when the last load failed (the text in
    the reader's language), ``{"status": "pending"}`` while one runs, None when there is
    nothing to say."""
    if resource.get("url_type") == "datastore":
        return None
    try:
        status = tk.get_action("xloader_status")({"ignore_auth": True}, {"resource_id": resource["id"]})
    except (tk.ObjectNotFound, tk.ValidationError):
        return None
    if status.get("status") == "error":
        return {"status": "error", **_message(status.get("error") or (status.get("task_info") or {}).get("error"))}
    if status.get("status") in ("pending", "submitting", "running"):
        return {"status": "pending"}
    return None


def drop_table_of_failed_load(resource_id: str) -> None:
    """After a failed load: no table may stay behind that is not the file's
    (an empty one made before the failure, or the previous file's), so the
    page and the API never offer rows the published file does not have."""
    try:
        tk.get_action("datastore_delete")({"ignore_auth": True}, {"resource_id": resource_id, "force": True})
        log.info("DataStore table of %s removed after a failed load", resource_id)
    except tk.ObjectNotFound:
        pass
