"""DataStore reads on a PostgreSQL streaming replica, measured (docs/scaling.md).

On the portal of ``make up``: a standby of its PostgreSQL cluster is made
with ``pg_basebackup -R`` (streaming replication) on a free port, and a
second gunicorn serves the same portal with ``ckan.datastore.read_url`` on
the standby (writes still go to the primary). Then:

- a demo table read through both servers gives the same rows;
- ``datastore_search`` latency, primary vs replica (400 calls each, interleaved,
  both through a fresh one-worker gunicorn);
- rows written with ``datastore_create`` through the replica-reading server
  are visible to its own reads after the measured replication delay.

The primary gets a ``replication`` line in pg_hba.conf and a replication
role for the run; both are removed afterwards, and the standby is deleted.

Run through ``bench/run.sh scale`` (after run.py) or alone with the portal up.
"""
from __future__ import annotations

import configparser
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from run import LOCAL, free_port, gunicorn, pct, save  # noqa: E402

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
PG_PORT = os.environ.get("NAKANO_PG_PORT", "5432")
REPLICATOR = "nakano_bench_replicator"
HBA_LINE = f"host replication {REPLICATOR} 127.0.0.1/32 scram-sha-256  # bench/scale/replica.py"


def as_pg(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    command = list(args)
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=True, **kwargs)


def pgdata() -> Path:
    """Where scripts/lib.sh keeps the cluster (resolve_pgdata)."""
    if os.getuid() == 0 and subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(LOCAL)]).returncode:
        import hashlib

        return Path("/var/lib/postgresql/nakano") / hashlib.sha1(str(LOCAL).encode()).hexdigest()[:12] / "pgdata"
    return LOCAL / "pgdata"


def superuser_sql(sql: str) -> str:
    password = (LOCAL / "pg-superuser-password").read_text().strip()
    return as_pg(str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", PG_PORT, "-U", "postgres", "-d", "postgres",
                 "-tAc", sql, env={**os.environ, "PGPASSWORD": password}).stdout.strip()


def search(url: str, resource: str, **params: Any) -> dict[str, Any]:
    answer = requests.get(f"{url}/api/3/action/datastore_search", params={"resource_id": resource, **params},
                          timeout=60).json()
    assert answer["success"], answer
    return answer["result"]


def main() -> dict[str, Any]:
    portal_ini = LOCAL / "ckan.ini"
    parser = configparser.RawConfigParser(strict=False)
    parser.read(portal_ini)
    read_url = parser.get("app:main", "ckan.datastore.read_url")
    token = (LOCAL / "admin-api-token").read_text().strip()

    data = pgdata()
    hba = data / "pg_hba.conf"
    work = Path("/var/lib/postgresql/nakano-bench-standby") if os.getuid() == 0 else LOCAL / "bench" / "standby"
    standby_port = str(free_port())
    password = secrets.token_urlsafe(16)
    original_hba = as_pg("cat", str(hba)).stdout
    report: dict[str, Any] = {}
    proc = primary_proc = None
    try:
        superuser_sql(f"DROP ROLE IF EXISTS {REPLICATOR}")
        superuser_sql(f"CREATE ROLE {REPLICATOR} WITH REPLICATION LOGIN PASSWORD '{password}'")
        as_pg("sh", "-c", f"printf '%s\\n' '{HBA_LINE}' >> '{hba}'")
        superuser_sql("SELECT pg_reload_conf()")
        if work.exists():
            as_pg("rm", "-rf", str(work))
        started = time.perf_counter()
        as_pg(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", PG_PORT, "-U", REPLICATOR, "-D", str(work),
              "-R", "-X", "stream", "-c", "fast", env={**os.environ, "PGPASSWORD": password})
        report["base_backup_seconds"] = round(time.perf_counter() - started, 1)
        as_pg(str(PG_BIN / "pg_ctl"), "start", "-D", str(work), "-l", str(work / "standby.log"), "-w", "-t", "60",
              "-o", f"-p {standby_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
                    f"-c hot_standby=on")
        in_recovery = superuser_sql("SELECT pid FROM pg_stat_replication LIMIT 1")
        assert in_recovery, "the standby is not streaming from the primary"

        # The portal again, reading the DataStore from the standby.
        replica_ini = LOCAL / "bench" / "replica.ini"
        replica_ini.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(portal_ini, replica_ini)
        replica_read = read_url.replace(f"@127.0.0.1:{PG_PORT}/", f"@127.0.0.1:{standby_port}/")
        assert replica_read != read_url, read_url
        subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "config-tool", str(replica_ini),
                        f"ckan.datastore.read_url = {replica_read}"], check=True, capture_output=True)
        proc, replica_url = gunicorn(replica_ini, 1, "replica")
        # The same server on the portal's own ini, started the same way: a fair comparison.
        primary_proc, primary_url = gunicorn(portal_ini, 1, "primary")

        found = requests.get(primary_url + "/api/3/action/package_search",
                             params={"fq": "res_format:CSV", "rows": 50}, timeout=60).json()["result"]["results"]
        tables = [r["id"] for p in found for r in p["resources"] if r.get("datastore_active")]
        resource = max(tables, key=lambda r: search(primary_url, r, limit=0)["total"])   # the largest table
        on_primary, on_replica = search(primary_url, resource, limit=5), search(replica_url, resource, limit=5)
        report["same_rows"] = (on_primary["total"], on_primary["records"]) == (on_replica["total"],
                                                                              on_replica["records"])
        report["rows"] = on_primary["total"]
        times: dict[str, list[float]] = {"primary": [], "replica": []}
        for n in range(400):   # interleaved: both see the same machine state
            for name, url in (("primary", primary_url), ("replica", replica_url)):
                start = time.perf_counter()
                search(url, resource, limit=20, offset=(n * 20) % max(1, on_primary["total"]))
                times[name].append(time.perf_counter() - start)
        for name, values in times.items():
            report[f"{name}_datastore_search_ms"] = {"median": round(1000 * statistics.median(values), 2),
                                                     "p95": round(1000 * pct(values, 0.95), 2)}

        # A write through the replica-reading server goes to the primary; its reads see it once replayed.
        pkg = requests.post(primary_url + "/api/3/action/package_search", json={"rows": 1}, timeout=60) \
            .json()["result"]["results"][0]
        delays = []
        for attempt in range(5):
            made = requests.post(replica_url + "/api/3/action/datastore_create", headers={"Authorization": token},
                                 json={"resource": {"package_id": pkg["id"], "name": f"replica-bench-{attempt}"},
                                       "fields": [{"id": "n", "type": "int"}],
                                       "records": [{"n": i} for i in range(100)], "force": True},
                                 timeout=120).json()
            assert made["success"], made
            written = time.perf_counter()
            new = made["result"]["resource_id"]
            while True:
                answer = requests.get(replica_url + "/api/3/action/datastore_search",
                                      params={"resource_id": new, "limit": 0}, timeout=60).json()
                if answer["success"] and answer["result"]["total"] == 100:
                    delays.append(time.perf_counter() - written)
                    break
                assert time.perf_counter() - written < 30, answer
                time.sleep(0.005)
            requests.post(primary_url + "/api/3/action/resource_delete", headers={"Authorization": token},
                          json={"id": new}, timeout=60)
        report["write_visible_on_replica_ms"] = [round(1000 * d, 1) for d in delays]
        return report
    finally:
        for server in (proc, primary_proc):
            if server is not None:
                server.terminate()
                server.wait(timeout=60)
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "stop", "-D", str(work), "-m",
                        "fast"] if os.getuid() == 0 else [str(PG_BIN / "pg_ctl"), "stop", "-D", str(work)],
                       capture_output=True)
        as_pg("sh", "-c", f"cat > '{hba}'", input=original_hba)
        superuser_sql("SELECT pg_reload_conf()")
        superuser_sql(f"DROP ROLE IF EXISTS {REPLICATOR}")
        if work.exists():
            as_pg("rm", "-rf", str(work))


if __name__ == "__main__":
    save("replica", main())
