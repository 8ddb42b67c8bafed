"""The background-job worker killed in the middle of a DataStore load: the job is
run again by the next worker, or ends as failed with the resource saying so —
never "running" for good (background/recovery.py, run by the upkeep process)."""
from __future__ import annotations

import io
import os
import signal
import time

import pytest
import requests

pytestmark = pytest.mark.services

ROWS = 1_000_000   # about 25 MB: xloader takes several seconds over it


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    return [int(p) for p in open(path).read().split()] if os.path.exists(path) else []


def test_worker_killed_during_a_datastore_load(site, dataset):
    # A CSV large enough for xloader to take a while.
    body = io.StringIO()
    body.write("番号,名称,値\n")
    for number in range(ROWS):
        body.write(f"{number},施設{number},{number * 7 % 1000}\n")
    answer = requests.post(f"{site.url}/api/3/action/resource_create", headers={"Authorization": site.token},
                           data={"package_id": dataset["id"], "name": "大きい表", "format": "CSV"},
                           files={"upload": ("big.csv", body.getvalue().encode("utf-8"))}, timeout=300).json()
    assert answer["success"], answer
    resource = answer["result"]

    def status() -> str:
        found = site.api("xloader_status", site.token, method="get", resource_id=resource["id"]).json()
        return found["result"]["status"] if found["success"] else "none"

    deadline = time.monotonic() + 300
    while status() != "running":
        assert time.monotonic() < deadline, f"the load did not start: {status()}"
        time.sleep(0.5)
    killed_job = site.call("xloader_status", resource_id=resource["id"])["job_id"]
    worker = site.pid("worker")
    # The worker and the process running the job (RQ forks one per job).
    for pid in _children(worker) + [worker]:
        os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    time.sleep(5)
    assert status() == "running", "the load ended before the kill: nothing was tested"
    assert _rq_status(site, killed_job) == "started"
    site.services("start", "worker")

    # RQ sees the job abandoned 90 s after the last heartbeat; the upkeep passes every minute.
    deadline = time.monotonic() + 600
    while status() not in ("complete", "error"):
        assert time.monotonic() < deadline, f"the load is still {status()} 10 min after the kill"
        time.sleep(2)
    final = status()
    print(f"xloader after the worker was killed: {final} after {time.monotonic() - killed:.0f} s")
    # The killed job must not stay "started" in RQ: upkeep's recovery fails it and submits
    # the load afresh (xloader keeps a row per job id, so the same job cannot run
    # twice); xloader also submits a new load itself when the resource changes while
    # its task says "running" (the validation job records the encoding).
    deadline = time.monotonic() + 600
    while _rq_status(site, killed_job) not in ("finished", "failed", "gone"):   # gone: result kept no longer
        assert time.monotonic() < deadline, f"the killed job is still {_rq_status(site, killed_job)}"
        time.sleep(5)
    print(f"the killed job was {_rq_status(site, killed_job)} {time.monotonic() - killed:.0f} s after the kill")
    while status() not in ("complete", "error"):   # a retried load runs to its end
        assert time.monotonic() < deadline, f"the load is {status()}"
        time.sleep(2)
    # Killed once: the new load runs to its end (an error here would be the recovery's).
    assert status() == "complete", site.call("xloader_status", resource_id=resource["id"])
    assert site.call("datastore_search", resource_id=resource["id"], limit=0)["total"] == ROWS


def _rq_status(site, job_id: str) -> str:
    """The job's status as RQ keeps it in Redis."""
    import redis

    value = redis.Redis.from_url(site.setting("ckan.redis.url")).hget(f"rq:job:{job_id}", "status")
    return value.decode() if value else "gone"
