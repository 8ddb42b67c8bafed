"""The register's figures, per department and ward-wide (docs/inventory.md, "Figures").

- 公開率 (``open_rate``): items 公開済（オープンデータ） / items that could be public (all but 非公開), in %.
- 予定超過 (``overdue``): items 公開予定 whose month has passed (an item with a public dataset is
  公開済, so these have none).
- 長期検討中 (``considering_over_a_year``): items 検討中 for more than 365 days.
Outsiders' figures count the items listed 公表 only; a department's members and sysadmins see
their department's figures over all its items.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

from ckan import model

from .. import vocab
from ..model import InventoryItem
from . import schema, store
from .values import this_month

__all__ = ["department_rows", "ward_totals", "standard_types_missing", "overdue_items", "stale_items", "rate"]

CONSIDERING_DAYS = 365


def rate(open_data: int, total: int, closed: int) -> int | None:
    could = total - closed
    return round(100 * open_data / could) if could > 0 else None


def _counts(where: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows = model.Session.execute(sa.text(f"""
        select organization_id,
               count(*) as total,
               count(*) filter (where status = 'open_data') as open_data,
               count(*) filter (where status = 'published_other') as published_other,
               count(*) filter (where status = 'planned') as planned,
               count(*) filter (where status = 'considering') as considering,
               count(*) filter (where status = 'closed') as closed,
               count(*) filter (where status = 'planned' and data ->> 'planned_month' < :month) as overdue,
               count(*) filter (where status = 'considering' and status_since < :stale) as considering_over_a_year
        from nakano_inventory_item where state = 'active' and ({where}) group by organization_id"""),
        {"month": this_month(), "stale": _stale_since(), **params})
    return [dict(r._mapping) for r in rows]


def _stale_since() -> datetime.datetime:
    return datetime.datetime.utcnow() - datetime.timedelta(days=CONSIDERING_DAYS)


def department_rows(reader: store.Reader) -> dict[str, dict[str, Any]]:
    """organization id → its figures as the reader may count them."""
    inside = list(reader.member_of) if not reader.sysadmin else None
    if inside is None:
        rows = _counts("true", {})
    else:
        rows = _counts("listed or organization_id = any(:inside)", {"inside": inside})
    out = {}
    for row in rows:
        row = {k: int(v) if k != "organization_id" else v for k, v in row.items()}
        row["open_rate"] = rate(row["open_data"], row["total"], row["closed"])
        out[row["organization_id"]] = row
    return out


def ward_totals(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    keys = ("total", "open_data", "published_other", "planned", "considering", "closed", "overdue",
            "considering_over_a_year")
    totals = {k: sum(r[k] for r in rows.values()) for k in keys}
    totals["open_rate"] = rate(totals["open_data"], totals["total"], totals["closed"])
    return totals


def standard_types_missing() -> list[dict[str, Any]]:
    """The standard dataset types no public dataset of the ward follows yet."""
    published = {r[0] for r in model.Session.execute(sa.text("""
        select distinct p.extras ->> 'standard_dataset' from package p
        where p.state = 'active' and p.type = 'dataset' and not p.private
          and coalesce(p.extras ->> 'standard_dataset', '') <> ''"""))}
    return [d for d in vocab.standard_datasets()["datasets"] if d["value"] not in published]


def overdue_items(org_id: str) -> list[Any]:
    return (model.Session.query(InventoryItem)
            .filter(InventoryItem.organization_id == org_id, InventoryItem.state == "active",
                    InventoryItem.status == schema.PLANNED,
                    InventoryItem.data["planned_month"].astext < this_month())
            .order_by(InventoryItem.data["planned_month"].astext, InventoryItem.local_id).all())


def stale_items(org_id: str) -> list[Any]:
    return (model.Session.query(InventoryItem)
            .filter(InventoryItem.organization_id == org_id, InventoryItem.state == "active",
                    InventoryItem.status == schema.CONSIDERING,
                    InventoryItem.status_since < _stale_since())
            .order_by(InventoryItem.status_since, InventoryItem.local_id).all())
