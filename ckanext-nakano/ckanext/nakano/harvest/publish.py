"""Publishing a harvested file: the dataset and its resources, stored in CKAN's
own file storage (not linked), with the validation report the harvester made.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.uploader import get_max_resource_size, get_resource_uploader

from .. import vocab
from ..frequency import frequency_uri
from ..model import Validation
from ..validation import copies
from . import mapping

# Metadata a sidecar file (or a source's defaults) may give.
DATASET_KEYS = {"title", "title_en", "notes", "notes_en", "category", "standard_dataset", "license_id",
                "frequency", "frequency_note", "contact", "spatial_coverage", "temporal_coverage",
                "tags", "version", "language", "issued", "url", "name",
                # the register item the file publishes (its 管理番号), docs/inventory.md
                "inventory_item"}
RESOURCE_KEYS = {"resource_name", "resource_name_en", "resource_description"}
ALLOWED_KEYS = DATASET_KEYS | RESOURCE_KEYS


@dataclass
class File:
    path: Path
    filename: str
    name: str
    format: str
    description: str = ""
    encoding: str | None = None


def dataset_fields(meta: dict[str, Any], *, title: str, owner_org: str, source_label: str) -> dict[str, Any]:
    """The ward dataset dict from a file's metadata (sidecar over source defaults)."""
    title = meta.get("title") or title
    standard = meta.get("standard_dataset") or mapping.standard_dataset_for(title) or ""
    fields: dict[str, Any] = {k: v for k, v in meta.items() if k in DATASET_KEYS - {"tags", "name"}}
    fields.update({
        "title": title,
        "notes": meta.get("notes") or title,
        "owner_org": owner_org,
        "license_id": mapping.license_id(meta.get("license_id"), "cc-by"),
        "category": meta.get("category") or mapping.category_for(title, standard) or "",
        "standard_dataset": standard,
        "spatial_coverage": meta.get("spatial_coverage") or [{"text": vocab.WHOLE_WARD}],
        "modified": datetime.date.today().isoformat(),
        "source_system": source_label,
    })
    frequency = str(meta.get("frequency") or "")
    if frequency and not frequency.startswith("http"):  # 「毎月」 → EU code, the words kept
        fields["frequency"], fields["frequency_note"] = frequency_uri(frequency), frequency
    contact = meta.get("contact")
    if isinstance(contact, str):
        fields["contact"] = [{"name": contact}]
    elif isinstance(contact, dict):
        fields["contact"] = [contact]
    tags = meta.get("tags") or []
    if tags:
        fields["tag_string"] = ",".join(tags if isinstance(tags, list) else [str(tags)])
    if meta.get("name"):
        fields["name"] = meta["name"]
    return fields


def published_as(source_system: str, owner_org: str) -> str | None:
    """The active dataset of the department made from this source and file, if any
    (``source_system`` names both)."""
    found = (model.Session.query(model.Package.id)
             .filter(model.Package.extras["source_system"].astext == source_system,
                     model.Package.owner_org == owner_org, model.Package.state == "active",
                     model.Package.type == "dataset")
             .order_by(model.Package.metadata_created).first())
    return found[0] if found else None


def _context(user: str) -> dict[str, Any]:
    # package_create/package_update run no resource hooks, so no validation job is
    # queued: the harvester validated the file and stores its report below.
    return {"user": user, "ignore_auth": True}


def publish(fields: dict[str, Any], files: list[File], *, user: str, package_id: str | None,
            report: dict[str, Any], report_dir: Path | None) -> str:
    """Create or update the dataset with its files in one action (one search-index
    update); returns its id. Resources are matched by name."""
    existing = None
    if package_id:
        try:
            existing = tk.get_action("package_show")(_context(user), {"id": package_id})
        except tk.ObjectNotFound:
            existing = None
    streams = [file.path.open("rb") for file in files]
    try:
        resources = []
        by_name = {r["name"]: r for r in (existing or {}).get("resources", [])}
        for file, stream in zip(files, streams):
            resource = {**by_name.get(file.name, {}), "name": file.name, "format": file.format,
                        "description": file.description, "url": file.filename,
                        "upload": FileStorage(stream=stream, filename=file.filename)}
            if file.encoding:
                resource["encoding"] = file.encoding
            resources.append(resource)
        kept = [r for name, r in by_name.items() if name not in {f.name for f in files}]
        if existing:
            fields = {k: v for k, v in fields.items() if k != "name"}   # the URL stays
            fields["issued"] = existing.get("issued") or fields.get("issued")
            data = {**existing, **fields, "resources": resources + kept}
            dataset = tk.get_action("package_update")(_context(user), data)
        else:
            fields.setdefault("issued", datetime.date.today().isoformat())
            dataset = _create_with_files(fields, resources, user)
    finally:
        for stream in streams:
            stream.close()
    for resource in dataset["resources"]:
        if resource["name"] in {f.name for f in files}:
            shown = report
            if report_dir and report_dir.is_dir():
                named = report.get("copies") or {}
                kept = copies.keep(resource["id"], report_dir, list(named.values()))
                shown = {**report, "copies": {kind: name for kind, name in named.items() if name in kept}}
            Validation.set(resource["id"], report["status"], shown)
    return dataset["id"]


def _create_with_files(fields: dict[str, Any], resources: list[dict[str, Any]], user: str) -> dict[str, Any]:
    """package_create does not store uploads (package_update does): the resources are
    created with it, then each file goes through CKAN's resource uploader."""
    uploaders = [get_resource_uploader(resource) for resource in resources]   # sets url, size, mimetype
    for resource, uploader in zip(resources, uploaders):
        resource.pop("upload", None)
        for key in ("mimetype", "filesize"):
            if getattr(uploader, key, None):
                resource["size" if key == "filesize" else key] = getattr(uploader, key)
    # return_id_only: package_create's own package_show would cost a fifth of the harvest.
    dataset_id = tk.get_action("package_create")({**_context(user), "return_id_only": True},
                                                 {**fields, "resources": resources})
    created = sorted(model.Package.get(dataset_id).resources, key=lambda r: r.position)
    try:
        for resource, uploader in zip(created, uploaders):
            uploader.upload(resource.id, get_max_resource_size())
    except Exception:
        tk.get_action("dataset_purge")(_context(user), {"id": dataset_id})   # no half-made dataset
        raise
    return {"id": dataset_id, "resources": [{"id": r.id, "name": r.name} for r in created]}
