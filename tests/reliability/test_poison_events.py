"""One event no database can store, among visitors' page views: the metrics
worker keeps writing the others, sets the bad one aside with its reason,
`make status` counts it, and `make backup` still works.

The fault as it happened (issue 15): a search for a NUL character made an
event PostgreSQL refused, the worker retried that batch for an hour and the
usage statistics (and backups, which ingest first) stood still. Such a
request is now refused at the door (input_guard.py); the events here are
put on the queue as a web process with a bug would, to check the worker's
own resistance.
"""
from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest
import redis
import requests

from ckanext.nakano.tests.conftest import ROOT

pytestmark = pytest.mark.services

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"}
QUEUE = "nakano:metrics:events"


def test_a_poison_event_is_set_aside_and_the_queue_moves_on(site, dataset):
    client = redis.Redis.from_url(site.setting("ckan.redis.url"))
    client.delete("nakano:dead-letters:metrics")
    now = time.strftime("%Y-%m-%dT%H:%M:%S")
    poison = [json.dumps({"id": f"poison-{uuid.uuid4().hex}", "ts": now, "kind": "search", "query": "x",
                          "results": "not a number"}),
              "{half an event"]
    client.rpush(QUEUE, *poison)
    for _ in range(30):
        assert requests.get(f"{site.front}/dataset/{dataset['name']}", headers=BROWSER, timeout=60).status_code == 200
    # The running metrics worker (not a test's own ingest) must drain the queue.
    deadline = time.monotonic() + 60
    while client.llen(QUEUE) and time.monotonic() < deadline:
        time.sleep(1)
    assert client.llen(QUEUE) == 0, "the metrics worker stopped at the bad events"
    views = [e for e in site.call("nakano_metrics_events", kind="view", limit=10000)
             if e["package_id"] == dataset["id"]]
    assert len(views) == 30
    assert client.llen("nakano:dead-letters:metrics") == 2
    status = site.services("status").stdout
    assert "Set aside   2  (metrics 2" in status, status
    backup = subprocess.run([str(ROOT / "scripts" / "backup.sh")], env=site.env, capture_output=True, text=True,
                            timeout=900)
    assert backup.returncode == 0, backup.stdout[-2000:] + backup.stderr[-2000:]
    assert "metrics ingest failed" not in backup.stdout + backup.stderr
