"""Ingestion and rollups on the test services: day boundaries, idempotence,
bots apart, Redis unreachable → spool, nothing lost."""
from __future__ import annotations

import datetime
import json

import pytest

from ckan import model
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories

from ckanext.nakano.metrics import events, ingest, rollup
from ckanext.nakano.model import MetricDaily

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db")]


def _event(kind: str, ts: datetime.datetime, **fields) -> dict:
    return {"id": f"{kind}-{ts.isoformat()}-{fields.get('visitor')}-{fields.get('bot')}", "ts": ts.isoformat(),
            "kind": kind, **fields}


@pytest.fixture()
def queue():
    redis = connect_to_redis()
    redis.delete(events.QUEUE, ingest.LOCK)
    yield redis
    redis.delete(events.QUEUE, ingest.LOCK)


def _daily(day: datetime.date) -> dict[tuple[str, str, str], tuple[int, int, int]]:
    return {(r.kind, r.scope, r.subject): (r.count, r.visitors, r.bots)
            for r in model.Session.query(MetricDaily).filter_by(day=day)}


def test_days_are_tokyo_days_and_rollups_idempotent(queue):
    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by")
    # 2026-11-25 14:59 UTC = 23:59 JST on the 25th; 15:01 UTC = 00:01 JST on the 26th.
    late, early = datetime.datetime(2026, 11, 25, 14, 59), datetime.datetime(2026, 11, 25, 15, 1)
    events.record([_event("view", late, page="dataset", package=pkg["name"], visitor="v1"),
                   _event("view", early, page="dataset", package=pkg["id"], visitor="v1"),
                   _event("view", early, page="dataset", package=pkg["id"], visitor="v2"),
                   _event("view", early, page="dataset", package=pkg["id"], visitor="v3", bot=True),
                   _event("api", early, action="package_search", auth="token", visitor="v2")])
    assert ingest.drain_all() == 5
    assert queue.llen(events.QUEUE) == 0
    d25, d26 = datetime.date(2026, 11, 25), datetime.date(2026, 11, 26)
    rollup.rollup_day(d25)
    rollup.rollup_day(d26)
    first = (_daily(d25), _daily(d26))
    assert first[0][("view", "dataset", pkg["id"])] == (1, 1, 0)
    assert first[1][("view", "dataset", pkg["id"])] == (2, 2, 1)
    assert first[1][("view", "organization", org["id"])] == (2, 2, 1)
    assert first[1][("api", "action", "package_search")] == (1, 1, 0)
    rollup.rollup_day(d25)
    rollup.rollup_day(d26)
    assert (_daily(d25), _daily(d26)) == first
    # The same events queued again (an ingester that died before trimming) count once.
    events.record([_event("view", early, page="dataset", package=pkg["id"], visitor="v2")])
    ingest.drain_all()
    rollup.rollup_day(d26)
    assert _daily(d26) == first[1]


def test_unreachable_redis_spools_events_and_nothing_is_lost(queue, monkeypatch, tmp_path):
    import redis as redis_py

    pkg = factories.Dataset(owner_org=factories.Organization()["id"], category="その他", license_id="cc-by")
    monkeypatch.setattr(events, "spool_dir", lambda: tmp_path / "spool")
    monkeypatch.setattr(ingest, "spool_dir", lambda: tmp_path / "spool")
    dead = redis_py.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)   # nothing listens on port 1
    now = datetime.datetime.utcnow()
    with monkeypatch.context() as m:
        m.setattr(events, "redis_client", lambda: dead)
        events.record([_event("download", now, package=pkg["id"], visitor=str(i)) for i in range(7)])
    spooled = list((tmp_path / "spool").glob("*.jsonl"))
    assert len(spooled) == 1 and len(spooled[0].read_text().splitlines()) == 7
    assert json.loads(spooled[0].read_text().splitlines()[0])["kind"] == "download"
    assert ingest.drain_all() == 7
    assert not list((tmp_path / "spool").iterdir())
    totals = rollup.rollup_day(events.today())
    assert totals["download"]["count"] == 7


def test_visitor_key_is_a_daily_keyed_hash_without_the_address(queue):
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9",
               "HTTP_USER_AGENT": "Mozilla/5.0"}
    key = events.visitor_key(environ)
    assert key and "203.0.113.9" not in key and len(key) == 32
    assert events.visitor_key(dict(environ)) == key
    assert events.visitor_key({**environ, "HTTP_X_FORWARDED_FOR": "203.0.113.10"}) != key
    # An untrusted peer cannot choose its address with X-Forwarded-For.
    assert events.client_address({**environ, "REMOTE_ADDR": "192.0.2.1"}) == "192.0.2.1"
    assert events.visitor_key({**environ, "HTTP_SEC_GPC": "1"}) is None
    assert events.is_bot("Mozilla/5.0 (compatible; bingbot/2.0)") and not events.is_bot("ckanapi/4.8")
    assert events.normalise_query("  ＡＥＤ　設置 ") == "aed 設置"
