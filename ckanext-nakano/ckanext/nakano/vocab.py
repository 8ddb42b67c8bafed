"""The portal's controlled vocabularies, read from ``schemas/vocab/`` (data)."""
from __future__ import annotations

import json
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SCHEMAS = Path(__file__).resolve().parent / "schemas"
VOCAB = SCHEMAS / "vocab"

WHOLE_WARD = "中野区全域"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"


def _yaml(name: str) -> Any:
    return yaml.safe_load((VOCAB / name).read_text(encoding="utf-8"))


@cache
def categories() -> list[dict[str, str]]:
    return _yaml("categories.yaml")


@cache
def category_rules() -> list[dict[str, str]]:
    return _yaml("category_rules.yaml")


@cache
def _formats() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for entry in _yaml("formats.yaml")["formats"]:
        for label in [entry["code"], *entry["labels"]]:
            found[_format_key(str(label))] = entry
    return found


def _format_key(label: str) -> str:
    return "".join(unicodedata.normalize("NFKC", label).casefold().split())


def file_format(label: str) -> dict[str, str] | None:
    """The EU file-type ``code`` and IANA ``media`` type of a format label
    (「Excel 2016」 → XLSX), or None when the label names no single known format."""
    return _formats().get(_format_key(label or ""))


@cache
def eu_theme_labels() -> dict[str, str]:
    return _yaml("eu_themes.yaml")


@cache
def standard_datasets() -> dict[str, Any]:
    data = _yaml("standard_datasets.yaml")
    data["by_value"] = {d["value"]: d for d in data["datasets"]}
    return data


@cache
def frequencies() -> dict[str, Any]:
    return _yaml("frequencies.yaml")


@cache
def towns() -> dict[str, tuple[float, float]]:
    """町丁目 name → (lat, lng) of its representative point."""
    rows = json.loads((VOCAB / "nakano-towns.json").read_text(encoding="utf-8"))
    return {r["town"]: (r["lat"], r["lng"]) for r in rows}


def area_centroid(area: str) -> tuple[float, float] | None:
    """Representative point of a 町丁目, or the mean of all of them for the whole ward."""
    if area == WHOLE_WARD:
        points = towns().values()
        return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
    return towns().get(area)


def licenses_file() -> Path:
    return VOCAB / "licenses.json"


@cache
def licenses() -> list[dict[str, Any]]:
    """The ward's licence list (licenses.json), in its order."""
    return json.loads(licenses_file().read_text(encoding="utf-8"))


@cache
def license_urls() -> dict[str, str]:
    """Licence id → the URL of its text (licenses.json)."""
    return {entry["id"]: entry["url"] for entry in licenses() if entry.get("url")}


@cache
def former_license_ids() -> dict[str, str]:
    """An id a licence had before (``formerly``: CC-BY-4.0) → its id now (cc-by)."""
    return {old: entry["id"] for entry in licenses() for old in entry.get("formerly", [])}
