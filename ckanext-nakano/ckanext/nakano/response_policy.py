"""What a browser may do with each answer of the portal, set by CKAN itself
(port 5000 has no nginx in front; nginx adds the same, docker/nginx).

- Files (uploads, their converted copies, DataStore dumps, CKAN's file API,
  anything under /uploads/): always a download (``Content-Disposition:
  attachment``), never sniffed, and under a ``sandbox`` policy, so an
  uploaded HTML or SVG file can never run script in the portal's origin,
  whatever its name or type says and under every locale prefix.
- Pages: a Content-Security-Policy with no inline script and no other
  origin's script; the portal's templates keep their scripts in assets
  (templates/ overrides CKAN's few inline handlers).
"""
from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from flask import Response, request
from werkzeug.datastructures import Headers
from werkzeug.http import parse_options_header

import ckan.plugins.toolkit as tk
from ckan import model

__all__ = ["FILE_POLICY", "apply", "page_policy", "is_file_endpoint", "attachment"]

# Quotes, backslashes, path separators and control characters have no place in a file name.
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/;]')
_RESOURCE_ID = re.compile(r"^[\w-]{1,100}$")
# Types a browser would run or apply when a page of the portal loads them.
ACTIVE_TYPES = re.compile(r"javascript|ecmascript|text/css|wasm|html|svg|xml", re.I)
FILE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# Endpoints that send stored files or data exports.
_FILE_ENDPOINTS = {"datastore.dump", "nakano.utf8_copy", "nakano.excel_copy", "nakano.table_copy",
                   "nakano_inventory.export", "datatablesview.filtered_download",
                   "group.member_dump", "organization.member_dump",
                   "nakano_charts.chart_csv", "nakano_charts.chart_svg", "nakano_analysis.standard_csv"}


def is_file_endpoint(endpoint: str, path: str) -> bool:
    """Every route that sends a file: ``<type>_resource.download``,
    ``resource.download``, CKAN's ``file.*download`` and the static
    ``/uploads/`` folder (organization images)."""
    return (endpoint in _FILE_ENDPOINTS or endpoint.endswith(".download") or endpoint.endswith("_download")
            or (endpoint == "static" and "/uploads/" in path))


def page_policy(frame_ancestors: tuple[str, ...] = ()) -> str:
    """The pages' policy: scripts and styles from the portal only (styles may be
    inline: Leaflet and CKAN set element styles), images also from the map's
    tile server; framed by the portal and ``frame_ancestors`` only."""
    images = ["'self'", "data:"]
    tiles = tk.config.get("ckanext.nakano.map.tile_url") or ""
    if tiles:
        parts = urlsplit(tiles.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
        if parts.scheme and host:
            images.append(f"{parts.scheme}://{host}")
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
        f"img-src {' '.join(images)}", "font-src 'self' data:", "connect-src 'self'",
        "frame-src 'self'", " ".join(["frame-ancestors 'self'", *frame_ancestors]), "object-src 'none'", "base-uri 'self'",
        "form-action 'self'",
    ])


def apply(response: Response) -> Response:
    """Flask ``after_request``: the file policy or the page policy."""
    endpoint = request.endpoint or ""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if is_file_endpoint(endpoint, request.path):
        response.headers["Content-Security-Policy"] = FILE_POLICY
        uploaded = endpoint.endswith(("download", ".public_download", ".trusted_download")) or endpoint == "static"
        if uploaded and ACTIVE_TYPES.search(response.headers.get("Content-Type", "")):
            # A script or style of the portal's own origin would pass script-src 'self':
            # an uploaded .js must never be one (nosniff keeps text/plain inert).
            response.headers["Content-Type"] = "text/plain; charset=utf-8"
        if response.status_code < 300 or response.status_code >= 400:
            response.headers["Content-Disposition"] = _attachment(response.headers)
    elif "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = page_policy()
    return response


def _attachment(headers: Headers) -> str:
    """``attachment`` with the file's own name: the URL's, the resource's
    (CKAN names a download without one after its storage path), else what the
    response said."""
    name = (request.view_args or {}).get("filename")
    resource_id = (request.view_args or {}).get("resource_id")
    # Only a file actually sent is named after its resource: a refusal of the request (a NUL in
    # the id, input_guard.py) must not look the id up (PostgreSQL refuses NUL: a 500).
    if (not name and resource_id and request.endpoint and request.endpoint.endswith("download")
            and is_resource_id(resource_id)):
        resource = model.Resource.get(resource_id)
        name = (resource.url or "").split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] if resource else None
    current = headers.get("Content-Disposition", "")
    if not name and "filename" in current:
        name = parse_options_header(current)[1].get("filename")
    return attachment(name or request.path.rstrip("/").rsplit("/", 1)[-1] or "download")


def is_resource_id(value: str) -> bool:
    return bool(_RESOURCE_ID.match(value))


def attachment(name: str) -> str:
    """A ``Content-Disposition`` for a download named ``name`` (RFC 6266): an
    ASCII ``filename`` for old clients and the real name, Japanese included,
    as ``filename*``. HTTP headers are Latin-1: gunicorn drops a response whose
    header holds other characters."""
    name = _UNSAFE_NAME.sub("_", name).strip() or "download"
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    ascii_stem = stem.encode("ascii", "ignore").decode().strip(" ._-") or "download"
    fallback = ascii_stem + dot + ext.encode("ascii", "ignore").decode()
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
