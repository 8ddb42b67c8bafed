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

from .. import vocab
from .frequency import frequency_uri

log = logging.getLogger(__name__)
HERE = Path(__file__).parent



def standard_dataset_for(title: str) -> str | None:
    """The standard dataset a title names (「公共施設一覧（公園等）」 → public_facility)."""
    for d in vocab.standard_datasets()["datasets"]:
        if title.startswith(d["ja"]):
            return d["value"]
    return None


def category_for(title: str, standard: str | None) -> str:
    if standard:
        return vocab.standard_datasets()["by_value"][standard]["category"]
    return next(r["category"] for r in _yaml("categories.yaml") if r["keyword"] in title)


@dataclass
class LoadReport:
    organizations_created: list[str] = field(default_factory=list)
    datasets_created: list[str] = field(default_factory=list)
    datasets_present: list[str] = field(default_factory=list)
    samples_attached: list[str] = field(default_factory=list)


def _yaml(name: str) -> Any:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


def _context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def _department_for(section: str, departments: list[dict[str, Any]]) -> dict[str, Any]:
    """The department whose prefix starts the (first) responsible section."""
    first = section.split("、")[0]
    for dept in departments:
        if first.startswith(dept["prefix"]):
            return dept
    raise ValueError(f"no department for section {section!r} / 担当課に対応する部がありません")


def ensure_organizations(report: LoadReport) -> list[dict[str, Any]]:
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
            report.organizations_created.append(dept["name"])
    return departments


def dataset_dict(record: dict[str, Any], departments: list[dict[str, Any]]) -> dict[str, Any]:
    """Turn a Tokyo-catalog ``package_show`` result into our dataset dict."""
    section = record.get("maintainer") or ""
    frequency_text = next(
        (e["value"] for e in record.get("extras", []) if e["key"] == "更新頻度"), "")
    standard = standard_dataset_for(record["title"])
    return {
        "name": record["name"],
        "title": record["title"],
        "notes": record.get("notes") or record["title"],
        "owner_org": _department_for(section, departments)["name"],
        "license_id": record.get("license_id") or "CC-BY-4.0",
        "url": record.get("url") or "",
        "category": category_for(record["title"], standard),
        "standard_dataset": standard or "",
        "frequency": frequency_uri(frequency_text),
        "frequency_note": frequency_text,
        "contact": [{"name": s} for s in section.split("、")],
        "spatial_coverage": [{"text": vocab.WHOLE_WARD}],
        "issued": record.get("metadata_created", "")[:10],
        "modified": record.get("metadata_modified", "")[:10],
        "source_system": f"東京都オープンデータカタログ {record['id']}",
        "resources": [
            {k: res.get(k) for k in ("name", "url", "format", "description")}
            | {"last_modified": res.get("last_modified")}
            for res in record.get("resources", [])
        ],
    }


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
            "url": filename,
            "upload": FileStorage(stream=stream, filename=filename),
        })


def load_demo() -> LoadReport:
    report = LoadReport()
    departments = ensure_organizations(report)
    samples = _yaml("samples.yaml")
    for path in sorted((HERE / "catalog").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))["result"]
        try:
            tk.get_action("package_show")(_context(), {"id": record["name"]})
            report.datasets_present.append(record["name"])
            continue
        except tk.ObjectNotFound:
            pass
        tk.get_action("package_create")(_context(), dataset_dict(record, departments))
        report.datasets_created.append(record["name"])
        if record["name"] in samples["datasets"]:
            attach_sample(record["name"], samples["datasets"][record["name"]], samples["sources"])
            report.samples_attached.append(record["name"])
    return report
