"""Loads the demo catalog through CKAN's action API (idempotent)."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk

from ..harvest import mapping
from .inventory import load_inventory
from .submissions import load_submissions

log = logging.getLogger(__name__)
HERE = Path(__file__).parent



@dataclass
class LoadResult:
    organizations_created: list[str] = field(default_factory=list)
    datasets_created: list[str] = field(default_factory=list)
    datasets_present: list[str] = field(default_factory=list)
    samples_attached: list[str] = field(default_factory=list)
    inventory_items_created: int = 0
    reuses_created: int = 0
    requests_created: int = 0


def _yaml(name: str) -> Any:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


def _context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def ensure_organizations(done: LoadResult) -> list[dict[str, Any]]:
    departments = _yaml("departments.yaml")
    for dept in departments:
        try:
            tk.get_action("organization_show")(_context(), {"id": dept["name"]})
        except tk.ObjectNotFound:
            tk.get_action("organization_create")(_context(), {
                "name": dept["name"],
                "title": dept["title"],
                "title_en": dept["title_en"],
                "description": f"{dept['title']} / {dept['title_en']}",
                "homepage": "https://www.city.tokyo-nakano.lg.jp/",
            })
            done.organizations_created.append(dept["name"])
    return departments


def dataset_dict(record: dict[str, Any], departments: list[dict[str, Any]]) -> dict[str, Any]:
    """A Tokyo-catalog ``package_show`` result as our dataset, mapped exactly as the
    CKAN harvester maps it (same id and ``source_system``, so a later harvest
    updates it in place; the Tokyo id is its ``source_identifier``, not its id)."""
    known = [mapping.Department(d["name"], d["prefix"]) for d in departments]
    dataset = mapping.from_ckan(record, known, source_label="東京都オープンデータカタログ")
    if not dataset["owner_org"]:
        raise ValueError(f"no department for section {record.get('maintainer')!r} / 担当課に対応する部がありません")
    return dataset


def attach_sample(dataset_name: str, sample: str, sources: dict[str, Any]) -> None:
    folder, filename = sample.split("/", 1)
    src = sources[folder]
    path = HERE / "samples" / folder / filename
    with path.open("rb") as stream:
        tk.get_action("resource_create")(_context(), {
            "package_id": dataset_name,
            "name": f"サンプルデータ（{src['municipality']}） / Sample data ({src['municipality_en']})",
            "description": (
                f"{src['municipality']}（全国地方公共団体コード {src['code']}）が公開している同種の"
                f"実データです。中野区のデータではありません。ライセンス: {src['license']}。\n\n"
                f"Real open data of {src['municipality_en']} ({src['code']}), attached as a "
                f"sample of this kind of data. It is not Nakano ward's data. "
                f"License: {src['license']}."
            ),
            "format": path.suffix.lstrip(".").upper(),
            "license": src["license_id"],
            "url": filename,
            "upload": FileStorage(stream=stream, filename=filename),
        })


def load_demo() -> LoadResult:
    done = LoadResult()
    departments = ensure_organizations(done)
    samples = _yaml("samples.yaml")
    for path in sorted((HERE / "catalog").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))["result"]
        try:
            tk.get_action("package_show")(_context(), {"id": record["name"]})
            done.datasets_present.append(record["name"])
            continue
        except tk.ObjectNotFound:
            pass
        tk.get_action("package_create")(_context(), dataset_dict(record, departments))
        done.datasets_created.append(record["name"])
        if record["name"] in samples["datasets"]:
            attached = samples["datasets"][record["name"]]
            for sample in [attached] if isinstance(attached, str) else attached:
                attach_sample(record["name"], sample, samples["sources"])
            done.samples_attached.append(record["name"])
    names = [json.loads(p.read_text(encoding="utf-8"))["result"]["name"]
             for p in sorted((HERE / "catalog").glob("*.json"))]
    done.inventory_items_created = load_inventory(names)
    done.reuses_created, done.requests_created = load_submissions()
    return done
