"""Derived copies of an upload (the UTF-8 CSV made of a CP932 file), kept
where the uploads are kept.

With CKAN's classic uploader they live in ``ckan.storage_path``; with a file
storage for resources (an S3 bucket shared by every web node and worker)
they go into that storage, beside the uploads, so that any node serves the
copy a worker on another machine made.
"""
from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import file_keeper as fk
import flask

import ckan.plugins.toolkit as tk
from ckan.lib import files

from .. import uploads

log = logging.getLogger(__name__)

# Resource files sit at <3 hex>/<3 hex>/<rest of the id>: this prefix cannot meet them.
PREFIX = "nakano-validation"


def local_dir(resource_id: str) -> Path:
    return Path(tk.config["ckan.storage_path"]) / PREFIX / resource_id


@contextlib.contextmanager
def workspace(resource_id: str) -> Iterator[Path]:
    """The folder a job writes the copies in: their own folder on local
    storage; a temporary one (removed after) when they go into a file storage."""
    if uploads.resource_storage() is None:
        folder = local_dir(resource_id)
        folder.mkdir(parents=True, exist_ok=True)
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="nakano-copies-") as folder:
        yield Path(folder)


def keep(resource_id: str, folder: Path, names: list[str]) -> list[str]:
    """Keep the named copies of ``folder`` as the resource's copies; returns the
    names kept (a copy the storage refuses, too large for instance, is left out)."""
    storage = uploads.resource_storage()
    if storage is None:
        target = local_dir(resource_id)
        if folder.resolve() != target.resolve():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for name in names:
                shutil.copy2(folder / name, target / name)
        return names
    kept = []
    for name in names:
        location = _location(storage, resource_id, name)
        try:
            if storage.exists(fk.FileData(location)):   # a storage may refuse to overwrite
                storage.remove(fk.FileData(location))
            with (folder / name).open("rb") as stream:
                storage.upload(location, fk.make_upload(stream))
        except fk.exc.FilesError as exc:
            log.warning("copy %s of resource %s not kept: %s", name, resource_id, exc)
            continue
        kept.append(name)
    return kept


def send(resource_id: str, name: str, mimetype: str) -> flask.Response:
    """The copy as a download, from wherever it is kept, as CKAN's download view
    sends an upload (a CKAN storage answers itself: ``nakano:s3`` may redirect)."""
    storage = uploads.resource_storage()
    if storage is None:
        return flask.send_from_directory(local_dir(resource_id), name, mimetype=mimetype, as_attachment=True,
                                         download_name=name)
    location = _location(storage, resource_id, name)
    try:
        data = files.FileData(location, size=storage.size(location), content_type=mimetype)
    except fk.exc.LocationError:
        return tk.abort(404, tk._("No such copy"))
    if isinstance(storage, files.Storage):
        return storage.as_response(data, name)
    response = flask.Response(uploads.blocks(storage.stream(data)), mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=name)   # RFC 6266 for any name
    return response


def _location(storage: fk.Storage, resource_id: str, name: str) -> fk.types.Location:
    return storage.prepare_location(f"{PREFIX}/{resource_id}/{name}")
