"""Where the header row is, and what stands before it.

The rules want the column names on row 1. Clerks' files put other things
there: a title and a date above the table, description rows starting with
「#」 (Takamatsu's files: ``#LINK``, ``#license`` …, column keys in a
``#property`` row), English keys instead of the standard's Japanese names,
or no header at all. Each is named as what it is, and where a header can
be found the rest of the file is still checked, so one upload gives the
clerk every problem at once.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import headers

LOOKAHEAD = 30                       # rows read before deciding where the header is
DIRECTIVE = re.compile(r"^#[A-Za-z_]+$")   # "#LINK", "#license", "#property": not a lone "#" column
DATA_LIKE = re.compile(
    r"^-?[0-9]+(\.[0-9]+)?$"                          # numbers, codes
    r"|^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}$"        # dates
    r"|^[0-9]{1,2}:[0-9]{2}$"                         # times
    r"|^https?://")                                   # links


@dataclass
class Located:
    header: list[str] | None          # the header the checks read (English keys put in Japanese)
    row: int = 1                      # 1-based row of the header in the file
    before: list[list[str]] = field(default_factory=list)   # rows above the header, as in the file
    written: list[str] | None = None  # the header row as in the file
    problems: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (code, severity, values)
    usable: bool = True               # False: no header to check the table against


def _filled(row: list[str]) -> list[str]:
    return [c for c in row if c.strip()]


def _first_cell(row: list[str]) -> str:
    return (row[0] if row else "").lstrip("\ufeff").strip()


def _data_like(cell: str) -> bool:
    return bool(DATA_LIKE.match(unicodedata.normalize("NFKC", cell).strip()))


def looks_like_data(row: list[str], following: list[str] | None) -> bool:
    """Row 1 holds values, not names: two or more cells that only data looks like
    (numbers, dates, times, links), and the next row has values in the same columns."""
    cells = [i for i, c in enumerate(row) if c.strip() and _data_like(c)]
    if len(cells) < 2 or len(cells) * 3 < len(_filled(row)):
        return False
    if following is None:
        return True
    return sum(1 for i in cells if i < len(following) and _data_like(following[i])) >= 2


def locate(rows: Iterator[list[str]]) -> tuple[Located, Iterator[list[str]]]:
    """The header of ``rows`` and an iterator over the rows after it."""
    buffer = list(itertools.islice(rows, LOOKAHEAD))
    rest = lambda start: itertools.chain(buffer[start:], rows)  # noqa: E731
    if not buffer:
        return Located(header=None, usable=False), iter(())
    found = Located(header=None)
    start = 0
    # Description rows starting with "#NAME"; a "#property" row among them carries the column keys.
    while start < len(buffer) and DIRECTIVE.match(_first_cell(buffer[start])):
        start += 1
    keys_row = next((i for i in range(start) if _first_cell(buffer[i]).lower() == "#property"), None)
    if start:
        others = [i for i in range(start) if i != keys_row]
        if others:
            found.problems.append(("metadata-rows", "error", {
                "first": 1, "last": start,
                "sample": "、".join(_first_cell(buffer[i]) for i in others[:4]) + ("…" if len(others) > 4 else "")}))
    if keys_row is not None:
        header_at = keys_row
        data_from = start
    else:
        # Title and note rows above the table: at most one filled cell, before a row with more.
        header_at = start
        while header_at < len(buffer) and len(_filled(buffer[header_at])) <= 1:
            header_at += 1
        if header_at >= len(buffer):
            found.problems.append(("no-header", "error", {"row": start + 1}))
            found.usable = False
            found.before = buffer
            return found, rows
        if header_at > start:
            texts = [t for i in range(start, header_at) for t in _filled(buffer[i])]
            found.problems.append(("title-rows", "error", {
                "first": start + 1, "last": header_at, "header_row": header_at + 1,
                "sample": texts[0][:40] if texts else ""}))
        data_from = header_at + 1
    written = buffer[header_at]
    found.row, found.written = header_at + 1, written
    found.before = [r for i, r in enumerate(buffer[:data_from]) if i != header_at]
    following = buffer[data_from] if data_from < len(buffer) else None
    if keys_row is None and looks_like_data(written, following):
        found.problems.append(("header-missing", "error", {
            "row": header_at + 1, "sample": ", ".join(c.strip() for c in _filled(written)[:4])}))
        found.usable = False
        found.before = buffer[:header_at]
        return found, rest(header_at)
    found.header = list(written)
    english = headers.english_keys(written)
    if english is not None:
        pairs = [(written[i].strip(), name) for i, name in english.items()]
        unmapped = [c.strip() for i, c in enumerate(written) if c.strip() and i not in english
                    and not c.strip().startswith("#")]
        found.problems.append(("english-header", "error", {
            "row": header_at + 1,
            "pairs": [f"{k} → {v}" + ("…" if n == 7 and len(pairs) > 8 else "")
                      for n, (k, v) in enumerate(pairs[:8])],   # a list: joined in the reader's language
            "unmapped": "、".join(unmapped[:6]) + ("…" if len(unmapped) > 6 else "") or "-"}))
        for i, name in english.items():
            found.header[i] = name
    return found, rest(data_from)
