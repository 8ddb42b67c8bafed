"""Data preview and downloads: which files the DataStore loader may fetch, and
the download choices shown on a resource page."""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from .fetch import FetchRefused, check_host

log = logging.getLogger(__name__)


def xloader_may_fetch(resource_id: str) -> bool:
    """ckanext-xloader downloads linked files from the job: the same address
    rules as the harvesters (no private or loopback hosts unless allowed).
    Uploads are fetched from the portal itself and always allowed."""
    resource = model.Resource.get(resource_id)
    if resource is None:
        return False
    if resource.url_type == "upload":
        return True
    try:
        check_host(resource.url, set(tk.config["ckanext.nakano.fetch.allowed_hosts"]))
    except FetchRefused as exc:
        log.warning("DataStore load of %s refused: %s", resource_id, exc)
        return False
    return True


def downloads(pkg: dict[str, Any], res: dict[str, Any], utf8_copy: bool) -> list[dict[str, Any]]:
    """The original file, a UTF-8 CSV, an Excel-friendly CSV (UTF-8 with BOM,
    formula-like cells escaped: table_csv.py) and JSON, each with what is
    known about it before downloading and its name in the page's language (label).

    Converted versions come from the DataStore (CKAN's dump), so they exist
    once the file is loaded; a non-UTF-8 CSV also has the validator's UTF-8 copy.
    """
    items = [{"kind": "original", "label": tk._("Original file"),
              "url": res.get("url"), "format": (res.get("format") or "").upper(), "size": res.get("size")}]
    rows = _datastore_rows(res)
    dump = tk.url_for("datastore.dump", resource_id=res["id"])
    if utf8_copy:
        items.append({"kind": "utf8", "label": tk._("CSV (UTF-8)"), "format": "CSV",
                      "url": tk.url_for("nakano.utf8_copy", id=pkg["name"], resource_id=res["id"])})
    elif rows is not None:   # the portal's own: CKAN's dump adds its internal _id column
        items.append({"kind": "utf8", "label": tk._("CSV (UTF-8)"), "format": "CSV",
                      "url": tk.url_for("nakano.table_copy", id=pkg["name"], resource_id=res["id"]), "rows": rows})
    if rows is not None:
        items.append({"kind": "bom", "label": tk._("CSV for Excel (UTF-8 with BOM)"),
                      "format": "CSV", "rows": rows,
                      "url": tk.url_for("nakano.excel_copy", id=pkg["name"], resource_id=res["id"])})
        items.append({"kind": "json", "label": "JSON", "format": "JSON",
                      "url": dump + "?format=json", "rows": rows})
    return items


def _datastore_rows(res: dict[str, Any]) -> int | None:
    if not res.get("datastore_active"):
        return None
    try:
        return tk.get_action("datastore_search")({}, {"resource_id": res["id"], "limit": 0})["total"]
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None
