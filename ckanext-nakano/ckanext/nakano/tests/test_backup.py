"""Backup and restore: what `make restore` refuses. The drill itself (back up the
running portal, restore onto a fresh set of services — another PostgreSQL
cluster, Redis, Solr and CKAN on other ports, as on a new machine — and
compare) is slow: tests/reliability/test_backup_drill.py, `make test-reliability`."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import uuid

import pytest
import requests

from ckanext.nakano.tests.conftest import ROOT, free_port

pytestmark = pytest.mark.services


def _run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / "scripts" / script), *args], env=env, capture_output=True, text=True,
                          timeout=900)


def _catalog(url: str, headers: dict[str, str] | None = None) -> dict[str, dict]:
    found = requests.get(url + "/api/3/action/package_search", params={"rows": 1000, "include_private": "true"},
                         headers=headers or {}, timeout=60).json()["result"]
    return {p["name"]: p for p in found["results"]}


def _sha(url: str, headers: dict[str, str]) -> str:
    answer = requests.get(url, headers=headers, timeout=60)
    assert answer.status_code == 200, url
    return hashlib.sha256(answer.content).hexdigest()


@pytest.fixture()
def fresh(portal):
    """Environment of a second, empty set of services; stopped and removed afterwards."""
    local = ROOT / ".local" / f"restore-{uuid.uuid4().hex[:8]}"
    env = dict(portal["env"], NAKANO_LOCAL=str(local),
               **{f"NAKANO_{name.upper()}_PORT": str(free_port()) for name in ("pg", "redis", "solr", "ckan", "nginx")})
    yield env
    subprocess.run([str(ROOT / "scripts" / "services.sh"), "stop"], env=env, capture_output=True, timeout=180)
    shutil.rmtree(local, ignore_errors=True)




def test_restore_refuses_an_incomplete_backup_and_touches_nothing(fresh, tmp_path):
    (tmp_path / "ckan.dump").write_bytes(b"")
    done = _run("restore.sh", fresh, str(tmp_path))
    assert done.returncode != 0 and "datastore.dump is missing" in done.stderr
    assert not (ROOT / fresh["NAKANO_LOCAL"] / "ckan.ini").exists()
