"""Header cells → canonical column names, and which standard a header is from.

Everything here follows ``schemas/tables/aliases.yaml`` and the signatures in
the Table Schemas and ``legacy-2016/*.yaml`` (data, not code).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .. import vocab

TABLES = vocab.SCHEMAS / "tables"


@cache
def _aliases() -> dict[str, Any]:
    return yaml.safe_load((TABLES / "aliases.yaml").read_text(encoding="utf-8"))


@cache
def table_schema(suffix: str) -> dict[str, Any]:
    path = TABLES / f"{suffix}.json"
    if not path.is_file() or "/" in suffix:
        raise KeyError(suffix)
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def legacy(suffix: str) -> dict[str, Any] | None:
    path = TABLES / "legacy-2016" / f"{suffix}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def suffixes() -> list[str]:
    return sorted(p.stem for p in TABLES.glob("*.json"))


@cache
def normalize(text: str) -> str:
    rules = _aliases()["normalization"]
    text = unicodedata.normalize(rules["unicode"], text)
    text = text.translate(str.maketrans(rules["translate"]))
    for item in rules["remove"]:
        text = re.sub(r"\s+", "", text) if item == "whitespace" else text.replace(item, "")
    return text


@dataclass
class HeaderMapping:
    columns: list[str | None]                       # canonical name per header cell, None = unknown
    renamed: list[tuple[int, str, str]] = field(default_factory=list)   # (column, as written, canonical)
    unknown: list[tuple[int, str]] = field(default_factory=list)


def map_header(header: list[str], suffix: str) -> HeaderMapping:
    """Canonical column names of ``header`` for the Table Schema ``suffix``."""
    names = {normalize(f["name"]): f["name"] for f in table_schema(suffix)["fields"]}
    aliases = _aliases()
    specific = {normalize(k): v for k, v in (aliases.get("datasets") or {}).get(suffix, {}).items()}
    general = {normalize(k): v for k, v in aliases["global"].items()}
    mapping = HeaderMapping(columns=[])
    for i, cell in enumerate(header, start=1):
        key = normalize(cell or "")
        target = names.get(key)
        if target is None:
            for table in (specific, general):
                if key in table and table[key] in names.values():
                    target = table[key]
                    break
        mapping.columns.append(target)
        if target is None:
            mapping.unknown.append((i, cell))
        elif target != cell:
            mapping.renamed.append((i, cell, target))
    return mapping


@dataclass
class Recognised:
    suffix: str
    layout: str      # "current" or "2016"


def recognise(header: list[str]) -> list[Recognised]:
    """Standard datasets whose signature columns all occur in ``header``."""
    cells = {normalize(c or "") for c in header}
    found = []
    for suffix in suffixes():
        layouts = [("current", table_schema(suffix).get("nakano:signatures") or [])]
        old = legacy(suffix)
        if old:
            layouts.append(("2016", old.get("signatures") or []))
        for layout, signatures in layouts:
            if any({normalize(c) for c in sig} <= cells for sig in signatures):
                found.append(Recognised(suffix, layout))
    return found
