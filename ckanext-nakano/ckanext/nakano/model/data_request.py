"""Tables of データ要望 (data requests; created by migration/nakano).

A request is numbered (``id``: 「要望 #42」). ``state`` says whether it is listed
(unconfirmed → pending → active; merged, hidden); ``status`` is the department's answer
(received → considering → planned / published / declined). Every change is a row of
``nakano_data_request_change``, shown on the request's page.
"""
from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, UnicodeText
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from ckan.plugins import toolkit as tk


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


class DataRequest(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Data somebody asks the ward to open."""

    __tablename__ = "nakano_data_request"

    id: Mapped[int] = Column(Integer, primary_key=True, autoincrement=True)  # type: ignore[assignment]
    title: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    description: Mapped[str] = Column(UnicodeText, nullable=False, default="")  # type: ignore[assignment]
    purpose: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    purpose_text: Mapped[str] = Column(UnicodeText, nullable=False, default="")  # type: ignore[assignment]
    format_wanted: Mapped[str] = Column(UnicodeText, nullable=False, default="")  # type: ignore[assignment]
    organization_id: Mapped[str | None] = Column(UnicodeText, index=True)  # type: ignore[assignment]
    status: Mapped[str] = Column(UnicodeText, nullable=False, default="received")  # type: ignore[assignment]
    status_since: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    planned_month: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    dataset_id: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    inventory_item_id: Mapped[str | None] = Column(UnicodeText, index=True)  # type: ignore[assignment]
    decline_reason: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    answer: Mapped[str] = Column(UnicodeText, nullable=False, default="")  # type: ignore[assignment]
    first_answer: Mapped[datetime.datetime | None] = Column(DateTime)  # type: ignore[assignment]
    state: Mapped[str] = Column(UnicodeText, nullable=False, index=True)  # type: ignore[assignment]
    held_reason: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    merged_into: Mapped[int | None] = Column(Integer)  # type: ignore[assignment]
    requester_id: Mapped[str | None] = Column(UnicodeText, index=True)  # type: ignore[assignment]
    # Only for a visitor without an account (confirmed by a link); never shown.
    requester_email: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    show_name: Mapped[bool] = Column(Boolean, nullable=False, default=False)  # type: ignore[assignment]
    supporters: Mapped[int] = Column(Integer, nullable=False, default=0)  # type: ignore[assignment]
    search_text: Mapped[str] = Column(UnicodeText, nullable=False, default="")  # type: ignore[assignment]
    created: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    modified: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]


class DataRequestChange(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One change of a request: who, what (field → [before, after]) and the answer's text."""

    __tablename__ = "nakano_data_request_change"

    id: Mapped[int] = Column(BigInteger, primary_key=True, autoincrement=True)  # type: ignore[assignment]
    request_id: Mapped[int] = Column(Integer, nullable=False, index=True)  # type: ignore[assignment]
    ts: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    user_id: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    kind: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    changes: Mapped[dict[str, Any]] = Column(JSONB, nullable=False, default=dict)  # type: ignore[assignment]
    note: Mapped[str] = Column(UnicodeText, nullable=False, default="")  # type: ignore[assignment]


class DataRequestSupport(tk.BaseModel):  # type: ignore[misc, valid-type]
    """「私も必要」: one per account and request."""

    __tablename__ = "nakano_data_request_support"

    request_id: Mapped[int] = Column(Integer, primary_key=True)  # type: ignore[assignment]
    user_id: Mapped[str] = Column(UnicodeText, primary_key=True, index=True)  # type: ignore[assignment]
    created: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]


class DataRequestFollow(tk.BaseModel):  # type: ignore[misc, valid-type]
    """An account told by e-mail of each change of a request."""

    __tablename__ = "nakano_data_request_follow"

    request_id: Mapped[int] = Column(Integer, primary_key=True)  # type: ignore[assignment]
    user_id: Mapped[str] = Column(UnicodeText, primary_key=True, index=True)  # type: ignore[assignment]
    created: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]
