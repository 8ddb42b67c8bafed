"""How a data request's answer reads in the reader's language: a month, and the status with
what it says (the month of 公開予定, the reason of 対応できません) — on the pages and in the mails."""
from __future__ import annotations

import datetime

import babel.dates

import ckan.plugins.toolkit as tk

from .. import messages
from ..inventory import schema as inventory_schema
from ..model import DataRequest
from ..submissions import choices

__all__ = ["month_text", "status_text"]


def month_text(value: str | None, lang: str | None = None) -> str:
    """``2027-04`` as the reader reads a month: 2027年4月, April 2027, 2027년 4월 …"""
    if not value:
        return ""
    try:
        year, mon = (int(part) for part in str(value).split("-")[:2])
        return babel.dates.format_skeleton("yMMMM", datetime.date(year, mon, 1),
                                           locale=messages.reader_locale(lang or tk.h.lang()))
    except (ValueError, TypeError):   # not a stored month: shown as it is
        return str(value)


def status_text(request: DataRequest, lang: str) -> str:
    """公開予定（2027年4月）, 対応できません（個人情報を含むため）…"""
    said = choices.label("data_request", "status", request.status, lang)
    detail = ""
    if request.status == "planned" and request.planned_month:
        detail = month_text(request.planned_month, lang)
    elif request.status == "declined" and request.decline_reason:
        detail = inventory_schema.choice_label("closed_reason", request.decline_reason, lang)
    return f"{said}（{detail}）" if detail and lang == "ja" else f"{said} ({detail})" if detail else said
