"""Load while the workers are busy: wrk against the search page (a Japanese
query) and dataset pages through nginx, for 2 minutes at 50 connections, while
a harvest of municipal CSV files runs (each file also queues its validation
and DataStore load on the job worker). Zero 5xx and zero socket errors;
latency and throughput are recorded in .local/…/reliability/load.json and
summarised in docs/reliability.md."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import harvest_job, wait_job

pytestmark = pytest.mark.services
HERE = Path(__file__).resolve().parent
SECONDS = int(os.environ.get("NAKANO_LOAD_SECONDS", "120"))
CONNECTIONS = 50


def _percentile(histogram: list[list[int]], p: float) -> int:
    """The p-th percentile of wrk's latency histogram ([value, count], ascending)."""
    total = sum(count for _, count in histogram)
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= total * p / 100:
            return value
    return histogram[-1][0]


def test_pages_under_load_while_harvesting(site, folder_source):
    names = sorted(n for n in site.call("package_list", token=None) if n.startswith("t131148"))[:5]
    paths = ["/dataset/?q=" + quote("公園")] + [f"/dataset/{name}" for name in names] + \
            ["/dataset/?q=" + quote("避難所")]
    source = folder_source(150)
    job = harvest_job(site, source)
    deadline = time.monotonic() + 120
    while not site.call("harvest_job_show", id=job)["stats"].get("added"):
        assert time.monotonic() < deadline, "the harvest did not start"
        time.sleep(1)
    before = site.call("harvest_job_show", id=job)["stats"].get("added", 0)

    run = subprocess.run(["wrk", "-t", "4", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--timeout", "60s",
                          "-H", "User-Agent: nakano-reliability (wrk; monitor)", "-s", str(HERE / "mixed.lua"),
                          site.front, "--", *paths], capture_output=True, text=True, timeout=SECONDS + 120)
    assert run.returncode == 0, run.stderr
    result = json.loads(next(line for line in run.stdout.splitlines() if line.startswith("WRK_RESULT "))[11:])
    histogram = result.pop("histogram_us")
    result.update({f"p{p}_us": _percentile(histogram, p) for p in (50, 90, 99)}, max_us=histogram[-1][0])
    during = site.call("harvest_job_show", id=job)["stats"].get("added", 0) - before
    finished = wait_job(site, job, timeout=900)
    result.update(connections=CONNECTIONS, seconds=SECONDS, paths=paths, harvested_during_load=during,
                  harvest=finished["stats"], requests_per_second=round(result["requests"] * 1e6 /
                                                                       result["duration_us"], 1))
    out = site.local.parent / "reliability"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print("load while harvesting:", json.dumps(result, ensure_ascii=False))

    statuses = {int(k): v for k, v in result["statuses"].items()}
    assert not [s for s in statuses if s >= 500], statuses
    assert set(statuses) <= {200}, statuses
    assert sum(result["errors"].values()) == 0, result["errors"]
    assert during > 0, "the workers were not harvesting during the load"
    assert finished["stats"].get("errored", 0) == 0
