"""Tables of 活用事例 (reuses; created by migration/nakano).

A reuse is public while ``state`` is ``published``. An edit of a published reuse waits in
``proposed`` (the fields it changes) until a moderator approves it, so the approved text
stays online meanwhile (reuses/store.py).
"""
from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import Column, DateTime, UnicodeText
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from ckan.plugins import toolkit as tk


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


class Reuse(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Something made from the portal's data: an app, an analysis, an article …"""

    __tablename__ = "nakano_reuse"

    id: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    name: Mapped[str] = Column(UnicodeText, nullable=False, unique=True)  # type: ignore[assignment]
    title: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    kind: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    url: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    description: Mapped[str] = Column(UnicodeText, nullable=False, default="")  # type: ignore[assignment]
    provider: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    provider_kind: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    image: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]  # location in storage
    state: Mapped[str] = Column(UnicodeText, nullable=False, index=True)  # type: ignore[assignment]
    proposed: Mapped[dict[str, Any] | None] = Column(JSONB)  # type: ignore[assignment]
    submitter_id: Mapped[str | None] = Column(UnicodeText, index=True)  # type: ignore[assignment]
    # Only for a visitor without an account (confirmed by a link); never shown.
    submitter_email: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    reject_reason: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    moderated_by: Mapped[str | None] = Column(UnicodeText)  # type: ignore[assignment]
    # NFKC, lower case, katakana as hiragana (folded_text.fold): what search matches.
    search_text: Mapped[str] = Column(UnicodeText, nullable=False, default="")  # type: ignore[assignment]
    created: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    modified: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    published: Mapped[datetime.datetime | None] = Column(DateTime)  # type: ignore[assignment]


class ReuseDataset(tk.BaseModel):  # type: ignore[misc, valid-type]
    """A dataset a reuse uses."""

    __tablename__ = "nakano_reuse_dataset"

    reuse_id: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    package_id: Mapped[str] = Column(UnicodeText, primary_key=True, index=True)  # type: ignore[assignment]
