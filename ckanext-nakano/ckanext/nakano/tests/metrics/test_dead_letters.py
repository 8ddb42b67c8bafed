"""One event no database can store never stops the usage statistics: text is
cleaned, what still fails is found by halving the batch and set aside with
its reason, the rest is written and the queue moves on."""
from __future__ import annotations

import datetime
import json

import pytest

from ckan import model
from ckan.lib.redis import connect_to_redis

from ckanext.nakano import dead_letters
from ckanext.nakano.metrics import events, ingest
from ckanext.nakano.model import MetricEvent

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db")]

NOW = datetime.datetime(2026, 12, 5, 3, 0)


@pytest.fixture()
def queue():
    redis = connect_to_redis()
    redis.delete(events.QUEUE, ingest.LOCK, "nakano:dead-letters:metrics")
    yield redis
    redis.delete(events.QUEUE, ingest.LOCK, "nakano:dead-letters:metrics")


def _search(n: int, query: str) -> str:
    return json.dumps({"id": f"search-{n}", "ts": NOW.isoformat(), "kind": "search", "query": query,
                       "visitor": "v", "results": 0})


def test_a_nul_search_is_stored_cleaned_and_bad_events_are_set_aside(queue):
    lines = [_search(n, f"公園{n}") for n in range(200)]
    lines[17] = _search(17, "a\u0000b")                                   # what stopped the queue for an hour
    lines[42] = "{not json"
    lines[99] = json.dumps({"id": "bad-time", "ts": "yesterday", "kind": "search", "query": "x"})
    lines[150] = json.dumps({"id": "x" * 10, "ts": NOW.isoformat(), "kind": "search", "results": "many"})
    queue.rpush(events.QUEUE, *lines)
    ingest.drain_all()
    assert queue.llen(events.QUEUE) == 0
    stored = {e.id: e for e in model.Session.query(MetricEvent)}
    assert len(stored) == 197 and stored["search-17"].query == "ab"
    aside = dead_letters.items("metrics")
    assert len(aside) == 3 and dead_letters.counts()["metrics"] == 3
    reasons = " ".join(a["reason"] for a in aside)
    assert "unreadable" in reasons and ("yesterday" in reasons or "isoformat" in reasons)
    assert {a["item"] for a in aside} == {lines[42], lines[99], lines[150]}


def test_the_worker_pass_moves_on_after_a_bad_batch(queue):
    queue.rpush(events.QUEUE, json.dumps({"id": "bad", "ts": NOW.isoformat(), "kind": "view", "results": "x"}),
                _search(1, "区役所"))
    assert ingest.drain(5000) == 2   # taken off the queue: one written, one set aside
    assert queue.llen(events.QUEUE) == 0
    assert [e.id for e in model.Session.query(MetricEvent)] == ["search-1"]


def test_operators_see_what_was_set_aside(queue, app):
    from ckan.tests import factories, helpers
    import ckan.plugins.toolkit as tk

    queue.rpush(events.QUEUE, "{broken")
    ingest.drain_all()
    sysadmin, editor = factories.Sysadmin(), factories.User()
    status = helpers.call_action("nakano_queue_status", context={"user": sysadmin["name"]})
    metrics = next(q for q in status["queues"] if q["name"] == "metrics")
    assert metrics["dead_letters"] == 1 and metrics["latest"][0]["item"] == "{broken"
    assert {q["name"] for q in status["job_queues"]} == {"default", "nakano_low"}
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("nakano_queue_status", context={"user": editor["name"], "ignore_auth": False})
    token = helpers.call_action("api_token_create", context={"user": sysadmin["name"]}, user=sysadmin["name"],
                                name="t")["token"]
    page = app.get("/ckan-admin/queues", headers={"Authorization": token})
    assert page.status_code == 200 and "unreadable event" in page.body and "{broken" in page.body
    assert app.get("/ckan-admin/queues").status_code == 403
