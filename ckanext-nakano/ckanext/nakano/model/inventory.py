"""Tables of the data inventory (データ棚卸台帳; created by migration/nakano).

An item's fields (schemas/inventory.yaml) live in ``data``; the columns are what pages
filter, count and sort by. ``declared_status`` is the status its department set;
``status`` is what the item is: 公開済（オープンデータ） while a public dataset is linked
to it, else the declared one (inventory/links.py). Items are never removed: a deleted one
keeps its history with ``state = 'deleted'``.
"""
from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Index, UnicodeText, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from ckan.plugins import toolkit as tk


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


class InventoryItem(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One data asset a department holds."""

    __tablename__ = "nakano_inventory_item"
    __table_args__ = (Index("nakano_inventory_item_key", "organization_id", "local_id", unique=True,
                            postgresql_where=text("state = 'active'")),)

    id: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    organization_id: Mapped[str] = Column(UnicodeText, nullable=False, index=True)  # type: ignore[assignment]
    local_id: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    title: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    status: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    declared_status: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    status_since: Mapped[datetime.datetime] = Column(DateTime, nullable=False,  # type: ignore[assignment]
                                                     default=_now)
    listed: Mapped[bool] = Column(Boolean, nullable=False, default=True)  # type: ignore[assignment]
    data: Mapped[dict[str, Any]] = Column(JSONB, nullable=False, default=dict)  # type: ignore[assignment]
    # NFKC, lower case, katakana as hiragana: what the search matches (inventory/store.py).
    search_text: Mapped[str] = Column(UnicodeText, nullable=False, default="")  # type: ignore[assignment]
    state: Mapped[str] = Column(UnicodeText, nullable=False, default="active")  # type: ignore[assignment]
    created: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    modified: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    modified_by: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]


class InventoryChange(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One change of an item: who (``user_id``; none when the portal itself changed the
    status), what (``changes``: field → [before, after]) and why (``note``, a coded message)."""

    __tablename__ = "nakano_inventory_change"

    id: Mapped[int] = Column(BigInteger, primary_key=True, autoincrement=True)  # type: ignore[assignment]
    item_id: Mapped[str] = Column(UnicodeText, nullable=False, index=True)  # type: ignore[assignment]
    ts: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    user_id: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    kind: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    changes: Mapped[dict[str, Any]] = Column(JSONB, nullable=False, default=dict)  # type: ignore[assignment]
    note: Mapped[dict[str, Any] | None] = Column(JSONB)  # type: ignore[assignment]
