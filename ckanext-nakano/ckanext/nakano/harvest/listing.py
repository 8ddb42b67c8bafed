"""What a folder source holds: a local directory, an HTTP directory listing or a JSON manifest.

Every entry stays inside its source: a local file must resolve under the
source folder (symlinks included), a listed URL must share the listing's
scheme, host and path prefix.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

from ..fetch import FetchRefused, safe_get
from ..messages import CodedError

DATA_SUFFIXES = (".csv", ".xlsx", ".tsv")
SIDECAR_SUFFIXES = (".yaml", ".yml", ".json")
MAX_LISTING_BYTES = 10 * 1024 * 1024


class ListingError(CodedError):
    """The source cannot be listed, or lists something outside itself."""


@dataclass
class Entry:
    guid: str                       # path relative to the source: stable across runs
    location: str                   # absolute local path or URL
    sidecar: str | None = None      # local path or URL of the metadata file
    sha256: str | None = None       # given by a manifest
    metadata: dict[str, Any] = field(default_factory=dict)   # given inline by a manifest

    def as_dict(self) -> dict[str, Any]:
        return {"guid": self.guid, "location": self.location, "sidecar": self.sidecar,
                "sha256": self.sha256, "metadata": self.metadata}


def is_local(url: str) -> bool:
    return url.startswith("file://") or url.startswith("/")


def local_root(url: str, allowed_roots: list[str]) -> Path:
    path = Path(unquote(urlparse(url).path) if url.startswith("file://") else url).resolve()
    roots = [Path(r).resolve() for r in allowed_roots]
    if not any(path == r or path.is_relative_to(r) for r in roots):
        raise ListingError("folder-not-allowed", path=path)
    if not path.is_dir():
        raise ListingError("folder-missing", path=path)
    return path


def _sidecar_of(data: str, names: set[str]) -> str | None:
    stem = data.rsplit(".", 1)[0]
    return next((stem + s for s in SIDECAR_SUFFIXES if stem + s in names), None)


def list_local(root: Path) -> list[Entry]:
    entries = []
    files = sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())
    names = {p.relative_to(root).as_posix() for p in files}
    for path in files:
        relative = path.relative_to(root).as_posix()
        if not relative.lower().endswith(DATA_SUFFIXES) or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if not path.resolve().is_relative_to(root):  # a symlink out of the share
            raise ListingError("outside-source", path=relative)
        sidecar = _sidecar_of(relative, names)
        if sidecar and not (root / sidecar).resolve().is_relative_to(root):
            raise ListingError("outside-source", path=sidecar)
        entries.append(Entry(relative, str(path), str(root / sidecar) if sidecar else None))
    return entries


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def _inside(base: str, url: str) -> str | None:
    """``url`` relative to ``base`` when it is inside it, else None."""
    b, u = urlparse(base), urlparse(url)
    if (b.scheme, b.netloc) != (u.scheme, u.netloc):
        return None
    base_dir = b.path if b.path.endswith("/") else b.path.rsplit("/", 1)[0] + "/"
    path = str(PurePosixPath(unquote(u.path)))
    if ".." in PurePosixPath(unquote(u.path)).parts or not (path + "/").startswith(unquote(base_dir)):
        return None
    return path[len(unquote(base_dir)):].lstrip("/")


def list_http(url: str, allowed_hosts: set[str], timeout: float) -> list[Entry]:
    try:
        body, content_type = safe_get(url, max_bytes=MAX_LISTING_BYTES, allowed_hosts=allowed_hosts,
                                      timeout=timeout)
    except FetchRefused as exc:
        raise ListingError(exc.code, **exc.values) from exc
    if "json" in content_type or urlparse(url).path.endswith(".json"):
        return _manifest(url, body)
    parser = _Links()
    parser.feed(body.decode("utf-8", errors="replace"))
    located: dict[str, str] = {}
    for href in parser.hrefs:
        absolute = urljoin(url, href).split("#", 1)[0].split("?", 1)[0]
        relative = _inside(url, absolute)
        if relative:   # links out of the folder (parent, other hosts) are not files of this source
            located[relative] = absolute
    names = set(located)
    return [Entry(rel, located[rel], located.get(_sidecar_of(rel, names) or ""))
            for rel in sorted(located) if rel.lower().endswith(DATA_SUFFIXES)]


def _manifest(url: str, body: bytes) -> list[Entry]:
    """``{"files": [{"path": "a.csv", "sha256": "…", "metadata": {…}}, "b.csv", …]}``."""
    try:
        document = json.loads(body)
        items = document["files"] if isinstance(document, dict) else document
        assert isinstance(items, list)
    except (ValueError, KeyError, AssertionError) as exc:
        raise ListingError("listing-failed", detail=f"manifest: {type(exc).__name__}") from exc
    entries = []
    for item in items:
        item = {"path": item} if isinstance(item, str) else item
        absolute = urljoin(url, item["path"])
        relative = _inside(url, absolute)
        # ".." is refused even where it stays on the server: a manifest names its own files.
        if relative is None or ".." in PurePosixPath(unquote(item["path"])).parts:
            raise ListingError("outside-source", path=item["path"])
        sidecar = urljoin(url, item["sidecar"]) if item.get("sidecar") else None
        if sidecar and _inside(url, sidecar) is None:
            raise ListingError("outside-source", path=item["sidecar"])
        entries.append(Entry(relative, absolute, sidecar, item.get("sha256"), item.get("metadata") or {}))
    return entries
