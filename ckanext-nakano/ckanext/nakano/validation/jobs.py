"""Background validation of resources (RQ on Redis, run by ``ckan jobs worker``)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.uploader import get_resource_uploader

from ..model import Validation
from .report import Report
from .runner import Limits, validate_file

log = logging.getLogger(__name__)
TABULAR = {"csv", "xlsx", "tsv", "txt"}
JOB_TIMEOUT = 900  # seconds; a stuck file ends as an RQ failure, never a hung worker


def is_tabular(resource: dict[str, Any]) -> bool:
    fmt = (resource.get("format") or "").lower()
    name = (resource.get("url") or "").lower()
    return fmt in TABULAR or name.endswith((".csv", ".xlsx", ".tsv"))


def copies_dir(resource_id: str) -> Path:
    return Path(tk.config["ckan.storage_path"]) / "nakano-validation" / resource_id


def enqueue(resource: dict[str, Any]) -> None:
    if not is_tabular(resource):
        return
    Validation.set(resource["id"], "pending")
    tk.enqueue_job(run, [resource["id"]], title=f"nakano validation {resource['id']}",
                   rq_kwargs={"timeout": JOB_TIMEOUT})


def run(resource_id: str) -> str:
    """The job: validate the stored file and keep the report. Never raises."""
    context = {"ignore_auth": True}
    try:
        resource = tk.get_action("resource_show")(context, {"id": resource_id})
        dataset = tk.get_action("package_show")(context, {"id": resource["package_id"]})
        if resource.get("url_type") != "upload":
            report = Report(status="error")
            report.add("remote-not-fetched", "warning")
            report.status = "error"
        else:
            path = Path(get_resource_uploader(resource).get_path(resource_id))
            out_dir = copies_dir(resource_id)
            out_dir.mkdir(parents=True, exist_ok=True)
            report = validate_file(
                path, filename=resource.get("url", "").rsplit("/", 1)[-1] or path.name,
                out_dir=out_dir,
                standard=resource.get("conforms_to_schema") or dataset.get("standard_dataset") or None,
                declared_encoding=resource.get("encoding") or None,
                limits=Limits(tk.config["ckanext.nakano.validation.max_bytes"],
                              tk.config["ckanext.nakano.validation.max_xlsx_uncompressed"]))
    except Exception as exc:  # the report says what went wrong; the file stays published
        log.exception("validation of %s failed", resource_id)
        report = Report()
        report.fail("internal-error", detail=type(exc).__name__)
    Validation.set(resource_id, report.status, report.as_dict())
    return report.status
