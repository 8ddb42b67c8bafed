"""Tables of the nakano plugin (created by migration/nakano)."""
from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import Column, DateTime, UnicodeText
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from ckan import model
from ckan.plugins import toolkit as tk


class Validation(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Latest validation of one resource: pending → valid / invalid / error."""

    __tablename__ = "nakano_validation"

    resource_id: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    status: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    report: Mapped[dict[str, Any] | None] = Column(JSONB)  # type: ignore[assignment]
    updated: Mapped[datetime.datetime] = Column(DateTime, nullable=False,  # type: ignore[assignment]
                                                default=datetime.datetime.utcnow)

    @classmethod
    def get(cls, resource_id: str) -> "Validation | None":
        return model.Session.get(cls, resource_id)

    @classmethod
    def set(cls, resource_id: str, status: str, report: dict[str, Any] | None = None) -> "Validation":
        row = cls.get(resource_id) or cls(resource_id=resource_id)
        row.status, row.report, row.updated = status, report, datetime.datetime.utcnow()
        model.Session.add(row)
        model.Session.commit()
        return row
