"""The backup drill (`make backup`, then `make restore` onto a second, empty set of
services on other ports, as on a new machine, and compare): over a minute, so
in the fault-and-load suite. `make test` keeps the refusal of an incomplete
backup (ckanext-nakano's test_backup.py)."""
from __future__ import annotations

import json
import subprocess
from urllib.parse import urlsplit

import requests

from ckanext.nakano.tests.conftest import ROOT, portal  # noqa: F401  (fixture)
from ckanext.nakano.tests.test_backup import _catalog, _run, _sha, fresh  # noqa: F401  (fixture)


def test_backup_restore_drill(portal, fresh, tmp_path):
    source = portal["url"]
    token = {"Authorization": (portal["local"] / "admin-api-token").read_text().strip()}
    # Some use to back up: a page view, rolled up into the daily figures.
    assert requests.get(source + "/dataset/", params={"q": "公園"}, timeout=60).status_code == 200
    rollup = subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(portal["local"] / "ckan.ini"), "nakano",
                             "metrics", "rollup"], env=portal["env"], capture_output=True, text=True, timeout=300)
    assert rollup.returncode == 0, rollup.stderr
    made = _run("backup.sh", dict(portal["env"], BACKUP_DIR=str(tmp_path)))
    assert made.returncode == 0, made.stdout + made.stderr
    (folder,) = tmp_path.iterdir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["catalog"]["public_datasets"] >= 10 and manifest["catalog"]["resources"] > 0
    assert {"harvest_source", "harvest_object", "nakano_harvest_file", "nakano_validation"} <= set(manifest["tables"])
    assert manifest["tables"]["nakano_metric_daily"] > 0 and manifest["tables"]["nakano_metric_event"] > 0
    assert any(name.startswith("resources/") for name in manifest["files"])
    assert oct((folder / "ckan.ini").stat().st_mode)[-3:] == "600"   # it holds the secrets

    # The source's search index as the scheduler's periodic check keeps it: the drill
    # compares catalogs through search, and checks the backup, not the other tests.
    fixed = subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(portal["local"] / "ckan.ini"), "nakano",
                            "search-index", "verify", "--fix"], env=portal["env"], capture_output=True, text=True,
                           timeout=300)
    assert fixed.returncode == 0, fixed.stderr
    before = _catalog(source, token)
    restored = _run("restore.sh", fresh, str(folder))
    assert restored.returncode == 0, restored.stdout[-3000:] + restored.stderr[-3000:]
    # restore.sh compared databases and files with manifest.json; compare again through CKAN.
    target = f"http://127.0.0.1:{fresh['NAKANO_CKAN_PORT']}"
    after = _catalog(target, token)   # the source's API token: the secrets came along
    assert set(after) == set(before) and len(after) == manifest["catalog"]["public_datasets"] + \
        manifest["catalog"]["private_datasets"]
    for name, pkg in before.items():
        assert [r["id"] for r in after[name]["resources"]] == [r["id"] for r in pkg["resources"]], name
    uploads = [r for p in before.values() for r in p["resources"] if r.get("url_type") == "upload"]
    assert uploads
    for res in uploads:
        path = urlsplit(res["url"]).path
        assert _sha(target + path, token) == _sha(source + path, token), res["url"]   # private ones too
    # Search answers from the rebuilt index, in Japanese.
    assert requests.get(target + "/api/3/action/package_search", params={"q": "公園"}, timeout=60) \
        .json()["result"]["count"] == requests.get(source + "/api/3/action/package_search", params={"q": "公園"},
                                                   timeout=60).json()["result"]["count"] > 0
    # Metrics: the restored portal reports the backed-up rollups.
    assert requests.get(target + "/api/3/action/nakano_metrics_site", timeout=60).json()["success"]
