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

    @classmethod
    def forget(cls, resource_id: str) -> None:
        """The resource is gone: so is its report."""
        model.Session.query(cls).filter_by(resource_id=resource_id).delete()
        model.Session.commit()


class HarvestFile(tk.BaseModel):  # type: ignore[misc, valid-type]
    """What the ward's harvesters last published from one file or record of a source.

    The fingerprint (content + sidecar metadata + source defaults) decides
    whether a file changed; ``state`` becomes "missing" when the file leaves
    the source (the dataset stays until a person decides). Errors live on
    ckanext-harvest's objects, not here.
    """

    __tablename__ = "nakano_harvest_file"

    source_id: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    guid: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    package_id: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    fingerprint: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    state: Mapped[str] = Column(UnicodeText, nullable=False, default="present")  # type: ignore[assignment]
    missing_since: Mapped[datetime.datetime | None] = Column(DateTime)  # type: ignore[assignment]

    @classmethod
    def get(cls, source_id: str, guid: str) -> "HarvestFile | None":
        return model.Session.get(cls, (source_id, guid))

    def published_as(self, fingerprint: str | None) -> bool:
        """This file was published with exactly this content and metadata."""
        return bool(self.package_id) and self.fingerprint == fingerprint

    @classmethod
    def of_source(cls, source_id: str) -> list["HarvestFile"]:
        return model.Session.query(cls).filter_by(source_id=source_id).all()


from .data_request import DataRequest, DataRequestChange, DataRequestFollow, DataRequestSupport  # noqa: E402
from .inventory import InventoryChange, InventoryItem  # noqa: E402
from .metrics import LinkCheck, MetricDaily, MetricEvent, Quality, SearchDaily  # noqa: E402
from .reuse import Reuse, ReuseDataset  # noqa: E402
from .submission import EmailConfirmation, MailPreference  # noqa: E402

__all__ = ["Validation", "HarvestFile", "MetricEvent", "MetricDaily", "SearchDaily", "Quality", "LinkCheck",
           "InventoryItem", "InventoryChange", "Reuse", "ReuseDataset", "DataRequest", "DataRequestChange",
           "DataRequestSupport", "DataRequestFollow", "EmailConfirmation", "MailPreference"]
