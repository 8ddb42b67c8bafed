"""Where the portal reaches into ckanext-xloader's private parts (written
against ckanext-xloader 2.5.2, pinned in requirements.txt): its job's
download function, and its job table when a load's worker died.

xloader's job downloads a resource with its own ``requests.get``: it checks
only the scheme, follows redirects wherever they lead, and sends the site
user's API token to fetch uploads over HTTP. Its ``IXloader.can_upload`` hook
sees the resource before the job, not the addresses the job connects to. So
the job's download function is replaced by one that

- reads uploads straight from the portal's file storage (no HTTP, no token);
- fetches every other URL through the portal's guard (``fetch.py``): the
  address actually connected to is checked on every redirect;
- hands xloader text in UTF-8: xloader guesses a file's encoding with chardet,
  which takes a short CP932 (Shift_JIS) file for a single-byte code page and
  fails with 「Cannot parse … using "charmap" encoding」. The portal's own
  detection (validation/encoding.py, the validator's) decides, and the file
  is re-encoded before xloader reads it.

When the worker running a load dies (recovery.py), the load is submitted
afresh rather than run again under the same job id (xloader keeps a row per
job id in its own table, and a rerun failed on it), and the abandoned job's
row is marked errored through xloader's private ``db`` module.

What would remove this module: an xloader hook to supply the downloaded file
(or a download function setting), e.g. an ``IXloader.download`` interface;
and a public "mark job errored" action (or xloader recovering its own
abandoned jobs).
"""
from __future__ import annotations

import codecs
import hashlib
import json
import logging
import tempfile
from pathlib import Path
from typing import IO, Any

from rq.job import Job

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.xloader import db as xloader_db
from ckanext.xloader import jobs as xloader_jobs
from ckanext.xloader.job_exceptions import JobError

from . import fetch, uploads
from .background.recovery import RETRIED
from . import messages
from .validation import encoding

__all__ = ["install", "download", "XLOADER_JOB", "load_afresh", "load_failed"]

XLOADER_JOB = "ckanext.xloader.jobs.xloader_data_into_datastore"

log = logging.getLogger(__name__)


def install() -> None:
    """Called once the plugins are configured (web processes and job workers)."""
    xloader_jobs._download_resource_data = download


def download(resource: dict[str, Any], data: dict[str, Any], api_key: str | None,
             logger: logging.Logger) -> tuple[IO[bytes], str]:
    """xloader's ``_download_resource_data``: (temporary file, MD5 of its bytes).

    Same contract as 2.5.2's: a JobError when the file cannot be had, the whole
    file or nothing (``datastore_contains_all_records_of_source_file``).
    """
    limit = int(xloader_jobs.max_content_length or tk.config.get("ckanext.xloader.max_content_length") or 10**9)
    suffix = "-" + (resource.get("url") or "").split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1][-60:]
    target = tempfile.NamedTemporaryFile(suffix=suffix)
    digest = hashlib.md5(usedforsecurity=False)
    try:
        if resource.get("url_type") == "upload":
            logger.info("Reading the uploaded file from storage")
            _copy_upload(resource, target, digest, limit)
        else:
            logger.info("Fetching from: %s", fetch.canonical_url(resource.get("url") or ""))
            _copy_remote(resource["url"], target, digest, limit)
    except fetch.FetchRefused as exc:
        target.close()
        raise JobError(messages.stored(exc.code, **exc.values)) from exc
    except FileNotFoundError as exc:
        target.close()
        raise JobError(messages.stored("upload-missing")) from exc
    if target.tell() == 0:
        target.close()
        raise JobError(messages.stored("load-empty"))
    data["datastore_contains_all_records_of_source_file"] = True
    target.flush()
    target = as_utf8(target, suffix, logger)
    target.seek(0)
    return target, digest.hexdigest()


# Encodings xloader's guess gets wrong; UTF-8 (with or without BOM) it reads.
_REENCODE = {"cp932", "utf-16"}


def as_utf8(target: IO[bytes], suffix: str, logger: logging.Logger) -> IO[bytes]:
    """``target`` itself, or a UTF-8 copy of it when it is CP932 or UTF-16 text
    (the MD5 stays that of the original bytes: it tells xloader whether the
    file changed). Workbooks and other binary files are left alone."""
    target.seek(0)
    if target.read(4) == b"PK\x03\x04":
        return target
    detected = encoding.detect(Path(target.name))
    if detected.encoding not in _REENCODE or detected.error:
        return target
    logger.info("Re-encoding from %s to UTF-8", detected.encoding)
    copy = tempfile.NamedTemporaryFile(suffix=suffix)
    decoder = codecs.getincrementaldecoder(detected.encoding)(errors="strict")
    target.seek(0)
    for block in iter(lambda: target.read(1 << 20), b""):
        copy.write(decoder.decode(block).encode("utf-8"))
    copy.write(decoder.decode(b"", final=True).encode("utf-8"))
    copy.flush()
    target.close()
    return copy


def _copy_upload(resource: dict[str, Any], target: IO[bytes], digest: Any, limit: int) -> None:
    with uploads.local_copy(resource) as path, path.open("rb") as source:
        size = 0
        for block in iter(lambda: source.read(1 << 16), b""):
            size += len(block)
            if size > limit:
                raise fetch.FetchRefused("too-large", size=f"> {limit}", limit=limit)
            digest.update(block)
            target.write(block)


def _copy_remote(url: str, target: IO[bytes], digest: Any, limit: int) -> None:
    timeout = tk.config["ckanext.nakano.fetch.timeout"]
    response = fetch.open_url(url, tk.config["ckanext.nakano.fetch.allowed_hosts"], timeout)
    for block in fetch.chunks(response, url, limit, None):
        digest.update(block)
        target.write(block)



def _site_context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def _mark_job_errored(job_id: str, message: str) -> None:
    xloader_db.init(tk.config)
    if xloader_db.get_job(job_id):
        xloader_db.mark_job_as_errored(job_id, message)


def load_afresh(job: Job) -> str | None:
    """A fresh xloader job for an abandoned load's resource, marked as the one
    retry; its id, or None when xloader does not take it."""
    resource_id = job.args[0]["metadata"]["resource_id"]
    if not tk.get_action("xloader_submit")(_site_context(), {"resource_id": resource_id}):
        return None
    # xloader records the new job in its task through a session of its own: read
    # the row afresh (this session may hold the task as it was before).
    task = model.Session.query(model.TaskStatus).filter_by(
        entity_id=resource_id, task_type="xloader", key="xloader").populate_existing().first()
    new_id = json.loads(task.value or "{}").get("job_id") if task else None
    if not new_id or new_id == job.id:
        return None
    new = Job.fetch(new_id, connection=job.connection)
    new.meta[RETRIED] = True
    new.save_meta()
    _mark_job_errored(job.id, f"worker stopped; loaded again as job {new_id}")
    return new_id


def load_failed(job: Job) -> None:
    """The resource's load status says the load stopped, as xloader's own
    callback does when a job ends with an error (the task stores the error as
    JSON text; xloader_status decodes it)."""
    resource_id = job.args[0]["metadata"]["resource_id"]
    message = messages.stored("load-interrupted")   # said in the reader's language (datastore_loads.py)
    tk.get_action("xloader_hook")(_site_context(), {
        "metadata": {"resource_id": resource_id}, "status": "error",
        "error": json.dumps({"message": message}, ensure_ascii=False)})
    _mark_job_errored(job.id, message)

