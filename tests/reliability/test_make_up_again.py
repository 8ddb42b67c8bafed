"""`make up` run again on a running portal, and supervisord killed under it:
slow (a minute or more each), so in the fault-and-load suite rather than
`make test` (whose tests of `make up` are in ckanext-nakano's test_make_up.py)."""
from __future__ import annotations

import os
import signal
import subprocess

import requests

from ckanext.nakano.tests.conftest import ROOT, portal  # noqa: F401  (fixture)
from ckanext.nakano.tests.test_make_up import DEMO_NAMES, _demo_harvest, _demo_in_search, _works


def test_programs_outliving_a_killed_supervisord_are_taken_over(portal):
    """supervisord itself killed: its programs run on alone. The next start of any
    of them stops them all and starts each again under a new supervisord — one
    process each, none left behind."""
    services = [str(ROOT / "scripts" / "services.sh")]
    supervisord = int((portal["local"] / "run" / "supervisord.pid").read_text())
    os.kill(supervisord, signal.SIGKILL)
    ini = str(portal["local"] / "ckan.ini")
    before = subprocess.run(["pgrep", "-f", "--", f"-c {ini} nakano upkeep"], capture_output=True, text=True).stdout.split()
    assert len(before) == 1   # running on without its supervisor
    started = subprocess.run(services + ["start", "metrics"], env=portal["env"], capture_output=True, text=True,
                             timeout=600)
    assert started.returncode == 0, started.stdout + started.stderr
    status = subprocess.run(services + ["status"], env=portal["env"], capture_output=True, text=True,
                            timeout=60).stdout
    for line in ("CKAN        up", "Worker      up", "Harvest     up  (4 processes)", "Metrics     up", "Upkeep      up"):
        assert line in status, status
    after = subprocess.run(["pgrep", "-f", "--", f"-c {ini} nakano upkeep"], capture_output=True, text=True).stdout.split()
    assert len(after) == 1 and after != before
    assert int((portal["local"] / "run" / "supervisord.pid").read_text()) != supervisord


def test_second_run_keeps_data_and_credentials(portal):
    password = (portal["local"] / "admin-password").read_text()
    token = (portal["local"] / "admin-api-token").read_text()
    # A portal from before the worker token was replaced (editors could read it).
    worker = (portal["local"] / "worker-api-token").read_text().strip()
    assert _works(portal, worker)
    (portal["local"] / "worker-api-token.generation").unlink()
    second = portal["up"]()
    assert second.returncode == 0, second.stdout + second.stderr
    replaced = (portal["local"] / "worker-api-token").read_text().strip()
    assert replaced != worker and _works(portal, replaced) and not _works(portal, worker)
    assert f"ckanext.xloader.api_token={replaced}" in (portal["local"] / "ckan.ini").read_text()
    assert "reusing the server" in second.stdout and "reloading gunicorn" in second.stdout
    assert "already present: 46" in (portal["local"] / "log" / "demo.log").read_text()
    assert (portal["local"] / "admin-password").read_text() == password
    assert (portal["local"] / "admin-api-token").read_text() == token
    assert _demo_in_search(portal["url"]) == DEMO_NAMES | {"portal-usage-statistics"}
    # The demo folder again: nothing changed, nothing published twice.
    demo = _demo_harvest(portal)
    assert demo["counts"]["not modified"] == 2 and demo["counts"]["added"] == 0


def test_changed_solr_configuration_reloads_cores_and_reindexes(portal):
    # As if solr/conf had changed since the cores were loaded.
    (portal["local"] / "solr" / "conf.sha256").write_text("an older configuration\n")
    worker = (portal["local"] / "worker-api-token").read_text()
    again = portal["up"]()
    assert again.returncode == 0, again.stdout + again.stderr
    assert (portal["local"] / "worker-api-token").read_text() == worker   # replaced once, not every run
    assert "Solr: reloading core ckan (configuration changed)" in again.stdout
    assert "Search index: rebuilding" in again.stdout
    assert not (portal["local"] / "solr" / "reindex-needed").exists()
    found = requests.get(portal["url"] + "/api/3/action/package_search",
                         params={"q": "予防接種"}, timeout=30).json()["result"]
    assert found["count"] == 4
