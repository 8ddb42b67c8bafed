"""Tables shared by reuses and data requests (created by migration/nakano): the e-mail
confirmations of visitors without an account, and who among the departments' staff wants
their mail."""
from __future__ import annotations

import datetime

from sqlalchemy import Boolean, Column, DateTime, UnicodeText
from sqlalchemy.orm import Mapped

from ckan.plugins import toolkit as tk


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


class EmailConfirmation(tk.BaseModel):  # type: ignore[misc, valid-type]
    """A link sent to a visitor's address; only its hash is kept (submissions/confirm.py)."""

    __tablename__ = "nakano_email_confirmation"

    token_hash: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    object_type: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    object_id: Mapped[str] = Column(UnicodeText, nullable=False)  # type: ignore[assignment]
    created: Mapped[datetime.datetime] = Column(DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    confirmed: Mapped[datetime.datetime | None] = Column(DateTime)  # type: ignore[assignment]


class MailPreference(tk.BaseModel):  # type: ignore[misc, valid-type]
    """A department member's choice to be mailed of reuses and requests of the department."""

    __tablename__ = "nakano_mail_preference"

    user_id: Mapped[str] = Column(UnicodeText, primary_key=True)  # type: ignore[assignment]
    department_mail: Mapped[bool] = Column(Boolean, nullable=False, default=False)  # type: ignore[assignment]
