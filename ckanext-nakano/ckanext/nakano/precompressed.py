"""CSS/JS bundles sent compressed once and for all: Brotli or gzip files kept
beside each bundle of ``ckan asset build`` and sent to browsers that accept
them (``Content-Encoding``), so neither CKAN nor nginx compresses the same
586 KB ``vendor.js`` again on every request.

nginx's gzip filter only knows gzip at the level a request can afford, and
the official nginx image has no Brotli module; precompressed files give
Brotli's best level (about a fifth smaller than gzip on the bundles) to
every deployment, with or without nginx. A compressed copy is written the
first time a bundle is asked for (once per build: bundle names carry their
content's hash) next to the bundle, atomically; when the folder cannot be
written, the bundle goes out as it is and nginx gzips it.
"""
from __future__ import annotations

import gzip
import logging
import mimetypes
import os
import tempfile
from pathlib import Path

import brotli
from flask import Response, request, send_file
from werkzeug.http import parse_accept_header

import ckan.plugins.toolkit as tk
from ckan.lib.webassets_tools import get_webassets_path

__all__ = ["serve", "ENCODINGS", "COMPRESSIBLE"]

log = logging.getLogger(__name__)

# Text formats worth compressing (fonts and images in the bundles' folders are compressed already).
COMPRESSIBLE = {".js", ".css", ".map", ".json", ".svg", ".txt", ".xml", ".html"}
# Preferred first: Brotli is smaller at its best level; gzip for every other browser.
ENCODINGS = (("br", ".br", lambda data: brotli.compress(data, quality=11)),
             ("gzip", ".gz", lambda data: gzip.compress(data, compresslevel=9, mtime=0)))


def _accepted(name: str) -> bool:
    accepted = parse_accept_header(request.headers.get("Accept-Encoding", ""))
    return accepted[name] > 0 or (accepted["*"] > 0 and name not in accepted)


def _copy(source: Path, suffix: str, compress) -> Path | None:
    """The compressed copy of ``source``, written now if missing or older; None if it cannot be."""
    target = source.with_name(source.name + suffix)
    if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    temporary = None
    try:
        data = compress(source.read_bytes())
        # Written whole under another name, then renamed: a concurrent request never reads half a file.
        handle, temporary = tempfile.mkstemp(dir=source.parent, prefix=".nakano-", suffix=suffix)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
        return target
    except OSError as error:   # a read-only folder: the bundle is sent uncompressed
        log.warning("cannot write the compressed copy of %s: %s", source, error)
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        return None


def serve() -> Response | None:
    """``before_request``: a compressed bundle for a GET of ``ckan.webassets.url``; None otherwise."""
    if request.method not in ("GET", "HEAD"):
        return None
    prefix = tk.config["ckan.webassets.url"].rstrip("/") + "/"
    if not request.path.startswith(prefix):
        return None
    folder = Path(get_webassets_path()).resolve()
    source = (folder / request.path[len(prefix):]).resolve()
    if folder not in source.parents or source.suffix not in COMPRESSIBLE or not source.is_file():
        return None   # CKAN's own view answers (404s, images)
    for name, suffix, compress in ENCODINGS:
        if not _accepted(name):
            continue
        copy = _copy(source, suffix, compress)
        if copy is None:
            continue
        # Flask adds "; charset=utf-8" to text/* itself.
        mimetype = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        response = send_file(copy, mimetype=mimetype, conditional=True, etag=True, max_age=None)
        response.headers.pop("Content-Disposition", None)   # send_file names the .br/.gz file
        response.headers["Content-Encoding"] = name
        response.vary.add("Accept-Encoding")
        return response
    return None
