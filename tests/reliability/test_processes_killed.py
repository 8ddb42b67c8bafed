"""kill -9 each of the portal's own processes in turn, as a crash or the kernel's
out-of-memory killer would: supervisord (config/supervisord.conf) has it
running again within seconds, and the work it was part of goes through — a
page view still reaches the usage statistics, an uploaded file is still
validated and loaded, a harvest still finishes (docs/reliability.md)."""
from __future__ import annotations

import time

import pytest
import redis
import requests

from conftest import harvest_job, harvested_titles, wait_job

pytestmark = pytest.mark.services

PROCESSES = ("ckan", "worker", "harvest-gather", "harvest-fetch1", "harvest-fetch2", "harvest-scheduler",
             "metrics", "upkeep")
BACK_WITHIN = 20   # seconds: supervisord's start (startsecs 2) and, for the web, the first answer
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"}


def _running_pid(site, name: str) -> int | None:
    found = site.services_try("pid", name)
    return int(found.stdout.strip()) if found.returncode == 0 else None


def _back(site, name: str, killed: int) -> float:
    """Seconds until supervisord runs ``name`` again under a new process id, and
    counts it as started (RUNNING: it has stayed up for its startsecs)."""
    started = time.monotonic()
    program = name.replace("harvest-", "harvest:")
    while time.monotonic() - started < BACK_WITHIN:
        pid = _running_pid(site, name)
        if pid and pid != killed and "RUNNING" in site.services_try("ctl", "status", program).stdout:
            # The web: the new master's workers answer (the killed master's
            # workers answer for a moment too, until they see it gone).
            if name != "ckan" or requests.get(f"{site.url}/api/3/action/status_show", timeout=5).ok:
                return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{name} is not running again {BACK_WITHIN} s after kill -9: "
                         + site.services("status").stdout)


def test_every_process_killed_in_turn_is_back_and_nothing_is_lost(site, dataset, folder_source):
    times = {}
    for name in PROCESSES:
        killed = site.pid(name)
        site.kill(name)
        times[name] = _back(site, name, killed)
    print("back after kill -9:", {name: f"{seconds:.1f} s" for name, seconds in times.items()})
    status = site.services("status").stdout
    for line in ("CKAN        up", "Worker      up", "Harvest     up  (4 processes)", "Metrics     up", "Upkeep      up"):
        assert line in status, status

    # The web process: what was there is there.
    assert site.call("package_show", id=dataset["id"])["title"] == dataset["title"]

    # The metrics ingester: page views reach the statistics.
    client = redis.Redis.from_url(site.setting("ckan.redis.url"))
    for _ in range(3):
        assert requests.get(f"{site.front}/dataset/{dataset['name']}", headers=BROWSER, timeout=60).ok
    deadline = time.monotonic() + 60
    while client.llen("nakano:metrics:events") and time.monotonic() < deadline:
        time.sleep(1)
    views = [e for e in site.call("nakano_metrics_events", kind="view", limit=10000)
             if e["package_id"] == dataset["id"]]
    assert len(views) >= 3

    # The job worker: an upload is validated and loaded into the DataStore.
    answer = requests.post(f"{site.url}/api/3/action/resource_create", headers={"Authorization": site.token},
                           data={"package_id": dataset["id"], "name": "施設一覧", "format": "CSV"},
                           files={"upload": ("list.csv", "番号,名称\n1,中野区役所\n2,中野駅\n".encode())},
                           timeout=120).json()
    assert answer["success"], answer
    resource_id = answer["result"]["id"]
    deadline = time.monotonic() + 300
    while site.api("xloader_status", site.token, method="get", resource_id=resource_id).json() \
            .get("result", {}).get("status") != "complete":
        assert time.monotonic() < deadline, "the upload was not loaded 5 minutes after the kills"
        time.sleep(2)
    assert site.call("datastore_search", resource_id=resource_id, limit=0)["total"] == 2

    # Gather, fetch and the scheduler: a harvest runs to its end.
    source = folder_source(2)
    job = wait_job(site, harvest_job(site, source))
    assert job["stats"].get("errored", 0) == 0, job["stats"]
    assert len(harvested_titles(site, source)) == 2
