"""Tables of the usage and publishing metrics (created by migration/nakano).

Raw events keep no IP address: only a keyed hash whose key (a daily salt)
is deleted after two days. Rollups are rebuilt per day from the raw events,
so running them twice gives the same figures.
"""
from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, UnicodeText
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from ckan import model
from ckan.plugins import toolkit as tk


class MetricEvent(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One recorded request: a page view, a download, an API call or a search."""

    __tablename__ = "nakano_metric_event"

    id: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    ts: Mapped[datetime.datetime] = Column(DateTime, nullable=False)  # type: ignore[assignment]
    kind: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    page: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    package_id: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    resource_id: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    organization_id: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    action: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    auth: Mapped[str] = Column(UnicodeText, nullable=False, default="anonymous")  # type: ignore[assignment]
    visitor: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    bot: Mapped[bool] = Column(Boolean, nullable=False, default=False)  # type: ignore[assignment]
    query: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    filters: Mapped[dict[str, Any] | None] = Column(JSONB)  # type: ignore[assignment]
    results: Mapped[int | None] = Column(Integer)  # type: ignore[assignment]


class MetricDaily(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Events of one day (Asia/Tokyo) per kind and subject.

    ``scope``/``subject``: site/'' , page/<page>, dataset/<id>, resource/<id>,
    organization/<id>, action/<action>, filter/<field:value>. Bots are counted
    in ``bots`` only, never in ``count``.
    """

    __tablename__ = "nakano_metric_daily"

    day: Mapped[datetime.date] = Column(Date, primary_key=True)  # type: ignore[assignment]
    kind: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    scope: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    subject: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    count: Mapped[int] = Column(Integer, nullable=False, default=0)  # type: ignore[assignment]
    visitors: Mapped[int] = Column(Integer, nullable=False, default=0)  # type: ignore[assignment]
    authenticated: Mapped[int] = Column(Integer, nullable=False, default=0)  # type: ignore[assignment]
    bots: Mapped[int] = Column(Integer, nullable=False, default=0)  # type: ignore[assignment]


class SearchDaily(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Searches of one day per normalised query; ``zero_results`` = found nothing."""

    __tablename__ = "nakano_search_daily"

    day: Mapped[datetime.date] = Column(Date, primary_key=True)  # type: ignore[assignment]
    query: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    searches: Mapped[int] = Column(Integer, nullable=False)  # type: ignore[assignment]
    zero_results: Mapped[int] = Column(Integer, nullable=False)  # type: ignore[assignment]
    visitors: Mapped[int] = Column(Integer, nullable=False)  # type: ignore[assignment]


class Quality(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Latest quality score of a dataset (dimensions in schemas/quality.yaml)."""

    __tablename__ = "nakano_quality"

    package_id: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    organization_id: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    score: Mapped[int] = Column(Integer, nullable=False)  # type: ignore[assignment]
    max_score: Mapped[int] = Column(Integer, nullable=False)  # type: ignore[assignment]
    freshness: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    detail: Mapped[dict[str, Any]] = Column(JSONB, nullable=False)  # type: ignore[assignment]
    computed: Mapped[datetime.datetime] = Column(DateTime, nullable=False)  # type: ignore[assignment]

    @classmethod
    def get(cls, package_id: str) -> "Quality | None":
        return model.Session.get(cls, package_id)


class LinkCheck(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Latest check of a resource's URL: ok, broken, refused (address rules) or error."""

    __tablename__ = "nakano_link_check"

    resource_id: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    package_id: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    url: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    status: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    http_status: Mapped[int | None] = Column(Integer)  # type: ignore[assignment]
    message: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    checked: Mapped[datetime.datetime] = Column(DateTime, nullable=False)  # type: ignore[assignment]
