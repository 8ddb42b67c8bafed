"""Link checking of resource URLs (a scheduled job), feeding the accessibility
dimension of the quality score.

External URLs are fetched under the harvesters' address rules (fetch.py:
private, loopback and link-local addresses refused unless allowed; redirects
re-checked), a few at a time; uploaded files are looked up in storage.
"""
from __future__ import annotations

import datetime
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from .. import uploads
from ..fetch import FetchRefused, probe
from ..model import LinkCheck

log = logging.getLogger(__name__)


def _check_url(url: str, allowed: set[str], timeout: float) -> tuple[str, int | None, str | None]:
    try:
        return "ok", probe(url, allowed_hosts=allowed, timeout=timeout), None
    except FetchRefused as exc:
        if exc.code in ("private-address", "not-http"):
            return "refused", None, exc.code
        detail = str(exc.values.get("detail", ""))
        status = int(detail[5:]) if detail.startswith("HTTP ") and detail[5:].isdigit() else None
        return "broken", status, detail or exc.code
    except Exception as exc:  # never let one URL stop the run
        return "error", None, type(exc).__name__


def _check_upload(resource: dict[str, Any]) -> tuple[str, int | None, str | None]:
    return ("ok", None, None) if uploads.exists(resource) else ("broken", None, "file missing")


def resources_to_check() -> list[dict[str, Any]]:
    rows = model.Session.query(model.Resource.id, model.Resource.package_id, model.Resource.url,
                               model.Resource.url_type).join(
        model.Package, model.Package.id == model.Resource.package_id).filter(
        model.Resource.state == "active", model.Package.state == "active")
    return [{"id": rid, "package_id": pid, "url": url or "", "url_type": url_type}
            for rid, pid, url, url_type in rows]


def check_all(resources: list[dict[str, Any]] | None = None) -> dict[str, int]:
    """Check every active resource; returns counts per status."""
    resources = resources_to_check() if resources is None else resources
    allowed = set(tk.config["ckanext.nakano.fetch.allowed_hosts"])
    timeout = tk.config["ckanext.nakano.metrics.linkcheck_timeout"]

    def check(res: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, int | None, str | None]]:
        if res.get("url_type") == "upload":
            return res, _check_upload(res)
        return res, _check_url(res["url"], allowed, timeout)

    counts: dict[str, int] = {}
    now = datetime.datetime.utcnow()
    workers = tk.config["ckanext.nakano.metrics.linkcheck_concurrency"]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for res, (status, http_status, message) in pool.map(check, resources):
            row = model.Session.get(LinkCheck, res["id"]) or LinkCheck(resource_id=res["id"])
            row.package_id, row.url, row.status = res["package_id"], res["url"], status
            row.http_status, row.message, row.checked = http_status, message, now
            model.Session.add(row)
            counts[status] = counts.get(status, 0) + 1
    model.Session.commit()
    log.info("link check: %s", counts)
    return counts
