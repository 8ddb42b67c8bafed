"""Records of other catalogs → the ward's dataset schema.

Used by the CKAN harvester (Tokyo catalog records), the DCAT harvester hooks
and the demo loader, so that a harvested record and a demo record look alike:
maintainer → department and contact sections, free-text 更新頻度 →
controlled frequency (original kept), licence ids → the ward's list.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import vocab
from ..frequency import frequency_uri

# Licence ids, titles and URLs other catalogs use → ids of
# schemas/vocab/licenses.json (ids a licence had there before: vocab.former_license_ids).
LICENSE_ALIASES = {
    "cc-by-4.0": "cc-by", "cc-by 4.0": "cc-by", "creative commons attribution": "cc-by",
    "クリエイティブ・コモンズ 表示（cc by）": "cc-by",
    "cc0": "cc-zero", "cc0-1.0": "cc-zero", "odc-pddl": "cc-zero",
    "http://creativecommons.org/licenses/by/4.0/": "cc-by",
    "https://creativecommons.org/licenses/by/4.0/": "cc-by",
    "https://creativecommons.org/publicdomain/zero/1.0/": "cc-zero",
}


# Ids of datasets taken from another catalog: a name-based UUID of the record
# there, so the same record always gets the same id here, and never that
# catalog's own id (docs/interoperability.md, "Identifiers").
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://www.city.tokyo-nakano.lg.jp/opendata/dataset")


def local_id(source_label: str, remote_id: str) -> str:
    """The portal's id of the dataset a remote catalog's record becomes."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{source_label} {remote_id}".strip()))


@dataclass
class Department:
    name: str      # organization name
    prefix: str    # how its sections start (企画部企画課 → 企画部)


@cache
def _license_ids() -> frozenset[str]:
    return frozenset(entry["id"] for entry in vocab.licenses())


def license_id(value: str | None, default: str) -> str:
    value = vocab.former_license_ids().get(value or "", value)
    if value in _license_ids():
        return value  # type: ignore[return-value]
    return LICENSE_ALIASES.get((value or "").strip().lower(), default)


def standard_dataset_for(title: str) -> str | None:
    """The standard dataset a title names (「公共施設一覧（公園等）」 → public_facility)."""
    for d in vocab.standard_datasets()["datasets"]:
        if title.startswith(d["ja"]):
            return d["value"]
    return None


def category_for(title: str, standard: str | None, default: str | None = None) -> str | None:
    if standard:
        return vocab.standard_datasets()["by_value"][standard]["category"]
    rules = vocab.category_rules()
    return next((r["category"] for r in rules if r["keyword"] in title), default)


def department_for(section: str, departments: list[Department], default: str | None = None) -> str | None:
    """The department whose prefix starts the (first) responsible section."""
    first = section.split("、")[0]
    return next((d.name for d in departments if d.prefix and first.startswith(d.prefix)), default)


def _tag(name: str | None) -> str:
    """CKAN tags allow word characters, space, - _ . only (「・」 is dropped)."""
    return re.sub(r"[^\w \-.]", "", name or "").strip()


def _extra(record: dict[str, Any], key: str) -> str:
    return next((e["value"] for e in record.get("extras") or [] if e.get("key") == key), "")


def from_ckan(record: dict[str, Any], departments: list[Department], *, default_org: str | None = None,
              defaults: dict[str, Any] | None = None, source_label: str = "") -> dict[str, Any]:
    """A remote CKAN ``package_show`` result (Tokyo catalog) as a ward dataset dict."""
    defaults = defaults or {}
    if "category" in record and isinstance(record.get("contact"), list):
        return _from_ward_portal(record, departments, default_org, source_label)
    section = record.get("maintainer") or ""
    frequency_text = _extra(record, "更新頻度")
    standard = standard_dataset_for(record["title"])
    category = category_for(record["title"], standard, defaults.get("category"))
    dataset = {
        "id": local_id(source_label, record["id"]),
        "source_identifier": record["id"],
        "name": record["name"],
        "title": record["title"],
        "notes": record.get("notes") or record["title"],
        "owner_org": department_for(section, departments, default_org),
        "license_id": license_id(record.get("license_id") or record.get("license_title"),
                                 defaults.get("license_id", "cc-by")),
        "url": record.get("url") or "",
        "category": category or "",
        "standard_dataset": standard or defaults.get("standard_dataset", ""),
        "frequency": frequency_uri(frequency_text) if frequency_text else defaults.get("frequency", ""),
        "frequency_note": frequency_text,
        "contact": [{"name": s} for s in section.split("、") if s] or defaults.get("contact", []),
        "spatial_coverage": defaults.get("spatial_coverage") or [{"text": vocab.WHOLE_WARD}],
        "issued": (record.get("metadata_created") or "")[:10],
        "modified": (record.get("metadata_modified") or "")[:10],
        "source_system": f"{source_label} {record['id']}".strip(),
        "tag_string": ",".join(filter(None, (_tag(t.get("name")) for t in record.get("tags") or []))),
        "resources": [
            {k: res.get(k) or "" for k in ("name", "url", "format", "description")}
            | {"last_modified": res.get("last_modified")}
            for res in record.get("resources") or []
        ],
    }
    return dataset


# Fields of the ward schema taken as they are from a portal that uses it too.
WARD_FIELDS = ("title_en", "notes_en", "category", "standard_dataset", "frequency", "frequency_note",
               "temporal_coverage", "spatial_coverage", "contact", "issued", "modified", "version",
               "language", "url")


def _from_ward_portal(record: dict[str, Any], departments: list[Department], default_org: str | None,
                      source_label: str) -> dict[str, Any]:
    """A record of a portal with this same schema (another ward's, or ours): its
    fields are kept; the department is the same-named one, else found by section."""
    names = {d.name for d in departments}
    org = (record.get("organization") or {}).get("name")
    sections = [c["name"] for c in record.get("contact") or [] if c.get("name")]
    owner = org if org in names else department_for(sections[0], departments, default_org) if sections \
        else default_org
    dataset = {k: record[k] for k in WARD_FIELDS if record.get(k) not in (None, "", [])}
    dataset.update({
        "id": local_id(source_label, record["id"]), "source_identifier": record["id"],
        "name": record["name"], "title": record["title"],
        "notes": record.get("notes") or record["title"], "owner_org": owner,
        "license_id": license_id(record.get("license_id"), "cc-by"),
        "source_system": f"{source_label} {record['id']}".strip(),
        "tag_string": ",".join(filter(None, (_tag(t.get("name")) for t in record.get("tags") or []))),
        "resources": [
            {k: res.get(k) or "" for k in ("name", "name_en", "url", "format", "description", "encoding")}
            for res in record.get("resources") or []
        ],
    })
    return dataset
