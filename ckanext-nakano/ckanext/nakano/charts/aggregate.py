"""The numbers of a chart, computed in PostgreSQL from a resource's DataStore table.

Built from the chosen columns' identifiers — each checked against the table's own columns,
quoted by the DataStore's ``identifier`` — and the chosen values as bound parameters: nothing
a request says is pasted into SQL. It runs on the DataStore's read-only connection, in a
transaction with a statement timeout, and returns at most ``MAX_GROUPS`` groups (the largest
first). Answers are kept in Redis per resource, table and settings: a new load of the table
(a new table, or a per-resource counter moved by each write: ``forget``) is another key.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from decimal import Decimal
from typing import Any

import redis
import sqlalchemy as sa
from ckan.lib.redis import connect_to_redis
from ckanext.datastore.backend.postgres import get_read_engine, identifier

from .columns import Column, table_columns
from .values import month_sql, number_sql

__all__ = ["ChartError", "chart_data", "columns_of", "forget", "table_version", "kept", "keep", "plain_number", "MAX_GROUPS", "MAX_POINTS", "TIMEOUT_MS", "MEASURES"]

log = logging.getLogger(__name__)

MAX_GROUPS = 5000
MAX_POINTS = 5000
TIMEOUT_MS = 5000
KEPT_SECONDS = 24 * 3600
REFUSAL_SECONDS = 600   # a chart too slow to compute is not tried again for this long
MEASURES = ("count", "sum", "avg", "min", "max")
_PREFIX = "nakano:chart:"


class ChartError(Exception):
    """A chart that cannot be made from this table; ``code`` names the message
    (charts/messages.yaml), ``values`` fill it."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code, self.values = code, values


def _numeric(column: Column) -> str:
    ident = identifier(column.name)
    return f"{ident}::numeric" if column.kind == "number" and column.stored != "text" else number_sql(ident)


def _label(column: Column, unit: str) -> str:
    ident = identifier(column.name)
    if column.kind == "date":
        month = f"to_char({ident}, 'YYYY-MM')" if column.stored != "text" else month_sql(ident)
        return f"left({month}, 4)" if unit == "year" else month
    if column.kind == "number":
        return f"({_numeric(column)})::text"
    return f"nullif(btrim({ident}::text), '')"


def _filled(column: Column) -> str:
    return f"nullif(btrim({identifier(column.name)}::text), '') IS NOT NULL"


def _column(columns: dict[str, Column], name: str | None, role: str) -> Column:
    if name not in columns:
        raise ChartError("chart-no-such-column", column=str(name or "")[:80], role=role)
    return columns[name]


# Larger than this (or NaN, ±Infinity, a numeric column can hold them) is not a number a chart
# can draw or JSON can carry to JavaScript exactly: left out and counted as skipped.
LARGEST = Decimal("1e300")
SMALLEST = Decimal("1e-300")


def plain_number(value: Any) -> Any:
    """A number of PostgreSQL as JSON gives it: an int when whole, else a float; None when it
    is not finite, beyond LARGEST or a non-zero closer to 0 than SMALLEST."""
    if isinstance(value, float):
        value = Decimal(repr(value)) if math.isfinite(value) else Decimal("NaN")
    if isinstance(value, Decimal):
        if not value.is_finite() or abs(value) > LARGEST or (value and abs(value) < SMALLEST):
            return None
        if value == value.to_integral_value() and abs(value) < 2 ** 53:
            return int(value)
        return float(value)
    return value


def table_version(connection: Any, resource_id: str) -> str:
    """What changes when the table is written again: its identity (a new table after a load)
    and the counter that each write moves (``forget``: the loader's end, the DataStore's write
    actions). PostgreSQL's own write counts are published seconds late, so they are not used."""
    row = connection.execute(sa.text("SELECT c.oid FROM pg_class c WHERE c.relname = :table "
                                     "AND c.relnamespace = current_schema()::regnamespace"),
                             {"table": resource_id}).first()
    if row is None:
        return ""
    try:
        writes = (connect_to_redis().get(f"{_PREFIX}writes:{resource_id}") or b"0").decode()
    except redis.RedisError:   # then nothing is kept (see kept)
        writes = "-"
    return f"{row[0]}.{writes}"


def forget(resource_id: str) -> None:
    """The table was written (loaded again, rows upserted or deleted): its kept answers are not
    used any more."""
    try:
        connect_to_redis().incr(f"{_PREFIX}writes:{resource_id}")
    except redis.RedisError as error:   # the table's own version still changes with the load
        log.warning("chart answers of %s not forgotten: %s", resource_id, error)


def kept(key: str) -> dict[str, Any] | None:
    try:
        found = connect_to_redis().get(key)
    except redis.RedisError:   # computed again: slower, not wrong
        return None
    return json.loads(found) if found else None


def keep(key: str, answer: dict[str, Any], seconds: int = KEPT_SECONDS) -> None:
    try:
        connect_to_redis().set(key, json.dumps(answer, ensure_ascii=False), ex=seconds)
    except redis.RedisError as error:
        log.warning("chart answer not kept: %s", error)


def chart_data(resource_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The aggregated rows of ``settings`` (validated by logic/chart_schema.py) and the
    table's column types; ``cached`` says whether the answer was kept from before."""
    with get_read_engine().begin() as connection:
        connection.execute(sa.text(f"SET LOCAL statement_timeout = {TIMEOUT_MS}"))
        version = table_version(connection, resource_id)
        if not version:
            raise ChartError("chart-not-in-datastore")
        # Order and top N are applied to the kept groups (``_ordered``): one key for all of them.
        computed = {k: v for k, v in settings.items() if k not in ("sort", "top")}
        wanted = json.dumps(computed, sort_keys=True, ensure_ascii=False, default=str)
        key = f"{_PREFIX}{resource_id}:{version}:{hashlib.sha256(wanted.encode()).hexdigest()[:32]}"
        found = kept(key)
        if found is not None and "refused" in found:       # too slow a moment ago: not tried again yet
            raise ChartError(found["refused"], seconds=TIMEOUT_MS // 1000)
        if found is not None:
            return _answered(found, settings, cached=True)
        columns = table_columns(connection, resource_id)
        try:
            answer = _compute(connection, resource_id, {c.name: c for c in columns}, computed)
        except sa.exc.OperationalError as error:
            if "statement timeout" in str(error.orig):
                keep(key, {"refused": "chart-too-slow"}, REFUSAL_SECONDS)
                raise ChartError("chart-too-slow", seconds=TIMEOUT_MS // 1000) from error
            raise
        answer["columns"] = [{"name": c.name, "kind": c.kind} for c in columns]
        answer["x_kind"] = next((c.kind for c in columns if c.name == settings.get("x")), "text")
    keep(key, answer)
    return _answered(answer, settings, cached=False)


def _answered(answer: dict[str, Any], settings: dict[str, Any], cached: bool) -> dict[str, Any]:
    shown = {k: v for k, v in answer.items() if k != "x_kind"}
    return {**shown, "rows": _ordered_kept(answer, settings), "cached": cached}


def _ordered_kept(answer: dict[str, Any], settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The kept groups in the asked order and top N (a scatter's points as they are)."""
    if settings.get("kind") == "scatter":
        return answer["rows"]
    return _ordered(answer["rows"], settings, answer.get("x_kind", "text"))


def columns_of(resource_id: str) -> list[dict[str, str]]:
    """The table's columns, typed (``name``, ``kind``), for choosing them."""
    with get_read_engine().begin() as connection:
        connection.execute(sa.text(f"SET LOCAL statement_timeout = {TIMEOUT_MS}"))
        version = table_version(connection, resource_id)
        if not version:
            raise ChartError("chart-not-in-datastore")
        key = f"{_PREFIX}{resource_id}:{version}:columns"
        found = kept(key)
        if found is not None:      # a pinned chart on a dataset page asks on every view
            return found["columns"]
        columns = [{"name": c.name, "kind": c.kind, "distinct": c.distinct}
                   for c in table_columns(connection, resource_id)]
    keep(key, {"columns": columns})
    return columns


def _where(columns: dict[str, Column], filters: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    for n, chosen in enumerate(filters):
        column = _column(columns, chosen.get("column"), "filter")
        params[f"f{n}"] = str(chosen.get("value", ""))
        clauses.append(f"coalesce({_label(column, 'month')}, '') = :f{n}")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _compute(connection: Any, resource_id: str, columns: dict[str, Column],
             settings: dict[str, Any]) -> dict[str, Any]:
    table = identifier(resource_id)
    where, params = _where(columns, settings.get("filters") or [])
    if settings["kind"] == "scatter":
        return _points(connection, table, columns, settings, where, params)
    x = _column(columns, settings.get("x"), "x")
    measure = settings.get("measure", "count")
    unit = settings.get("date_unit", "month")
    if measure == "count":
        value, skipped = "count(*)", "0"
    else:
        measured = _column(columns, settings.get("value"), "value")
        if measured.kind not in ("number", "empty"):
            raise ChartError("chart-not-a-number", column=measured.name)
        number = _numeric(measured)
        value = f"{measure}({number})"
        skipped = f"count(*) FILTER (WHERE {_filled(measured)} AND {number} IS NULL)"
    series = "NULL::text"
    if settings.get("series"):
        series = _label(_column(columns, settings["series"], "series"), unit)
    sql = (f"SELECT {_label(x, unit)} AS label, {series} AS series, {value} AS value, count(*) AS n, "
           f"{skipped} AS skipped FROM {table}{where} GROUP BY 1, 2 "
           f"ORDER BY 3 DESC NULLS LAST, 1 LIMIT {MAX_GROUPS + 1}")
    found = connection.execute(sa.text(sql), params).all()
    truncated = len(found) > MAX_GROUPS
    rows = [{"label": r.label, "series": r.series, "value": plain_number(r.value), "rows": int(r.n)}
            for r in found[:MAX_GROUPS]]
    beyond = sum(1 for r, row in zip(found, rows) if r.value is not None and row["value"] is None)
    return {"rows": rows, "truncated": truncated,
            "rows_counted": sum(r["rows"] for r in rows),
            "skipped": sum(int(r.skipped) for r in found[:MAX_GROUPS]) + beyond}


def _ordered(rows: list[dict[str, Any]], settings: dict[str, Any], x_kind: str) -> list[dict[str, Any]]:
    """Top N categories (by their total over the series), in the chosen order."""
    totals: dict[Any, float] = {}
    for row in rows:
        totals[row["label"]] = totals.get(row["label"], 0) + (row["value"] or 0)
    sort = settings.get("sort", "value_desc")
    if sort == "label" or x_kind == "date":
        def natural(label: Any) -> tuple:
            if label is None:    # blank cells last
                return (2, 0.0, "")
            return (0, float(label), "") if x_kind == "number" else (1, 0.0, str(label))
        labels = sorted(totals, key=natural)
    elif sort == "value_asc":
        labels = sorted(totals, key=lambda k: (totals[k], str(k)))
    else:
        labels = sorted(totals, key=lambda k: (-totals[k], str(k)))
    top = settings.get("top")
    if top and x_kind != "date":
        labels = labels[:top]
    position = {label: i for i, label in enumerate(labels)}
    chosen = [r for r in rows if r["label"] in position]
    return sorted(chosen, key=lambda r: (position[r["label"]], str(r["series"] or "")))


def _points(connection: Any, table: str, columns: dict[str, Column], settings: dict[str, Any], where: str,
            params: dict[str, Any]) -> dict[str, Any]:
    x = _column(columns, settings.get("x"), "x")
    y = _column(columns, settings.get("value"), "value")
    for column in (x, y):
        if column.kind != "number":
            raise ChartError("chart-not-a-number", column=column.name)
    both = f"{_numeric(x)} IS NOT NULL AND {_numeric(y)} IS NOT NULL"
    where = f"{where} AND {both}" if where else f" WHERE {both}"
    found = connection.execute(sa.text(f"SELECT {_numeric(x)} AS x, {_numeric(y)} AS y FROM {table}{where} "
                                       f"LIMIT {MAX_POINTS + 1}"), params).all()
    points = [{"x": plain_number(r.x), "y": plain_number(r.y)} for r in found[:MAX_POINTS]]
    drawable = [p for p in points if p["x"] is not None and p["y"] is not None]
    return {"rows": drawable, "truncated": len(found) > MAX_POINTS, "rows_counted": len(drawable),
            "skipped": len(points) - len(drawable)}
