"""Uploaded resource files, wherever CKAN keeps them.

CKAN 2.12 stores uploads either in ``ckan.storage_path`` (its classic
uploader) or in a configured file storage (``ckan.files.storage.resources``:
an S3-compatible bucket, for instance, shared by every web node and worker).
The validation job, the link check and the metrics publisher read uploads
through here, so they work with both.
"""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any, Iterator

import file_keeper as fk
from ckan.lib.uploader import get_resource_uploader


def resource_storage() -> fk.Storage | None:
    """The file storage of resource uploads; None with CKAN's classic uploader."""
    return getattr(get_resource_uploader({}), "storage", None)


def blocks(stream: Any, size: int = 1024 * 1024) -> Iterator[bytes]:
    """A storage's stream in large blocks (S3's body iterates 1 KB at a time)."""
    if hasattr(stream, "read"):
        yield from iter(lambda: stream.read(size), b"")
    else:
        yield from stream


def _located(resource: dict[str, Any]) -> tuple[Any, Any]:
    """(storage or None, location): a path for local storage, else the storage's location."""
    upload = get_resource_uploader(dict(resource))   # the uploader pops keys of what it is given
    return getattr(upload, "storage", None), upload.get_path(resource["id"])


def exists(resource: dict[str, Any]) -> bool:
    storage, location = _located(resource)
    if storage is None:
        return bool(location) and Path(location).is_file()
    return storage.exists(fk.FileData(location))


@contextlib.contextmanager
def local_copy(resource: dict[str, Any], directory: Path | None = None) -> Iterator[Path]:
    """The upload as a local file: the file itself on local storage, else a
    temporary copy streamed from the storage (removed afterwards).

    :raises FileNotFoundError: when the storage holds no such file
    """
    storage, location = _located(resource)
    if storage is None:
        yield Path(location)
        return
    try:
        stream = storage.stream(fk.FileData(location))
    except fk.exc.MissingFileError as exc:
        raise FileNotFoundError(location) from exc
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".upload") as copy:
        for block in blocks(stream):
            copy.write(block)
        copy.flush()
        yield Path(copy.name)


def read_bytes(resource: dict[str, Any]) -> bytes:
    with local_copy(resource) as path:
        return path.read_bytes()

