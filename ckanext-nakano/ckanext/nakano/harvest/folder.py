"""Folder harvester (``nakano_folder``): CSV/XLSX files of a department's share.

The source URL is a local folder (``file:///srv/share/kikaku``, only under
``ckanext.nakano.harvest.folder_roots``), an HTTP directory listing or a JSON
manifest. Each file becomes one dataset with its data stored in CKAN; an
optional sidecar ``<name>.yaml|.yml|.json`` gives its metadata.
"""
from __future__ import annotations

import csv
import hashlib
import json
import logging
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest.model import HarvestJob, HarvestObject

from ..fetch import FetchRefused, safe_download, safe_get, sha256_file
from ..model import HarvestFile
from ..validation.reader import Unreadable, Workbook
from ..validation.report import Report
from ..validation.runner import Limits, validate_file
from . import listing, publish
from .base import TimeLimit, WardHarvester, allowed_hosts, object_seconds, source_config, time_limit
from ..messages import gettext

log = logging.getLogger(__name__)
MAX_SIDECAR_BYTES = 1024 * 1024


def work_dir(object_id: str) -> Path:
    return Path(tk.config["ckan.storage_path"]) / "nakano-harvest" / object_id


def limits() -> Limits:
    return Limits(tk.config["ckanext.nakano.validation.max_bytes"],
                  tk.config["ckanext.nakano.validation.max_xlsx_uncompressed"])


def fingerprint(file_sha: str, metadata: dict[str, Any], config: dict[str, Any]) -> str:
    """Content, metadata and the source's defaults: any change means a new version."""
    document = {"file": file_sha, "metadata": metadata, "defaults": config.get("nakano_defaults") or {},
                "files": config.get("files") or {}}
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
                          .encode()).hexdigest()


def read_sidecar(entry: dict[str, Any], hosts: set[str], timeout: float) -> dict[str, Any]:
    metadata = dict(entry.get("metadata") or {})
    location = entry.get("sidecar")
    if not location:
        return metadata
    name = PurePosixPath(location).name
    try:
        if listing.is_local(location):
            if Path(location).stat().st_size > MAX_SIDECAR_BYTES:
                raise ValueError("too large")
            raw = Path(location).read_bytes()
        else:
            raw, _ = safe_get(location, max_bytes=MAX_SIDECAR_BYTES, allowed_hosts=hosts, timeout=timeout)
        loaded = yaml.safe_load(raw.decode("utf-8-sig")) or {}   # JSON is YAML too
    except (OSError, ValueError, yaml.YAMLError, FetchRefused) as exc:
        raise SidecarError(name, f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise SidecarError(name, {"code": "sidecar-not-a-mapping"})
    unknown = set(loaded) - publish.ALLOWED_KEYS
    if unknown:
        raise SidecarError(name, {"code": "sidecar-unknown-keys", "values": {"keys": ", ".join(sorted(unknown))}})
    return metadata | loaded


class SidecarError(Exception):
    """``detail``: the technical reason, or a coded message ({"code", "values"}) said in the reader's words."""

    def __init__(self, name: str, detail: str | dict[str, Any]):
        super().__init__(str(detail))
        self.name, self.detail = name, detail


def xlsx_to_csv(path: Path, target: Path, sheet: int | str, max_uncompressed: int) -> None:
    """The chosen sheet as UTF-8 CSV; the zip-bomb check comes first."""
    book = Workbook(path, max_uncompressed)
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for row in book.rows(sheet):
            writer.writerow(row)


class FileHarvester(WardHarvester):
    """Fetch, validate and publish files; subclasses say where files come from.

    Not a plugin itself: CKAN keeps one instance per plugin class and a loaded
    plugin subclassing another loaded one would share its instance.
    """

    # fetch: get the file, compare, convert, validate ---------------------------
    def fetch_stage(self, harvest_object: HarvestObject) -> bool | str:
        entry = json.loads(harvest_object.content)
        source = harvest_object.source
        config = source_config(source)
        work = work_dir(harvest_object.id)
        seconds = object_seconds()
        try:
            with time_limit(seconds):
                return self._fetch(harvest_object, entry, config, work, seconds)
        except TimeLimit:
            shutil.rmtree(work, ignore_errors=True)
            return self._object_error(harvest_object, "Fetch", "time-limit", seconds=seconds)
        except FetchRefused as exc:
            shutil.rmtree(work, ignore_errors=True)
            return self._object_error(harvest_object, "Fetch", exc.code, **exc.values)
        except SidecarError as exc:
            shutil.rmtree(work, ignore_errors=True)
            return self._object_error(harvest_object, "Fetch", "bad-sidecar", name=exc.name, detail=exc.detail)
        except Exception as exc:  # recorded; the job goes on with the next file
            log.exception("fetch of %s failed", harvest_object.guid)
            shutil.rmtree(work, ignore_errors=True)
            return self._object_error(harvest_object, "Fetch", "fetch-failed", url=harvest_object.guid,
                                      detail=type(exc).__name__)

    @staticmethod
    def _unchanged(obj: HarvestObject, print_: str, work: Path) -> bool:
        item = HarvestFile.get(obj.source.id, obj.guid)
        if item and item.published_as(print_):
            shutil.rmtree(work, ignore_errors=True)
            return True
        return False

    def _validate_and_keep(self, obj: HarvestObject, entry: dict[str, Any], *, work: Path, raw: Path,
                           table: Path, print_: str, metadata: dict[str, Any], standard: str | None,
                           rejected: set[str]) -> bool:
        """Validate the table; keep what the import stage needs on the object, or fail it."""
        copies = work / "copies"
        copies.mkdir(exist_ok=True)
        report = validate_file(table, filename=table.name, out_dir=copies, standard=standard,
                               limits=limits())
        if report.status in rejected:
            shutil.rmtree(work, ignore_errors=True)
            return self._unusable(obj, report)
        entry.update({"work": str(work), "raw": str(raw), "table": str(table), "fingerprint": print_,
                      "metadata": metadata, "report": report.as_dict()})
        obj.content = json.dumps(entry, ensure_ascii=False)
        obj.save()
        return True

    def _unusable(self, obj: HarvestObject, report: Report) -> bool:
        errors = [i for i in report.issues if i.severity == "error"][:3]
        # The report's messages, said in the reader's language when the error is shown.
        return self._object_error(obj, "Fetch", "unusable",
                                  detail={"join": [{"code": i.code, "values": i.params} for i in errors], "sep": "; "})

    # import: publish -----------------------------------------------------------
    def import_stage(self, harvest_object: HarvestObject) -> bool | str:
        entry = json.loads(harvest_object.content or "{}")
        if "work" not in entry:
            return self._object_error(harvest_object, "Import", "publish-failed", detail="no fetched file")
        work = Path(entry["work"])
        seconds = object_seconds()
        try:
            with time_limit(seconds):
                return self._import(harvest_object, entry)
        except TimeLimit:
            model.Session.rollback()
            return self._object_error(harvest_object, "Import", "time-limit", seconds=seconds)
        except tk.ValidationError as exc:
            model.Session.rollback()
            detail = "; ".join(f"{k}: {v}" for k, v in exc.error_dict.items())
            return self._object_error(harvest_object, "Import", "publish-failed", detail=detail)
        except Exception as exc:
            log.exception("import of %s failed", harvest_object.guid)
            model.Session.rollback()
            return self._object_error(harvest_object, "Import", "publish-failed", detail=type(exc).__name__)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _import(self, obj: HarvestObject, entry: dict[str, Any]) -> bool:
        source = obj.source
        config = source_config(source)
        metadata = (config.get("nakano_defaults") or {}) | entry["metadata"]
        raw, table = Path(entry["raw"]), Path(entry["table"])
        stem = PurePosixPath(entry["guid"]).stem
        fields = publish.dataset_fields(metadata, title=stem, owner_org=self._owner(source),
                                        source_label=f"{source.title or source.url} {entry['guid']}")
        report = entry["report"]
        copies = report.get("copies") or {}
        utf8 = Path(entry["work"]) / "copies" / copies["utf8"] if copies.get("utf8") else table
        name = metadata.get("resource_name") or f"{fields['title']}（CSV）"
        files = [publish.File(utf8, f"{stem}.csv", name, "CSV", metadata.get("resource_description", ""),
                              "utf-8")]
        if raw != table:  # the workbook as the department made it
            files.append(publish.File(raw, raw.name, f"{fields['title']}（Excel）", "XLSX"))
        item = HarvestFile.get(source.id, obj.guid)
        # Without a record, the dataset may still exist: made by a run whose record
        # was lost (the database went away between the two commits). Never twice.
        known = item.package_id if item else publish.published_as(fields["source_system"], fields["owner_org"])
        package_id = publish.publish(fields, files, user=self._get_user_name(), package_id=known,
                                     report=report, report_dir=Path(entry["work"]) / "copies")
        self._record(obj, package_id, entry["fingerprint"], item, replaces=bool(known))
        return True

    @staticmethod
    def _owner(source: Any) -> str:
        return model.Package.get(source.id).owner_org

    @staticmethod
    def _record(obj: HarvestObject, package_id: str, print_: str, item: HarvestFile | None,
                replaces: bool) -> None:
        item = item or HarvestFile(source_id=obj.source.id, guid=obj.guid)
        item.package_id, item.fingerprint, item.state, item.missing_since = package_id, print_, "present", None
        model.Session.add(item)
        if replaces:  # earlier objects of this dataset are no longer current
            model.Session.query(HarvestObject).filter(HarvestObject.package_id == package_id) \
                .update({"current": False})
        obj.package_id, obj.current = package_id, True
        model.Session.add(obj)
        model.Session.commit()


class FolderHarvester(FileHarvester):
    def info(self) -> dict[str, str]:
        return {"name": "nakano_folder", "title": gettext("Folder (CSV, Excel)"),
                "description": gettext("CSV/XLSX files of a folder, HTTP listing or JSON manifest")}

    # gather: list the files; unchanged local files are settled here ------------
    def gather_stage(self, harvest_job: HarvestJob) -> list[str] | None:
        source = harvest_job.source
        config = source_config(source)
        try:
            if listing.is_local(source.url):
                root = listing.local_root(source.url, tk.config["ckanext.nakano.harvest.folder_roots"])
                entries = listing.list_local(root)
            else:
                entries = listing.list_http(source.url, allowed_hosts(source),
                                            tk.config["ckanext.nakano.fetch.timeout"])
        except listing.ListingError as exc:
            self._gather_error(harvest_job, exc.code, **exc.values)
            return None
        if not entries:  # more likely a broken share than every file deleted: flag nothing
            self._gather_error(harvest_job, "listing-empty")
            return []
        known = {f.guid: f for f in HarvestFile.of_source(source.id)}
        unchanged: set[str] = set()
        dicts = []
        for entry in entries:
            data = entry.as_dict()
            sha = entry.sha256
            if sha is None and listing.is_local(entry.location) and not entry.sidecar:
                sha = sha256_file(Path(entry.location))
            item = known.get(entry.guid)
            if sha is not None and not entry.sidecar and item \
                    and item.published_as(fingerprint(sha, entry.metadata, config)):
                unchanged.add(entry.guid)
            dicts.append(data)
        return self._objects_for(harvest_job, dicts, unchanged)

    def _fetch(self, obj: HarvestObject, entry: dict[str, Any], config: dict[str, Any], work: Path,
               seconds: int) -> bool | str:
        hosts = allowed_hosts(obj.source)
        timeout = tk.config["ckanext.nakano.fetch.timeout"]
        bounds = limits()
        work.mkdir(parents=True, exist_ok=True)
        filename = PurePosixPath(entry["guid"]).name
        raw = work / filename
        if listing.is_local(entry["location"]):
            size = Path(entry["location"]).stat().st_size
            if size > bounds.max_bytes:
                raise FetchRefused("too-large", size=size, limit=bounds.max_bytes)
            shutil.copyfile(entry["location"], raw)
        else:
            safe_download(entry["location"], raw, max_bytes=bounds.max_bytes, allowed_hosts=hosts,
                          timeout=timeout, total_seconds=seconds)
        metadata = read_sidecar(entry, hosts, timeout)
        print_ = fingerprint(sha256_file(raw), metadata, config)
        if self._unchanged(obj, print_, work):
            return "unchanged"
        table = raw
        files_config = config.get("files") or {}
        if filename.lower().endswith(".xlsx"):
            table = work / (PurePosixPath(filename).stem + ".csv")
            try:
                xlsx_to_csv(raw, table, files_config.get("sheet", 0), bounds.max_xlsx_uncompressed)
            except Unreadable as exc:
                report = Report().fail(exc.code, **exc.values)
                return self._unusable(obj, report)
        standard = metadata.get("standard_dataset") or (config.get("nakano_defaults") or {}).get("standard_dataset")
        rejected = {"error"} | ({"invalid"} if files_config.get("reject") == "invalid" else set())
        return self._validate_and_keep(obj, entry, work=work, raw=raw, table=table, print_=print_,
                                       metadata=metadata, standard=standard or None, rejected=rejected)
