"""The catalog's files that one 自治体標準オープンデータセット makes comparable.

A file is one when the validation recognised it as that standard (``nakano_validation``'s
report says ``standard``), its rows are in the DataStore and its dataset is public. Files
name their columns their own way — the standard's names, the 2016 layout's (「住所」 for
「所在地_連結表記」), English keys (Takamatsu's ``#property`` row, ``address``) — and each
column is read by the standard's name it maps to (validation/headers.py), which the pages
say when it differs from what the file wrote.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from ckanext.datastore.backend.postgres import get_read_engine

from ckan import model

from ..validation import headers

__all__ = ["Source", "comparable", "standards_in_use"]

_INTERNAL = {"_id", "_full_text"}
# CKAN keeps a resource's extras as JSON text; the DataStore sets datastore_active in them.
_IN_DATASTORE = "lower(r.extras::jsonb ->> 'datastore_active') = 'true'"


@dataclass(frozen=True)
class Source:
    resource_id: str
    resource_name: str
    dataset_name: str
    dataset_title: str
    dataset_title_en: str
    columns: dict[str, str]                # the standard's name → the table's column
    mapped: list[tuple[str, str]] = field(default_factory=list)   # (as the file names it, the standard's name)
    # A file of English keys carries its preamble (「#object_type_xsd」 …) as rows whose
    # first column starts with 「#」: this column, to leave them out.
    preamble: str | None = None


def _table_fields(connection: Any, resource_id: str) -> list[str]:
    rows = connection.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = :table ORDER BY ordinal_position"), {"table": resource_id}).all()
    return [name for (name,) in rows if name not in _INTERNAL]


def _mapping(fields: list[str], standard: str) -> tuple[dict[str, str], list[tuple[str, str]], str | None]:
    english = headers.english_keys(fields)
    if english is not None:
        columns = {canonical: fields[i] for i, canonical in english.items()}
        preamble = fields[0] if fields and fields[0].startswith("#") else None
        return columns, [(fields[i], canonical) for i, canonical in sorted(english.items())], preamble
    found = headers.map_header(fields, standard)
    columns: dict[str, str] = {}
    for name, canonical in zip(fields, found.columns):
        if canonical and canonical not in columns:
            columns[canonical] = name
    mapped = [(written, canonical) for _, written, canonical in found.renamed]
    mapped += [(written, canonical) for _, written, canonical, _ in found.lookalike if canonical in columns]
    return columns, mapped, None


def comparable(standard: str) -> list[Source]:
    """The public files validated as ``standard`` whose rows are in the DataStore, by dataset."""
    found = model.Session.execute(sa.text(
        "SELECT r.id, r.name, p.name, p.title, p.extras ->> 'title_en' "
        "FROM nakano_validation v JOIN resource r ON r.id = v.resource_id "
        "JOIN package p ON p.id = r.package_id "
        "WHERE v.report ->> 'standard' = :standard AND r.state = 'active' AND p.state = 'active' "
        f"AND NOT p.private AND p.type = 'dataset' AND {_IN_DATASTORE} ORDER BY p.title, p.name, r.position"),
        {"standard": standard}).all()
    sources = []
    with get_read_engine().connect() as connection:
        for resource_id, name, dataset_name, title, title_en in found:
            fields = _table_fields(connection, resource_id)
            if not fields:
                continue
            columns, mapped, preamble = _mapping(fields, standard)
            sources.append(Source(resource_id, name or "", dataset_name, title or dataset_name, title_en or "",
                                  columns, mapped, preamble))
    return sources


def standards_in_use() -> dict[str, int]:
    """Standard → how many public files validated as it have their rows in the DataStore (the
    files ``comparable`` reads)."""
    rows = model.Session.execute(sa.text(
        "SELECT v.report ->> 'standard', count(*) FROM nakano_validation v "
        "JOIN resource r ON r.id = v.resource_id JOIN package p ON p.id = r.package_id "
        "WHERE v.report ->> 'standard' IS NOT NULL AND r.state = 'active' AND p.state = 'active' "
        f"AND NOT p.private AND p.type = 'dataset' AND {_IN_DATASTORE} GROUP BY 1")).all()
    return {standard: int(count) for standard, count in rows}
