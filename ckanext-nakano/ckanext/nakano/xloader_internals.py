"""Where the portal reaches into ckanext-xloader's private parts (written
against ckanext-xloader 2.5.2, pinned in requirements.txt).

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

What would remove this module: an xloader hook to supply the downloaded file
(or a download function setting), e.g. an ``IXloader.download`` interface.
"""
from __future__ import annotations

import codecs
import hashlib
import logging
import tempfile
from pathlib import Path
from typing import IO, Any

import ckan.plugins.toolkit as tk
from ckanext.xloader import jobs as xloader_jobs
from ckanext.xloader.job_exceptions import JobError

from . import fetch, uploads
from .harvest import messages
from .validation import encoding

__all__ = ["install", "download"]

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
        raise JobError(messages.text(exc.code, **exc.values)) from exc
    except FileNotFoundError as exc:
        target.close()
        raise JobError("アップロードされたファイルが見つかりません。 / The uploaded file is missing.") from exc
    if target.tell() == 0:
        target.close()
        raise JobError(messages.text("load-empty"))
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

