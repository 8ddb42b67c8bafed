"""Background validation of resources (RQ on Redis, run by ``ckan nakano worker``)."""
from __future__ import annotations

import contextlib
import logging
from typing import Any
from urllib.parse import urlparse

import ckan.plugins.toolkit as tk

from .. import uploads
from ..background import queues
from ..fetch import FetchRefused, safe_download
from ..metrics import quality
from ..model import Validation
from . import copies, datastore_types
from .report import Report
from .runner import Limits, validate_file

log = logging.getLogger(__name__)
TABULAR = {"csv", "xlsx", "tsv", "txt"}
JOB_TIMEOUT = 900  # seconds; a stuck file ends as an RQ failure, never a hung worker


def is_tabular(resource: dict[str, Any]) -> bool:
    fmt = (resource.get("format") or "").lower()
    name = (resource.get("url") or "").lower()
    return fmt in TABULAR or name.endswith((".csv", ".xlsx", ".tsv"))


# Set by before_resource_update, per resource id: whether the edit changed
# what validation reads (a context may carry several resources' updates).
FILE_CHANGED = "nakano_file_changed"
# Fields whose change needs a new validation (the file, its declared form).
_VALIDATED = ("url", "conforms_to_schema", "encoding", "format")


def file_changed(current: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether an update touches what validation reads: a new upload, another
    link, or another declared table schema, encoding or format. xloader's own
    update (datastore_active) and metadata edits do not."""
    upload = new.get("upload")
    if getattr(upload, "filename", None):
        return True
    for key in _VALIDATED:
        if key not in new:
            continue
        if key == "url" and (new.get("url_type") or current.get("url_type")) == "upload":
            continue   # an upload's link is rebuilt from its name; the file changes only with a new upload
        if (new.get(key) or "") != (current.get(key) or ""):
            return True
    return False


def enqueue(resource: dict[str, Any], context: dict[str, Any] | None = None) -> None:
    context = context or {}
    unchanged = (context.get(FILE_CHANGED) or {}).get(resource.get("id")) is False
    if not is_tabular(resource) or context.get(OWN_UPDATE) or unchanged:
        return
    # Pending before queueing: the worker could otherwise finish first and be
    # overwritten. If a run is already queued, the status is pending anyway.
    Validation.set(resource["id"], "pending")
    queues.enqueue_once("validation", resource["id"], run, title=f"nakano validation {resource['id']}",
                        rq_kwargs={"timeout": JOB_TIMEOUT})


def run(resource_id: str) -> str:
    """The job: validate the stored file and keep the report. Never raises."""
    context = {"ignore_auth": True}
    declared: str | None = None
    package_id: str | None = None
    try:
        resource = tk.get_action("resource_show")(context, {"id": resource_id})
    except tk.ObjectNotFound:  # deleted or purged while the job waited in the queue
        log.info("validation of %s: the resource is gone", resource_id)
        Validation.forget(resource_id)
        return "gone"
    try:
        package_id = resource["package_id"]
        declared = resource.get("encoding") or None
        dataset = tk.get_action("package_show")(context, {"id": resource["package_id"]})
        limits = Limits(tk.config["ckanext.nakano.validation.max_bytes"],
                        tk.config["ckanext.nakano.validation.max_xlsx_uncompressed"])
        filename = urlparse(resource.get("url", "")).path.rsplit("/", 1)[-1] or "data.csv"
        with contextlib.ExitStack() as cleanup:
            out_dir = cleanup.enter_context(copies.workspace(resource_id))
            if resource.get("url_type") == "upload":   # local storage, or a copy from the bucket
                path = cleanup.enter_context(uploads.local_copy(resource, out_dir))
            else:
                path = out_dir / "remote.download"
                cleanup.callback(path.unlink, missing_ok=True)
                safe_download(resource["url"], path, max_bytes=limits.max_bytes,
                              allowed_hosts=set(tk.config["ckanext.nakano.fetch.allowed_hosts"]),
                              timeout=tk.config["ckanext.nakano.fetch.timeout"])
            report = validate_file(
                path, filename=filename, out_dir=out_dir,
                standard=resource.get("conforms_to_schema") or dataset.get("standard_dataset") or None,
                declared_encoding=declared, limits=limits)
            kept = copies.keep(resource_id, out_dir, list(report.copies.values()))
            report.copies = {kind: name for kind, name in report.copies.items() if name in kept}
    except FetchRefused as exc:
        report = Report()
        report.fail(exc.code, **exc.values)
    except Exception as exc:  # the report says what went wrong; the file stays published
        log.exception("validation of %s failed", resource_id)
        report = Report()
        report.fail("internal-error", detail=type(exc).__name__)
    Validation.set(resource_id, report.status, report.as_dict())
    if report.encoding and not declared:
        try:
            _record_detected_encoding(resource_id, report.encoding)
        except tk.ObjectNotFound:  # deleted while it was being validated
            pass
    if report.number_columns:   # the table was loaded before the report was ready
        datastore_types.apply_if_loaded(resource_id)
    if package_id:  # the validation status is part of the dataset's quality score
        quality.refresh(package_id)
    return report.status


# Set on the context of the job's own resource_patch, so that it is not queued again.
OWN_UPDATE = "nakano_validation_update"


def _record_detected_encoding(resource_id: str, encoding: str) -> None:
    """An undeclared encoding is filled in from detection (a declared one is kept:
    the report says when it is wrong)."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    context = {"ignore_auth": True, "user": site_user["name"], OWN_UPDATE: True}
    tk.get_action("resource_patch")(context, {"id": resource_id, "encoding": encoding})


def interrupted(job: Any) -> None:
    """An abandoned validation that will not run again: its report says so
    (the job's subject is the resource id)."""
    report = Report()
    report.fail("interrupted")
    Validation.set(job.args[2], report.status, report.as_dict())

