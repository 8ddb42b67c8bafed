"""Declared harvest sources (``harvesters/*.yaml``) → ckanext-harvest sources.

All files are read and checked before anything is written, so an error in
one file leaves CKAN unchanged. Errors name the file and line.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from croniter import croniter

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest.model import HarvestSource

from .. import redact
from ..fetch import FetchRefused, canonical_url
from .. import messages
from .listing import ListingError, is_local, local_root

# Declared type → ckanext-harvest source type (harvesters enabled in config/portal.ini).
SOURCE_TYPES = {"folder": "nakano_folder", "system": "nakano_system", "ckan": "nakano_ckan",
                "dcat": "dcat_rdf"}
SCHEDULES = {"manual": "MANUAL", "daily": "DAILY", "weekly": "WEEKLY", "biweekly": "BIWEEKLY",
             "monthly": "MONTHLY"}
KEYS = {"id", "department", "type", "url", "title", "schedule", "allow_private", "defaults", "config",
        "files", "system"}
REQUIRED = ("id", "department", "type", "url")
MARKER = "nakano_declared_in"  # source config key: which file declared it


class SourceError(Exception):
    """A declared source is wrong; the message names file and line (ja / en)."""


@dataclass
class Declared:
    id: str
    file: str
    line: int
    data: dict[str, Any]


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)   # in CKAN, no longer declared


class _LineLoader(yaml.SafeLoader):
    """Keeps each mapping's line number under ``__line__``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _fail(path: Path, line: int, ja: str, en: str) -> SourceError:
    return SourceError(f"{path}:{line}: {ja} / {en}")


def load(folder: Path | list[Path]) -> list[Declared]:
    """The declarations of one folder, or of several read as one set (an id
    may be declared once across them)."""
    folders = folder if isinstance(folder, list) else [folder]
    declared: list[Declared] = []
    seen: dict[str, str] = {}
    paths = [p for f in folders for p in sorted(f.glob("*.yaml")) + sorted(f.glob("*.yml"))]
    for path in paths:
        try:
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader) or {}
        except yaml.YAMLError as exc:
            # Where the broken construct starts (an unclosed bracket), else where parsing stopped.
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
            raise _fail(path, (mark.line + 1) if mark else 0, "YAMLとして読めません", f"invalid YAML: {exc}") from exc
        for item in document.get("sources") or []:
            line = item.pop("__line__", 0)
            item = _strip_lines(item)
            unknown = set(item) - KEYS
            if unknown:
                raise _fail(path, line, f"不明な項目 {sorted(unknown)}", f"unknown keys {sorted(unknown)}")
            for key in REQUIRED:
                if not item.get(key):
                    raise _fail(path, line, f"{key} がありません", f"{key} is missing")
            if item["type"] not in SOURCE_TYPES:
                raise _fail(path, line, f"未対応の種類 {item['type']}（{', '.join(SOURCE_TYPES)}）",
                            f"unsupported type {item['type']} ({', '.join(SOURCE_TYPES)})")
            if not _schedule_ok(str(item.get("schedule", "manual"))):
                raise _fail(path, line, f"不明な実行間隔 {item.get('schedule')}",
                            f"unknown schedule {item.get('schedule')} ({', '.join(SCHEDULES)})")
            if not (item["type"] == "folder" and is_local(item["url"])):
                try:
                    canonical_url(str(item["url"]))
                except FetchRefused as exc:
                    # The coded reason (not http, ambiguous form, credentials), as on the forms.
                    raise _fail(path, line, messages.say(exc.code, exc.values, lang="ja"),
                                messages.say(exc.code, exc.values, lang="en")) from exc
            secrets = [k for k in (item.get("config") or {}) if redact.names_a_secret(k)]
            if secrets:
                raise _fail(path, line, f"config の {secrets} に資格情報を書かないでください（環境変数の名前を api_key_env に）",
                            f"no credentials in config {secrets}: name an environment variable in api_key_env")
            if item["type"] == "folder" and is_local(item["url"]):
                try:
                    local_root(item["url"], tk.config["ckanext.nakano.harvest.folder_roots"])
                except ListingError as exc:
                    raise _fail(path, line, f"フォルダ {exc.values['path']} は収集できません（folder_roots の外か、存在しません）",
                                f"folder {exc.values['path']} cannot be harvested (outside folder_roots, or missing)") from exc
            if item["id"] in seen:
                raise _fail(path, line, f"id {item['id']} が {seen[item['id']]} と重複しています",
                            f"id {item['id']} is also declared in {seen[item['id']]}")
            seen[item["id"]] = f"{path.name}:{line}"
            declared.append(Declared(item["id"], str(path), line, item))
    return declared


def _schedule_ok(schedule: str) -> bool:
    """A keyword of ckanext-harvest, or a cron expression run by our scheduler."""
    return schedule.lower() in SCHEDULES or croniter.is_valid(schedule)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def source_dict(item: Declared) -> dict[str, Any]:
    d = item.data
    config = dict(d.get("config") or {})
    config["default_extras"] = config.get("default_extras", {})
    config.update({MARKER: Path(item.file).name, "nakano_defaults": d.get("defaults") or {},
                   "nakano_allow_private": bool(d.get("allow_private", False))})
    for key in ("files", "system"):
        if d.get(key):
            config[key] = d[key]
    schedule = str(d.get("schedule", "manual"))
    if schedule.lower() not in SCHEDULES:  # cron: ckanext-harvest sees MANUAL, our scheduler starts it
        config["nakano_cron"] = schedule
    return {
        "name": d["id"], "title": d.get("title") or d["id"], "url": d["url"],
        "source_type": SOURCE_TYPES[d["type"]], "owner_org": d["department"],
        "frequency": SCHEDULES.get(schedule.lower(), "MANUAL"),
        "config": json.dumps(config, ensure_ascii=False, sort_keys=True),
    }


def _same(source: Any, package: Any, wanted: dict[str, Any], org_id: str) -> bool:
    """Compared on the tables: after a run, harvest_source_show may answer from the
    search index in another shape (config inside extras)."""
    def norm(config: str | None) -> Any:
        return json.loads(config) if config else {}
    return (source.url == wanted["url"] and source.title == wanted["title"]
            and source.type == wanted["source_type"] and source.frequency == wanted["frequency"]
            and package.owner_org == org_id and norm(source.config) == norm(wanted["config"]))


def sync(folder: Path | list[Path], context: dict[str, Any]) -> SyncResult:
    """Create or update the declared sources; report the ones no file declares any more."""
    declared = load(folder)
    orgs: dict[str, str] = {}
    for item in declared:  # every department must exist before anything is written
        try:
            orgs[item.data["department"]] = tk.get_action("organization_show")(
                dict(context), {"id": item.data["department"]})["id"]
        except tk.ObjectNotFound:
            raise _fail(Path(item.file), item.line, f"部 {item.data['department']} がありません",
                        f"unknown department {item.data['department']}") from None
    done = SyncResult()
    ids: set[str] = set()
    for item in declared:
        wanted = source_dict(item)
        package = model.Package.get(item.id)
        source = HarvestSource.get(package.id) if package and package.type == "harvest" else None
        if source is None:
            ids.add(tk.get_action("harvest_source_create")(dict(context), wanted)["id"])
            done.created.append(item.id)
            continue
        ids.add(source.id)
        if _same(source, package, wanted, orgs[item.data["department"]]):
            done.unchanged.append(item.id)
        else:
            tk.get_action("harvest_source_update")(dict(context), {"id": source.id, **wanted})
            done.updated.append(item.id)
    for source in tk.get_action("harvest_source_list")(dict(context), {}):
        config = json.loads(source.get("config") or "{}")
        if config.get(MARKER) and source["id"] not in ids:
            try:
                done.orphaned.append(tk.get_action("package_show")(dict(context), {"id": source["id"]})["name"])
            except tk.ObjectNotFound:   # its dataset was purged: nothing left to decide about
                continue
    return done
