"""The register as a file: what the import reads, of the items the reader may see; and its
public part as the open dataset 「保有データ一覧」 (opendata.py)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ..model import InventoryItem
from . import files, links, schema, store

__all__ = ["register_file", "public_records", "DATASETS_HEADER"]

DATASETS_HEADER = "公開データセット"   # open data only: not a field, the import skips it


def _items(reader: store.Reader, org_ids: list[str] | None) -> list[InventoryItem]:
    query = model.Session.query(InventoryItem).filter(store.visible(reader))
    if org_ids is not None:
        query = query.filter(InventoryItem.organization_id.in_(org_ids))
    return query.order_by(InventoryItem.organization_id, InventoryItem.local_id).all()


def _titles(items: list[InventoryItem]) -> dict[str, str]:
    ids = {i.organization_id for i in items}
    return {g.id: g.title for g in model.Session.query(model.Group).filter(model.Group.id.in_(ids or {""}))}


def _dataset_url(name: str) -> str:
    return tk.config["ckan.site_url"].rstrip("/") + "/dataset/" + name


def register_file(kind: str, reader: store.Reader, org_ids: list[str] | None, public_only: bool = False) -> bytes:
    """The register file of the given departments (None: every one the reader may see): every
    field when the reader is inside all of them, else the public fields (of listed items).
    ``public_only`` adds the public datasets' addresses (the open data file)."""
    inside = not public_only and (reader.sysadmin if org_ids is None else all(reader.inside(o) for o in org_ids))
    items = _items(store.Reader(None) if public_only else reader, org_ids)
    names = [n for n in schema.names() if inside or schema.field(n).visibility == "public"]
    titles = _titles(items)
    datasets = links.datasets_of(i.id for i in items) if public_only else {}
    rows = []
    for item in items:
        row = files.file_cells(store.view_values(item), names, titles.get(item.organization_id, ""))
        if public_only:
            row.append(" ".join(_dataset_url(d["name"]) for d in datasets.get(item.id, []) if not d["private"]))
        rows.append(row)
    extra = [DATASETS_HEADER] if public_only else []
    if kind == "csv":
        return files.write_csv(names, rows, extra)
    return files.write_xlsx(names, rows, extra)


def public_records() -> list[dict[str, Any]]:
    """The listed items' public fields, with the departments and the public datasets (JSON)."""
    reader = store.Reader(None)
    items = _items(reader, None)
    titles = _titles(items)
    names = {g.id: g.name for g in model.Session.query(model.Group).filter(model.Group.id.in_(titles or {""}))}
    datasets = links.datasets_of(i.id for i in items)
    out = []
    for item in items:
        values = store.view_values(item)
        record: dict[str, Any] = {"id": item.id, "department": {"name": names.get(item.organization_id),
                                                                "title": titles.get(item.organization_id)}}
        for name in schema.public_names():
            if name != "department":
                record[name] = values.get(name, "")
        record["labels_ja"] = {name: schema.choice_label(name, record.get(name), "ja")
                               for name in schema.public_names() if schema.field(name).choices and record.get(name)}
        record["datasets"] = [_dataset_url(d["name"]) for d in datasets.get(item.id, []) if not d["private"]]
        record["modified"] = item.modified.isoformat()
        out.append(record)
    return out
