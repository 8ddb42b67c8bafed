"""Daily rollups, rebuilt from the raw events: a day's rows are replaced in one
transaction, so a rerun (or a rollup of a day whose events arrived late)
gives the same figures. Days are calendar days of ``ckan.display_timezone``.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from .events import timezone, today

# One statement per scope: (scope, subject expression, extra condition).
_SCOPES = [
    ("site", "''", "true"),
    ("page", "page", "kind = 'view' and page is not null"),
    # A dataset's views are views of its own page; its resource pages count for the resource.
    ("dataset", "package_id", "package_id is not null and (kind <> 'view' or page = 'dataset')"),
    ("resource", "resource_id", "resource_id is not null"),
    ("organization", "organization_id", "organization_id is not null"),
    ("action", "action", "kind = 'api' and action is not null"),
]
_COUNTS = """count(*) filter (where not bot),
             count(distinct visitor) filter (where not bot),
             count(*) filter (where not bot and auth <> 'anonymous'),
             count(*) filter (where bot)"""


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local day as naive UTC times (events are stored in UTC)."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=timezone())
    end = start + datetime.timedelta(days=1)
    utc = datetime.timezone.utc
    return start.astimezone(utc).replace(tzinfo=None), end.astimezone(utc).replace(tzinfo=None)


def rollup_day(day: datetime.date) -> dict[str, Any]:
    """Replace the rollups of ``day``; returns its site totals per kind."""
    start, end = day_bounds(day)
    params = {"day": day, "start": start, "end": end}
    session = model.Session
    session.execute(sa.text("delete from nakano_metric_daily where day = :day"), params)
    session.execute(sa.text("delete from nakano_search_daily where day = :day"), params)
    for scope, subject, condition in _SCOPES:
        session.execute(sa.text(f"""
            insert into nakano_metric_daily (day, kind, scope, subject, count, visitors, authenticated, bots)
            select :day, kind, '{scope}', {subject}, {_COUNTS}
            from nakano_metric_event
            where ts >= :start and ts < :end and {condition}
            group by kind{'' if scope == 'site' else ', ' + subject}"""), params)
    session.execute(sa.text(f"""
        insert into nakano_metric_daily (day, kind, scope, subject, count, visitors, authenticated, bots)
        select :day, 'search', 'filter', f.key || ':' || f.value, {_COUNTS}
        from nakano_metric_event, jsonb_each_text(coalesce(filters, '{{}}'::jsonb)) f
        where ts >= :start and ts < :end and kind = 'search'
        group by f.key, f.value"""), params)
    session.execute(sa.text("""
        insert into nakano_search_daily (day, query, searches, zero_results, visitors)
        select :day, query, count(*), count(*) filter (where results = 0), count(distinct visitor)
        from nakano_metric_event
        where ts >= :start and ts < :end and kind = 'search' and not bot and coalesce(query, '') <> ''
        group by query"""), params)
    session.commit()
    totals = session.execute(sa.text(
        "select kind, count, bots from nakano_metric_daily where day = :day and scope = 'site'"), params)
    return {kind: {"count": count, "bots": bots} for kind, count, bots in totals}


def days_with_events() -> list[datetime.date]:
    """Every day from the oldest raw event to today."""
    first = model.Session.execute(sa.text("select min(ts) from nakano_metric_event")).scalar()
    if first is None:
        return []
    local = first.replace(tzinfo=datetime.timezone.utc).astimezone(timezone()).date()
    return [local + datetime.timedelta(days=i) for i in range((today() - local).days + 1)]


def purge_raw_events() -> int:
    """Raw events (with their daily pseudonyms) are kept for the configured days only."""
    keep = tk.config["ckanext.nakano.metrics.raw_retention_days"]
    start, _ = day_bounds(today() - datetime.timedelta(days=keep))
    deleted = model.Session.execute(sa.text("delete from nakano_metric_event where ts < :s"), {"s": start}).rowcount
    model.Session.commit()
    return deleted


def rollup(days: list[datetime.date] | None = None) -> dict[str, Any]:
    """Roll up the given days (default: yesterday and today), then purge old raw events."""
    now = today()
    days = days or [now - datetime.timedelta(days=1), now]
    # A day whose raw events are purged keeps the rollup it had.
    oldest = now - datetime.timedelta(days=tk.config["ckanext.nakano.metrics.raw_retention_days"])
    days = [day for day in days if day >= oldest]
    done = {day.isoformat(): rollup_day(day) for day in days}
    return {"days": done, "purged": purge_raw_events()}
