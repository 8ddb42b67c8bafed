"""The columns of a resource's DataStore table as the chart builder offers them: each a
number, a date, or text (a category), read from the table itself.

The loader stores most columns as text; the validation turns plain numbers into ``numeric``
(validation/datastore_types.py). A file the validation recognised as one of the
自治体標準オープンデータセット is typed by that standard's Table Schema (a ``string`` column such as
NO or 郵便番号 stays text however numeric its cells look; ``integer``/``number`` are numbers,
``date`` dates). The rest is typed from a sample of the cells by the
rules of ``values`` (「1,234」 and 「１２３」 are numbers, 令和6年4月 is a date): a column is a
number or a date when nearly all of its filled cells are (a few typing slips are left out of
the sums and said), and text otherwise. Columns that are codes or readings by name
(コード, 番号, カナ, 電話 …) stay text whatever their cells look like.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from ckanext.datastore.backend.postgres import identifier

from ..model import Validation
from ..validation import headers
from ..validation.column_types import is_code_name
from . import values

__all__ = ["Column", "table_columns", "declared_kinds", "SAMPLE_ROWS", "SHARE"]

SAMPLE_ROWS = 2000
# A column is a number (or a date) when this share of its filled sampled cells are.
SHARE = 0.95
_NUMERIC_TYPES = {"numeric", "integer", "bigint", "smallint", "double precision", "real"}
_DATE_TYPES = {"date", "timestamp without time zone", "timestamp with time zone"}
_INTERNAL = {"_id", "_full_text"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str            # "number", "date", "text", or "empty" (no filled cell in the sample)
    stored: str          # the PostgreSQL type of the DataStore column
    distinct: int = 0    # different filled values among the sampled rows


_SCHEMA_KINDS = {"string": "text", "integer": "number", "number": "number", "date": "date",
                 "datetime": "date", "yearmonth": "date"}


def declared_kinds(resource_id: str) -> dict[str, str]:
    """Column (its normalised header) → kind, from the Table Schema of the standard the
    validation recognised the file as; {} for any other file."""
    row = Validation.get(resource_id)
    standard = ((row.report or {}).get("standard") if row else None) or ""
    try:
        fields = headers.table_schema(standard)["fields"] if standard else []
    except KeyError:      # a standard no longer shipped
        return {}
    return {headers.normalize(f["name"]): _SCHEMA_KINDS[f.get("type", "string")]
            for f in fields if f.get("type", "string") in _SCHEMA_KINDS}


def _fields(connection: Any, resource_id: str) -> list[tuple[str, str]]:
    rows = connection.execute(sa.text(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = :table ORDER BY ordinal_position"),
        {"table": resource_id}).all()
    return [(name, kind) for name, kind in rows if name not in _INTERNAL]


def _kind_of(name: str, cells: list[Any]) -> str:
    filled = [c for c in cells if c is not None and str(c).strip()]
    if not filled:
        return "empty"     # nothing to tell from: any use, an empty answer
    if is_code_name(name):
        return "text"
    for kind, parse in (("number", values.number), ("date", values.month)):
        if sum(parse(c) is not None for c in filled) >= SHARE * len(filled):
            return kind
    return "text"


def table_columns(connection: Any, resource_id: str) -> list[Column]:
    """The table's columns, typed; [] when the resource has no DataStore table."""
    fields = _fields(connection, resource_id)
    if not fields:
        return []
    declared = declared_kinds(resource_id)
    listed = ", ".join(identifier(name) for name, _ in fields)
    sample: dict[str, list[Any]] = {name: [] for name, _ in fields}
    for row in connection.execute(sa.text(f"SELECT {listed} FROM {identifier(resource_id)} LIMIT {SAMPLE_ROWS}")):
        for (name, _), cell in zip(fields, row):
            sample[name].append(cell)
    typed = []
    for name, stored in fields:
        if stored in _NUMERIC_TYPES:
            kind = "number"
        elif stored in _DATE_TYPES:
            kind = "date"
        elif headers.normalize(name) in declared and any(c not in (None, "") for c in sample[name]):
            kind = declared[headers.normalize(name)]
        else:
            kind = _kind_of(name, sample[name])
        distinct = len({str(c).strip() for c in sample[name] if c is not None and str(c).strip()})
        typed.append(Column(name, kind, stored, distinct))
    return typed
