"""Uploads on S3-compatible object storage vs the local storage path (docs/scaling.md).

On the portal of ``make up`` and the S3 server of ``scripts/services.sh start
s3`` (S3Proxy, filesystem backend, same machine): two one-worker gunicorns of
the portal, one on its own ini (uploads in ``ckan.storage_path``), one with
``ckan.files.storage.resources`` on a new bucket. Interleaved, through each:
real municipal CSVs uploaded with ``resource_create``, then downloaded
through CKAN's download URL. Same bytes checked; latency and the S3/local
ratio reported. The bench dataset and bucket are removed afterwards.

Run through ``bench/run.sh scale`` (after run.py) or alone with the portal up.
"""
from __future__ import annotations

import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from run import LOCAL, gunicorn, pct, save  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "municipal-csv" / "yaizu-222127"
ROUNDS = 60


def lib(name: str) -> str:
    return subprocess.run(["bash", "-c", f'source "{ROOT}/scripts/lib.sh" >/dev/null; echo "${name}"'],
                          capture_output=True, text=True, check=True).stdout.strip()


def summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(1000 * statistics.median(values), 1), "p95_ms": round(1000 * pct(values, 0.95), 1)}


def s3_ini(name: str) -> tuple[Path, str, Any]:
    """A copy of the portal's ini with uploads on a new bucket of the local S3 server:
    (ini, bucket, boto3 client)."""
    subprocess.run([str(ROOT / "scripts" / "services.sh"), "start", "s3"], check=True)
    endpoint, key, secret = f"http://127.0.0.1:{lib('S3_PORT')}", lib("S3_KEY"), lib("S3_SECRET")
    bucket = f"nakano-bench-{secrets.token_hex(4)}"
    ini = LOCAL / "bench" / f"{name}.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(LOCAL / "ckan.ini", ini)
    subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "config-tool", str(ini), *(
        f"ckan.files.storage.resources.{k} = {v}" for k, v in (
            ("type", "file_keeper:s3"), ("bucket", bucket), ("endpoint", endpoint), ("key", key),
            ("secret", secret), ("region", "us-east-1")))], check=True, capture_output=True)
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
                          region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    return ini, bucket, client


def main() -> dict[str, Any]:
    portal_ini = LOCAL / "ckan.ini"
    s3_ini_, bucket, client = s3_ini("s3")
    token = (LOCAL / "admin-api-token").read_text().strip()
    files = sorted(SHARED.glob("*.csv"))
    servers: dict[str, Any] = {}
    report: dict[str, Any] = {"files": len(files), "bytes": sum(f.stat().st_size for f in files),
                              "rounds": ROUNDS}
    pkg = None
    try:
        for name, ini in (("local", portal_ini), ("s3", s3_ini_)):
            servers[name] = gunicorn(ini, 1, f"storage-{name}")
        local_url = servers["local"][1]
        org = "kikaku"   # the demo catalog's 企画部
        pkg = requests.post(local_url + "/api/3/action/package_create", headers={"Authorization": token}, json={
            "name": f"bench-storage-{secrets.token_hex(4)}", "title": "保存先の比較", "notes": "ベンチマーク",
            "owner_org": org,
            "category": "その他", "license_id": "CC-BY-4.0", "private": True}, timeout=60).json()["result"]
        uploads: dict[str, list[float]] = {"local": [], "s3": []}
        downloads: dict[str, list[float]] = {"local": [], "s3": []}
        made: dict[str, list[tuple[str, Path]]] = {"local": [], "s3": []}
        for n in range(ROUNDS // 4):   # uploads, interleaved
            for name, (_, url) in servers.items():
                path = files[n % len(files)]
                with path.open("rb") as stream:
                    start = time.perf_counter()
                    answer = requests.post(url + "/api/3/action/resource_create", headers={"Authorization": token},
                                           data={"package_id": pkg["id"], "name": path.name, "format": "CSV"},
                                           files={"upload": (path.name, stream)}, timeout=120).json()
                    uploads[name].append(time.perf_counter() - start)
                assert answer["success"], answer
                made[name].append((answer["result"]["url"], path))
        for n in range(ROUNDS):   # downloads, interleaved
            for name, (_, url) in servers.items():
                link, path = made[name][n % len(made[name])]
                start = time.perf_counter()
                got = requests.get(link.replace(link.split("/dataset/")[0], url), headers={"Authorization": token},
                                   timeout=60)
                downloads[name].append(time.perf_counter() - start)
                assert got.status_code == 200 and got.content == path.read_bytes(), (name, got.status_code)
        objects = client.list_objects_v2(Bucket=bucket).get("KeyCount", 0)
        report["objects_in_bucket"] = objects
        assert objects == len(made["s3"])
        for name in servers:
            report[f"{name}_upload"] = summary(uploads[name])
            report[f"{name}_download"] = summary(downloads[name])
        report["upload_ratio_s3_to_local"] = round(statistics.median(uploads["s3"])
                                                   / statistics.median(uploads["local"]), 2)
        report["download_ratio_s3_to_local"] = round(statistics.median(downloads["s3"])
                                                     / statistics.median(downloads["local"]), 2)
        return report
    finally:
        if pkg:
            requests.post(servers["local"][1] + "/api/3/action/dataset_purge", headers={"Authorization": token},
                          json={"id": pkg["id"]}, timeout=60)
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=60)
        try:
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    client.delete_object(Bucket=bucket, Key=item["Key"])
            client.delete_bucket(Bucket=bucket)
        except client.exceptions.NoSuchBucket:
            pass


if __name__ == "__main__":
    save("storage", main())
