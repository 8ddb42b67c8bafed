"""Queued events → ``nakano_metric_event``, without loss or double counting.

One ingester at a time (a Redis lock): it reads a batch from the head of the
list, inserts it (event ids are primary keys, so a batch inserted twice after
a crash counts once), commits, and only then trims the list. Spooled events
(written while Redis was down) are read the same way.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import re
import secrets
import time
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ckan import model
from ckan.lib.redis import connect_to_redis

from .. import dead_letters
from ..model import MetricEvent
from .events import KINDS, QUEUE, spool_dir

log = logging.getLogger(__name__)
LOCK = "nakano:metrics:ingest-lock"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LOCK_SECONDS = 120


class Busy(Exception):
    """Another ingester holds the lock."""


@contextlib.contextmanager
def ingest_lock(wait: float = 0) -> Iterator[None]:
    redis = connect_to_redis()
    token = secrets.token_hex(8)
    deadline = time.monotonic() + wait
    while not redis.set(LOCK, token, nx=True, ex=LOCK_SECONDS):
        if time.monotonic() >= deadline:
            raise Busy("another metrics ingester is running / 別の取り込み処理が実行中です")
        time.sleep(0.2)
    try:
        yield
    finally:
        if redis.get(LOCK) == token.encode():
            redis.delete(LOCK)


def _resolve(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Names → ids, and each event's dataset and department from what it names.
    Events naming a resource or dataset that does not exist are dropped."""
    keys = {e.get("package") for e in raw} - {None, ""}
    resources = {e.get("resource") for e in raw} - {None, ""}
    orgs = {e.get("organization") for e in raw} - {None, ""}
    session = model.Session
    packages: dict[str, tuple[str, str | None]] = {}
    if keys:
        for pid, name, owner in session.execute(sa.text(
                "select id, name, owner_org from package where id = any(:k) or name = any(:k)"),
                {"k": list(keys)}):
            packages[pid] = packages[name] = (pid, owner)
    of_resource: dict[str, tuple[str, str | None]] = {}
    if resources:
        for rid, pid, owner in session.execute(sa.text(
                "select r.id, r.package_id, p.owner_org from resource r join package p on p.id = r.package_id "
                "where r.id = any(:r)"), {"r": list(resources)}):
            of_resource[rid] = (pid, owner)
    organizations: dict[str, str] = {}
    if orgs:
        for gid, name in session.execute(sa.text(
                'select id, name from "group" where is_organization and (id = any(:o) or name = any(:o))'),
                {"o": list(orgs)}):
            organizations[gid] = organizations[name] = gid
    rows = []
    for e in raw:
        if e.get("kind") not in KINDS:
            continue
        package_id = owner = None
        if e.get("resource"):
            if e["resource"] not in of_resource:
                continue
            package_id, owner = of_resource[e["resource"]]
        if e.get("package"):
            if e["package"] not in packages:
                if e["kind"] != "api":
                    continue
            else:
                package_id, owner = packages[e["package"]]
        org = organizations.get(e.get("organization") or "") or owner
        if e.get("organization") and not org:
            continue
        rows.append({
            "id": e["id"], "ts": datetime.datetime.fromisoformat(e["ts"]), "kind": e["kind"],
            "page": e.get("page"), "package_id": package_id, "resource_id": e.get("resource"),
            "organization_id": org, "action": e.get("action"), "auth": e.get("auth") or "anonymous",
            "visitor": e.get("visitor"), "bot": bool(e.get("bot")), "query": e.get("query"),
            "filters": e.get("filters"), "results": e.get("results"),
        })
    return rows


def _clean(value: Any) -> Any:
    """Text PostgreSQL can store: no NUL and no other control character but
    tab and line breaks (an event carries what a visitor typed)."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _insert(lines: list[bytes] | list[str]) -> int:
    """Write serialised events, cleaned; an event that still cannot be written
    is set aside with its reason (dead_letters.py), never retried forever."""
    parsed: list[tuple[bytes | str, dict[str, Any]]] = []
    for line in lines:
        try:
            parsed.append((line, _clean(json.loads(line))))
        except ValueError as exc:
            dead_letters.set_aside("metrics", line, f"unreadable event: {exc}")
    return _insert_parsed(parsed)


def _insert_parsed(parsed: list[tuple[bytes | str, dict[str, Any]]]) -> int:
    """All at once; when that fails for what the events hold, halves until the
    events that cannot be stored are found. A lost database is not the
    events' fault: that error goes up and the batch is tried again later."""
    try:
        rows = _resolve([event for _line, event in parsed])
        if rows:
            model.Session.execute(insert(MetricEvent.__table__).values(rows).on_conflict_do_nothing(
                index_elements=["id"]))
        model.Session.commit()
        return len(rows)
    except (sa.exc.OperationalError, sa.exc.InterfaceError):
        model.Session.rollback()
        raise
    except (sa.exc.DBAPIError, sa.exc.StatementError, ValueError, TypeError, KeyError) as exc:
        model.Session.rollback()
        if len(parsed) == 1:
            log.warning("metrics: event set aside: %s", exc)
            dead_letters.set_aside("metrics", parsed[0][0], f"{type(exc).__name__}: {exc}")
            return 0
        half = len(parsed) // 2
        return _insert_parsed(parsed[:half]) + _insert_parsed(parsed[half:])


def drain(batch: int = 5000) -> int:
    """Move up to ``batch`` queued events into the database; returns how many were taken."""
    redis = connect_to_redis()
    items = redis.lrange(QUEUE, 0, batch - 1)
    if not items:
        return 0
    _insert(items)
    redis.ltrim(QUEUE, len(items), -1)
    return len(items)


def drain_spool() -> int:
    """Events that web processes wrote to disk while Redis was away."""
    taken = 0
    folder = spool_dir()
    if not folder.is_dir():
        return 0
    # *.ingesting: left by an ingester that stopped midway (ids make a rerun safe).
    for path in sorted(folder.glob("*.ingesting")) + sorted(folder.glob("*.jsonl")):
        claimed = path
        if path.suffix == ".jsonl":
            claimed = path.with_suffix(f".{os.getpid()}.ingesting")
            path.rename(claimed)  # writers open the file per write: new events go to a new file
            time.sleep(0.2)
        lines = [line for line in claimed.read_text(encoding="utf-8").splitlines() if line.strip()]
        _insert(lines)
        claimed.unlink()
        taken += len(lines)
    return taken


def drain_all() -> int:
    """Everything queued now (``ckan nakano metrics ingest``)."""
    total = drain_spool()
    while (n := drain()):
        total += n
    return total
