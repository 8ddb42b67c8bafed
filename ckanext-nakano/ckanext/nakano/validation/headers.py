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


@cache
def _english() -> dict[str, str]:
    return {normalize(k).casefold(): v for k, v in (_aliases().get("english") or {}).items()}


def english_keys(header: list[str]) -> dict[int, str] | None:
    """Column → standard Japanese name, when the header is written in English keys
    (Takamatsu's "#property" rows); None for a Japanese header."""
    filled = [(i, normalize(c).casefold()) for i, c in enumerate(header) if c.strip()]
    ascii_words = [(i, c) for i, c in filled if c.isascii() and any(ch.isalpha() for ch in c)]
    known = {i: _english()[c] for i, c in ascii_words if c in _english()}
    if len(known) >= 2 and len(ascii_words) * 2 >= len(filled):
        return known
    return None


def _lookalike(char: str) -> bool:
    """Characters that look like the ones the standard's names use but are others:
    dashes and bars for ー or -, full-width letters, digits and underscore, half-width kana."""
    code = ord(char)
    return (char in _aliases()["normalization"]["translate"]
            or (0xFF10 <= code <= 0xFF5A and (char.isalnum() or char == "\uff3f"))
            or 0xFF61 <= code <= 0xFF9F)


def lookalikes(cell: str) -> list[tuple[str, str]]:
    """(character as written, the character it passes for) in a header cell."""
    found = []
    for char in dict.fromkeys(cell):
        if _lookalike(char):
            found.append((char, normalize(char) or char))
    return found


def describe_lookalikes(found: list[tuple[str, str]]) -> dict[str, Any]:
    """The look-alike characters for the header-lookalike message, each said by the
    catalog's lookalike-char (「―」（U+2015。「ー」とは別の文字） / "―" (U+2015 HORIZONTAL BAR, not "ー"))."""
    return {"chars": [{"code": "lookalike-char", "values": {
        "char": c, "codepoint": f"U+{ord(c):04X}", "name": unicodedata.name(c, "?"), "real": r}} for c, r in found]}


def _names_2016(suffix: str) -> dict[str, str]:
    spec = legacy(suffix) or {}
    names = list((spec.get("columns") or {}).keys())
    names += [(spec.get("code") or {}).get("from") or ""]
    for combined in (spec.get("combine") or {}).values():
        names += combined.get("from") or []
    return {normalize(n): n for n in names if n}


@dataclass
class HeaderMapping:
    columns: list[str | None]                       # canonical name per header cell, None = unknown
    renamed: list[tuple[int, str, str]] = field(default_factory=list)   # (column, as written, canonical)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    # (column, as written, the name meant, [(character, the one it passes for)])
    lookalike: list[tuple[int, str, str, list[tuple[str, str]]]] = field(default_factory=list)


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
        chars = lookalikes(cell or "")
        if target is None:
            meant = _names_2016(suffix).get(key) if chars else None
            if meant:   # a 2016 name written with a look-alike: say so, not "not in the standard"
                mapping.lookalike.append((i, cell, meant, chars))
            else:
                mapping.unknown.append((i, cell))
        elif chars:
            mapping.lookalike.append((i, cell, target, chars))
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
