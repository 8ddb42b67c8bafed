"""Figures of データ要望 (data requests) per department, for its page and for /metrics.

- 受付件数 (``received``): the department's listed requests (``state`` active or merged;
  not those waiting for review or hidden).
- 未回答・検討中 (``open``): listed, not merged, status 受付 or 検討中: waiting for a decision.
- 回答済 (``answered``): listed requests with a first answer of the department.
- 初回回答までの日数の中央値 (``median_days``): the median of (first answer − request sent) in
  days, one decimal, over the answered ones; None before the first answer. Requests still
  waiting do not count: the open figure says how many there are.
"""
from __future__ import annotations

from typing import Any, Iterable

import sqlalchemy as sa

from ckan import model

from .store import LISTED

__all__ = ["department_figures", "OPEN_STATUSES"]

OPEN_STATUSES = ("received", "considering")


def department_figures(org_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """organization id → ``received``, ``open``, ``answered``, ``median_days`` (None without
    answers); every department with a listed request, or those of ``org_ids``."""
    wanted = list(org_ids) if org_ids is not None else None
    rows = model.Session.execute(sa.text(f"""
        select organization_id,
               count(*) as received,
               count(*) filter (where state = 'active' and status in :open) as open,
               count(first_answer) as answered,
               percentile_cont(0.5) within group (order by extract(epoch from first_answer - created) / 86400.0)
                 filter (where first_answer is not null) as median_days
        from nakano_data_request
        where state in :listed and organization_id is not null
              {"and organization_id = any(:wanted)" if wanted is not None else ""}
        group by organization_id""").bindparams(sa.bindparam("open", expanding=True),
                                                 sa.bindparam("listed", expanding=True)),
        {"open": list(OPEN_STATUSES), "listed": list(LISTED), "wanted": wanted or []})
    found = {r.organization_id: {"received": int(r.received), "open": int(r.open), "answered": int(r.answered),
                                 "median_days": round(float(r.median_days), 1) if r.median_days is not None else None}
             for r in rows}
    for org_id in wanted or ():
        found.setdefault(org_id, {"received": 0, "open": 0, "answered": 0, "median_days": None})
    return found
