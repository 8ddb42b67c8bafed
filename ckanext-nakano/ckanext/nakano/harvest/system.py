"""Departmental-system harvester (``nakano_system``): a JSON or CSV export of a
departmental system (a facility register, …) mapped column by column onto a
standard Table Schema, published as one standard CSV resource.

Declared in ``harvesters/*.yaml``::

    system:
      standard: public_facility        # schemas/tables/<standard>.json: column order
      records: data.items              # where the list is in a JSON export (default: the root)
      encoding: cp932                  # CSV exports only; detected when absent
      fields: {名称: facility_name, 緯度: lat}   # standard column: source field
      constants: {地方公共団体名: 中野区}          # standard column: fixed value
"""
from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.harvest.model import HarvestJob, HarvestObject

from ..fetch import safe_download, sha256_file
from ..validation import encoding as enc
from ..validation.headers import table_schema
from .base import allowed_hosts, source_config
from ..messages import CodedError, gettext
from .folder import FileHarvester, fingerprint, limits


class MappingError(CodedError):
    """The export does not fit the declared mapping."""


def _records_json(path: Path, where: str | None) -> Iterator[dict[str, Any]]:
    data: Any = json.loads(path.read_bytes().decode("utf-8-sig"))  # bounded by the download limit
    for key in (where or "").split(".") if where else []:
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, list):
        raise MappingError("not-a-list", path=where or "$")
    for record in data:
        if isinstance(record, dict):
            yield record


def _records_csv(path: Path, declared: str | None) -> Iterator[dict[str, Any]]:
    encoding = enc.normalise_name(declared) if declared else enc.detect(path).encoding
    if not encoding:
        raise MappingError("unknown-encoding", detail=path.name)
    with path.open("r", encoding=encoding, newline="") as stream:
        yield from csv.DictReader(stream)


def to_standard_csv(path: Path, target: Path, system: dict[str, Any], content_type: str = "") -> int:
    """Write the export as the standard table; returns the number of rows."""
    columns = [f["name"] for f in table_schema(system["standard"])["fields"]]
    fields: dict[str, str] = system.get("fields") or {}
    constants: dict[str, str] = system.get("constants") or {}
    is_json = system.get("format") == "json" or (system.get("format") != "csv" and
                                                 ("json" in content_type or path.suffix == ".json"))
    records = _records_json(path, system.get("records")) if is_json else _records_csv(path, system.get("encoding"))
    count = 0
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for record in records:
            if count == 0:
                absent = [f for f in fields.values() if f not in record]
                if absent:
                    raise MappingError("mapping-missing", field=absent[0])
            writer.writerow([constants.get(c, "") if c not in fields else
                             ("" if record.get(fields[c]) is None else str(record.get(fields[c])))
                             for c in columns])
            count += 1
    return count


class SystemHarvester(FileHarvester):
    def info(self) -> dict[str, str]:
        return {"name": "nakano_system", "title": gettext("Departmental system (JSON, CSV)"),
                "description": gettext("A system export mapped onto a standard table")}

    def gather_stage(self, harvest_job: HarvestJob) -> list[str] | None:
        system = source_config(harvest_job.source).get("system") or {}
        stem = system.get("standard") or "export"
        entry = {"guid": f"{stem}.csv", "location": harvest_job.source.url, "sidecar": None, "metadata": {}}
        return self._objects_for(harvest_job, [entry])

    def _fetch(self, obj: HarvestObject, entry: dict[str, Any], config: dict[str, Any], work: Path,
               seconds: int) -> bool | str:
        system = config.get("system") or {}
        bounds = limits()
        work.mkdir(parents=True, exist_ok=True)
        raw = work / "export.download"
        safe_download(entry["location"], raw, max_bytes=bounds.max_bytes, allowed_hosts=allowed_hosts(obj.source),
                      timeout=tk.config["ckanext.nakano.fetch.timeout"], total_seconds=seconds)
        table = work / entry["guid"]
        try:
            to_standard_csv(raw, table, system, "json" if entry["location"].endswith(".json") else "")
        except (MappingError, ValueError, UnicodeDecodeError) as exc:
            shutil.rmtree(work, ignore_errors=True)
            if isinstance(exc, MappingError):
                return self._object_error(obj, "Fetch", exc.code, **exc.values)
            return self._object_error(obj, "Fetch", "record-failed", detail=f"{type(exc).__name__}: {exc}")
        metadata = dict(system.get("dataset") or {})
        metadata.setdefault("standard_dataset", system.get("standard"))
        print_ = fingerprint(sha256_file(table), metadata, config)
        if self._unchanged(obj, print_, work):
            return "unchanged"
        return self._validate_and_keep(obj, entry, work=work, raw=table, table=table, print_=print_,
                                       metadata=metadata, standard=system.get("standard"), rejected={"error"})

