"""The register searched and counted as a reader may see it: words, filters, facets, pages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ckan import model

from ..folded_text import contains_words
from ..model import InventoryItem
from . import store

__all__ = ["FACETS", "Found", "search"]

# Facet name → the item's value it counts.
FACETS: dict[str, Any] = {
    "department": InventoryItem.organization_id,
    "status": InventoryItem.status,
    "closed_reason": InventoryItem.data["closed_reason"].astext,
    "category": InventoryItem.data["category"].astext,
    "standard_dataset": InventoryItem.data["standard_dataset"].astext,
}
SORTS = {
    "department": (InventoryItem.organization_id, InventoryItem.local_id),
    "local_id": (InventoryItem.local_id,),
    "title": (InventoryItem.title,),
    "modified": (InventoryItem.modified.desc(), InventoryItem.local_id),
    "planned": (InventoryItem.data["planned_month"].astext.nulls_last(), InventoryItem.local_id),
}


@dataclass
class Found:
    count: int
    items: list[InventoryItem]
    facets: dict[str, list[tuple[str, int]]]


def _facets_in_one_pass(where: sa.ColumnElement[bool]) -> dict[str, list[tuple[str, int]]]:
    names = list(FACETS)
    labelled = [FACETS[n].label(n) for n in names]
    sets = sa.func.grouping_sets(*[sa.tuple_(FACETS[n]) for n in names])
    rows = model.Session.query(*labelled, sa.func.count().label("n")).filter(where).group_by(sets).all()
    counted: dict[str, list[tuple[str, int]]] = {n: [] for n in names}
    for row in rows:
        for name in names:
            value = getattr(row, name)
            if value not in (None, "") and all(getattr(row, other) is None for other in names if other != name):
                counted[name].append((str(value), int(row.n)))
    for name in names:
        counted[name].sort(key=lambda pair: (-pair[1], pair[0]))
    return counted


def search(reader: store.Reader, q: str = "", filters: dict[str, list[str]] | None = None,
           limit: int = 50, offset: int = 0, sort: str = "department", facets: bool = True) -> Found:
    """Items matching every word of ``q`` (folded, with the kanji's readings: こうえん finds コウエン
    and 公園) and every filter (values of one filter are alternatives)."""
    conditions = [store.visible(reader)]
    conditions += contains_words(InventoryItem.search_text, q)
    base = sa.and_(*conditions)
    filtered = [base]
    for name, wanted in (filters or {}).items():
        if name in FACETS and wanted:
            filtered.append(FACETS[name].in_(wanted))
    where = sa.and_(*filtered)
    count = model.Session.query(sa.func.count(InventoryItem.id)).filter(where).scalar() or 0
    items = (model.Session.query(InventoryItem).filter(where).order_by(*SORTS.get(sort, SORTS["department"]))
             .limit(limit).offset(offset).all())
    counted: dict[str, list[tuple[str, int]]] = {}
    active = {n: v for n, v in (filters or {}).items() if n in FACETS and v}
    if facets and not active:
        # No filter: every facet from one pass over the matches (GROUPING SETS).
        counted = _facets_in_one_pass(base)
    elif facets:
        for name, column in FACETS.items():
            # A facet counts under the other filters, so its own values stay choosable.
            others = [base] + [FACETS[n].in_(v) for n, v in active.items() if n != name]
            rows = (model.Session.query(column, sa.func.count()).filter(sa.and_(*others), column.isnot(None),
                                                                         column != "")
                    .group_by(column).order_by(sa.func.count().desc(), column).all())
            counted[name] = [(str(value), int(n)) for value, n in rows]
    return Found(count=int(count), items=items, facets=counted)
