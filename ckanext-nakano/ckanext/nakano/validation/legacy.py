"""2016 推奨データセット layout → current layout, as ``legacy-2016/<suffix>.yaml`` declares."""
from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import headers
from .checkdigit import check_digit, is_valid

PREFECTURE = re.compile(r"^(0[1-9]|[1-3][0-9]|4[0-7])")


@dataclass
class Conversion:
    rows: int = 0
    unmapped: list[str] = field(default_factory=list)        # old columns whose values are dropped
    unconverted_codes: list[tuple[int, str]] = field(default_factory=list)  # (row, value) kept as is


def convert_code(value: str) -> str | None:
    """A 2016 code cell as a 全国地方公共団体コード, or None when it cannot be decided."""
    value = unicodedata.normalize("NFKC", value).strip()
    if re.fullmatch(r"[0-9]{6}", value):
        return value
    if re.fullmatch(r"[0-9]{5}", value):
        candidates = [value + str(check_digit(value)), "0" + value]
        fitting = [c for c in candidates if PREFECTURE.match(c) and is_valid(c)]
        return fitting[0] if len(fitting) == 1 else None
    if re.fullmatch(r"[0-9]{4}", value):
        return "0" + value + str(check_digit("0" + value))
    if re.fullmatch(r"[0-9]{1,2}", value):
        five = f"{int(value):02d}000"
        return five + str(check_digit(five))
    return None


def convert(header: list[str], rows: Iterable[list[str]], suffix: str, target: Path) -> Conversion:
    """Write ``rows`` (2016 layout, without the header) in the current layout to ``target``."""
    spec = headers.legacy(suffix)
    if spec is None:
        raise KeyError(suffix)
    names = [f["name"] for f in headers.table_schema(suffix)["fields"]]
    index = {headers.normalize(h): i for i, h in enumerate(header)}
    used = {headers.normalize(c) for c in spec["columns"]} | {headers.normalize(spec["code"]["from"])}
    for combined in spec.get("combine", {}).values():
        used |= {headers.normalize(c) for c in combined["from"]}
    result = Conversion(unmapped=[h for h in header if headers.normalize(h) not in used and h.strip()])
    rewrites = {f: [(re.compile(r["match"]), r["replace"]) for r in rules]
                for f, rules in (spec.get("rewrites") or {}).items()}

    def cell(row: list[str], column: str) -> str:
        i = index.get(headers.normalize(column))
        value = row[i] if i is not None and i < len(row) else ""
        return value.strip() if spec.get("strip_cells") else value

    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(names)
        for number, row in enumerate(rows, start=2):
            new = dict.fromkeys(names, "")
            for old, name in spec["columns"].items():
                new[name] = cell(row, old)
            for name, combined in (spec.get("combine") or {}).items():
                new[name] = combined["separator"].join(p for p in (cell(row, c) for c in combined["from"]) if p)
            raw = cell(row, spec["code"]["from"])
            code = convert_code(raw) if raw else ""
            if code is None:
                result.unconverted_codes.append((number, raw))
                code = raw
            new[spec["code"]["to"]] = code
            for name, mapping in (spec.get("values") or {}).items():
                new[name] = mapping.get(new[name], new[name])
            for name, rules in rewrites.items():
                for pattern, replacement in rules:
                    new[name] = pattern.sub(replacement, new[name])
            writer.writerow([new[n] for n in names])
            result.rows += 1
    return result
