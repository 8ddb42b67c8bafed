"""Redis restarted, and killed, while visitors' page views are being recorded.

The bound (docs/reliability.md): a restart loses no event (web processes
spool events to disk while Redis is away; Redis saves on shutdown); a crash
loses at most the events of the last second before it that the metrics
worker had not yet moved to PostgreSQL (Redis writes its append-only file
every second). Pages keep answering throughout, and the portal's background
processes carry on after Redis is back.
"""
from __future__ import annotations

import threading
import time

import pytest
import requests

pytestmark = pytest.mark.services

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"}


def _views(site, package_id: str) -> int:
    site.ckan("nakano", "metrics", "ingest")
    events = site.call("nakano_metrics_events", kind="view", limit=10000)
    return sum(1 for e in events if e["package_id"] == package_id and not e["bot"])


def _visit(site, name: str, fault) -> tuple[list[float], list[int], float]:
    """Views of the dataset page, one after another, while ``fault`` runs; returns the
    times of the answered views, every status, and when the fault struck."""
    answered: list[float] = []
    statuses: list[int] = []
    stop = threading.Event()

    def visitor() -> None:
        while not stop.is_set():
            status = requests.get(f"{site.url}/dataset/{name}", headers=BROWSER, timeout=60).status_code
            statuses.append(status)
            if status == 200:
                answered.append(time.monotonic())

    thread = threading.Thread(target=visitor)
    thread.start()
    try:
        time.sleep(3)
        struck = time.monotonic()
        fault()
        time.sleep(5)
    finally:
        stop.set()
        thread.join(timeout=120)
        site.services("start", "redis")
    return answered, statuses, struck


def _alive(site) -> None:
    status = site.services("status").stdout
    for line in ("Worker", "Metrics"):
        assert any(row.startswith(line) and " up" in row for row in status.splitlines()), status
    assert "down" not in next(row for row in status.splitlines() if row.startswith("Harvest")), status


def test_redis_restart_loses_no_page_view(site, dataset):
    before = _views(site, dataset["id"])

    def restart() -> None:
        site.services("stop", "redis")
        time.sleep(3)
        site.services("start", "redis")

    answered, statuses, _ = _visit(site, dataset["name"], restart)
    assert set(statuses) == {200}, sorted(set(statuses))
    time.sleep(3)   # the metrics worker's next pass takes the spooled events
    assert _views(site, dataset["id"]) - before == len(answered)
    _alive(site)


def test_redis_crash_loses_at_most_the_last_second(site, dataset):
    before = _views(site, dataset["id"])

    def crash() -> None:
        site.kill("redis")
        time.sleep(2)
        site.services("start", "redis")

    answered, statuses, struck = _visit(site, dataset["name"], crash)
    assert set(statuses) == {200}, sorted(set(statuses))
    time.sleep(3)
    lost = len(answered) - (_views(site, dataset["id"]) - before)
    last_second = sum(1 for t in answered if struck - 1.0 <= t <= struck)
    print(f"Redis crash: {len(answered)} views answered, {lost} lost, {last_second} in the last second")
    assert 0 <= lost <= last_second
    _alive(site)
