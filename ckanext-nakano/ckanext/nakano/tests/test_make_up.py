"""`make up` end to end: a second portal from nothing, on its own ports and folder
(the ``portal`` fixture of conftest.py), talked to over HTTP, run again, stopped."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[4]

pytestmark = pytest.mark.services
# The demo datasets by URL name (their ids are the portal's own, not the
# Tokyo catalog's that name the files: docs/interoperability.md).
DEMO_NAMES = {json.loads(f.read_text(encoding="utf-8"))["result"]["name"]
              for f in (ROOT / "ckanext-nakano" / "ckanext" / "nakano" / "demo" / "catalog").glob("*.json")}


def _demo_in_search(url: str) -> set[str]:
    """The demo datasets and 「ポータル利用統計」 as search finds them (other tests
    sharing this portal add and purge datasets of their own meanwhile)."""
    found = requests.get(url + "/api/3/action/package_search", params={"rows": 1000, "fl": "id,name"},
                         timeout=30).json()["result"]["results"]
    return {p["name"] for p in found if p["name"] in DEMO_NAMES | {"portal-usage-statistics"}}


def test_up_prints_url_and_credentials(portal):
    first = portal["first"]
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"is up: {portal['url']}" in first.stdout
    assert str(portal["local"] / "admin-password") in first.stdout
    assert (portal["local"] / "admin-api-token").read_text().strip()


def test_portal_answers_in_japanese_with_demo_catalog(portal):
    api = portal["url"] + "/api/3/action/"
    status = requests.get(api + "status_show", timeout=30).json()["result"]
    assert status["locale_default"] == "ja" and "nakano" in status["extensions"]
    assert len(DEMO_NAMES) == 46
    assert _demo_in_search(portal["url"]) == DEMO_NAMES | {"portal-usage-statistics"}
    found = requests.get(api + "package_search", params={"q": "予防接種"}, timeout=30).json()["result"]
    assert found["count"] == 4
    assert len(requests.get(api + "organization_list", timeout=30).json()["result"]) == 9
    page = requests.get(portal["url"] + "/dataset/", timeout=30)
    assert page.status_code == 200 and 'lang="ja"' in page.text


def test_harvest_processes_run_and_sources_are_declared(portal):
    status = subprocess.run([str(ROOT / "scripts" / "services.sh"), "status"], env=portal["env"],
                            capture_output=True, text=True, timeout=60).stdout
    assert "Harvest     up  (4 processes)" in status
    assert "Metrics     up" in status
    assert "created: 2" in (portal["local"] / "log" / "harvest-sync.log").read_text()   # Tokyo, demo folder


@pytest.mark.parametrize("name", ["worker", "harvest-fetch1", "ckan"])
def test_a_killed_process_is_started_again(portal, name):
    """supervisord runs the portal's processes (config/supervisord.conf): one killed
    as a crash would (SIGKILL) runs again under a new process id within seconds."""
    def pid() -> int | None:
        found = subprocess.run([str(ROOT / "scripts" / "services.sh"), "pid", name], env=portal["env"],
                               capture_output=True, text=True, timeout=60)
        return int(found.stdout) if found.returncode == 0 else None

    killed = pid()
    assert killed, f"{name} is not running"
    # gunicorn's workers of a killed master hold the listening socket until they notice, up to
    # 60 s later, and the new master cannot bind meanwhile (a CI run found the portal down for
    # good after supervisord's retries): they are asked to end with their master
    # (ckanext/nakano/process_life.py, gunicorn_config.py), within seconds.
    # So do RQ's scheduler process and a job's work horse with the job worker (process_life.py).
    orphans = [int(p) for p in subprocess.run(["pgrep", "-P", str(killed)], capture_output=True,
                                              text=True).stdout.split()] if name in ("ckan", "worker") else []
    assert orphans or name != "ckan", "gunicorn's master has no worker process"
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while pid() in (None, killed):
        assert time.monotonic() < deadline, f"{name} is not running again 60 s after SIGKILL"
        time.sleep(0.5)
    orphans_deadline = time.monotonic() + 10
    while any(_alive(orphan) for orphan in orphans):
        assert time.monotonic() < orphans_deadline, f"{name}'s old workers still run 10 s after their master"
        time.sleep(0.5)
    while name == "ckan" and not _answers(portal["url"]):
        assert time.monotonic() < deadline, "the web application does not answer 60 s after SIGKILL"
        time.sleep(0.5)


def _alive(process: int) -> bool:
    """Running: not gone, and not a zombie waiting for whoever adopted it to reap it."""
    try:
        state = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/api/3/action/status_show", timeout=10).ok
    except requests.RequestException:   # the new master not listening yet
        return False




def _demo_harvest(portal) -> dict:
    token = (portal["local"] / "admin-api-token").read_text().strip()
    report = requests.get(portal["url"] + "/api/3/action/nakano_harvest_report", params={"department": "kikaku"},
                          headers={"Authorization": token}, timeout=30).json()["result"]
    return next(s for d in report for s in d["sources"] if s["name"] == "demo-folder")


def test_the_demo_folder_is_harvested_and_reported(portal):
    demo = _demo_harvest(portal)
    assert demo["outcome"]["code"] == "finished" and demo["counts"]["added"] == 2
    found = requests.get(portal["url"] + "/api/3/action/package_search", params={"q": "【デモ】 救護所"},
                         timeout=30).json()["result"]
    assert found["count"] == 1 and found["results"][0]["license_id"] == "PDL-1.0"


def test_admin_token_works(portal):
    token = (portal["local"] / "admin-api-token").read_text().strip()
    me = requests.get(portal["url"] + "/api/3/action/user_show", params={"id": "admin"},
                      headers={"Authorization": token}, timeout=30).json()["result"]
    assert me["sysadmin"] is True


def _works(portal, token: str) -> bool:
    """Whether ``token`` is a live API token (an unknown token reads as anonymous)."""
    return requests.get(portal["url"] + "/api/3/action/api_token_list", params={"user": "default"},
                        headers={"Authorization": token}, timeout=30).status_code == 200
