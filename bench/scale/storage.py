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


def s3_ini(name: str, bucket: str | None = None, **extra: str) -> tuple[Path, str, Any]:
    """A copy of the portal's ini with uploads on a bucket of the local S3 server
    (a new one unless given): (ini, bucket, boto3 client)."""
    subprocess.run([str(ROOT / "scripts" / "services.sh"), "start", "s3"], check=True)
    endpoint, key, secret = f"http://127.0.0.1:{lib('S3_PORT')}", lib("S3_KEY"), lib("S3_SECRET")
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
                          region_name="us-east-1")
    if bucket is None:
        bucket = f"nakano-bench-{secrets.token_hex(4)}"
        client.create_bucket(Bucket=bucket)
    ini = LOCAL / "bench" / f"{name}.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(LOCAL / "ckan.ini", ini)
    settings = {"type": "file_keeper:s3", "bucket": bucket, "endpoint": endpoint, "key": key, "secret": secret,
                "region": "us-east-1", **extra}
    subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "config-tool", str(ini),
                    *(f"ckan.files.storage.resources.{k} = {v}" for k, v in settings.items())],
                   check=True, capture_output=True)
    return ini, bucket, client


LARGE_ROUNDS = 8


def large_file(servers: dict[str, Any], package_id: str, token: str) -> dict[str, Any]:
    """One large CSV (a real file's rows repeated to ~50 MB), downloaded through each
    node: where the bytes flow through CKAN's worker, and where the bucket sends them."""
    real = SHARED.parent / "takamatsu-372013" / "hospital_data.csv"
    header, *rows = real.read_bytes().splitlines(keepends=True)
    big = LOCAL / "bench" / "large.csv"
    body = b"".join(rows)
    big.write_bytes(header + body * (50 * 1024 * 1024 // len(body)))
    auth = {"Authorization": token}
    links = {}
    for name in ("local", "s3"):
        with big.open("rb") as stream:
            answer = requests.post(servers[name][1] + "/api/3/action/resource_create", headers=auth,
                                   data={"package_id": package_id, "name": "large.csv", "format": "CSV"},
                                   files={"upload": ("large.csv", stream)}, timeout=600).json()
        assert answer["success"], answer
        links[name] = answer["result"]["url"]
    whole: dict[str, list[float]] = {name: [] for name in servers}
    in_ckan: dict[str, list[float]] = {name: [] for name in servers}
    size = big.stat().st_size
    for _ in range(LARGE_ROUNDS):
        for name, (_, url) in servers.items():
            link = links["local" if name == "local" else "s3"]
            link = link.replace(link.split("/dataset/")[0], url)
            start = time.perf_counter()
            got = requests.get(link, headers=auth, timeout=600)
            whole[name].append(time.perf_counter() - start)
            assert got.status_code == 200 and len(got.content) == size, (name, got.status_code)
            start = time.perf_counter()
            answer = requests.get(link, headers=auth, allow_redirects=False, timeout=600)
            in_ckan[name].append(time.perf_counter() - start)
            assert name == "s3_redirect" or len(answer.content) == size, name
    big.unlink()
    return {"bytes": size, "rounds": LARGE_ROUNDS, **compared(whole, in_ckan)}


def compared(whole: dict[str, list[float]], in_ckan: dict[str, list[float]]) -> dict[str, Any]:
    """Each server's download times (whole, and CKAN's part) and their ratios to local storage."""
    found: dict[str, Any] = {}
    for name in whole:
        found[f"{name}_download"] = summary(whole[name])
        found[f"{name}_download_ckan_part"] = summary(in_ckan[name])
    for name in ("s3", "s3_redirect"):
        for label, times in (("download", whole), ("ckan_part", in_ckan)):
            found[f"{label}_ratio_{name}_to_local"] = round(statistics.median(times[name])
                                                            / statistics.median(times["local"]), 2)
    return found


def main() -> dict[str, Any]:
    portal_ini = LOCAL / "ckan.ini"
    s3_ini_, bucket, client = s3_ini("s3")
    # The same bucket, downloads answered with a presigned redirect (ckanext/nakano/storage.py).
    redirect_ini, _, _ = s3_ini("s3-redirect", bucket, type="nakano:s3", redirect_seconds="60")
    token = (LOCAL / "admin-api-token").read_text().strip()
    files = sorted(SHARED.glob("*.csv"))
    servers: dict[str, Any] = {}
    report: dict[str, Any] = {"files": len(files), "bytes": sum(f.stat().st_size for f in files),
                              "rounds": ROUNDS}
    pkg = None
    try:
        for name, ini in (("local", portal_ini), ("s3", s3_ini_), ("s3_redirect", redirect_ini)):
            servers[name] = gunicorn(ini, 1, f"storage-{name}")
        local_url = servers["local"][1]
        org = "kikaku"   # the demo catalog's 企画部
        pkg = requests.post(local_url + "/api/3/action/package_create", headers={"Authorization": token}, json={
            "name": f"bench-storage-{secrets.token_hex(4)}", "title": "保存先の比較", "notes": "ベンチマーク",
            "owner_org": org,
            "category": "その他", "license_id": "cc-by", "private": True}, timeout=60).json()["result"]
        uploads: dict[str, list[float]] = {"local": [], "s3": []}
        downloads: dict[str, list[float]] = {name: [] for name in servers}
        in_ckan: dict[str, list[float]] = {name: [] for name in servers}   # CKAN's answer alone
        made: dict[str, list[tuple[str, Path]]] = {"local": [], "s3": []}
        for n in range(ROUNDS // 4):   # uploads, interleaved (the redirecting node uploads as "s3" does)
            for name in uploads:
                url = servers[name][1]
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
                link, path = made["local" if name == "local" else "s3"][n % len(made["s3"])]
                link = link.replace(link.split("/dataset/")[0], url)
                start = time.perf_counter()
                got = requests.get(link, headers={"Authorization": token}, timeout=60)
                downloads[name].append(time.perf_counter() - start)
                assert got.status_code == 200 and got.content == path.read_bytes(), (name, got.status_code)
                assert bool(got.history) == (name == "s3_redirect"), name
                start = time.perf_counter()
                requests.get(link, headers={"Authorization": token}, allow_redirects=False, timeout=60).close()
                in_ckan[name].append(time.perf_counter() - start)
        objects = client.list_objects_v2(Bucket=bucket).get("KeyCount", 0)
        report["objects_in_bucket"] = objects
        assert objects == len(made["s3"])
        report["large"] = large_file(servers, pkg["id"], token)
        for name in uploads:
            report[f"{name}_upload"] = summary(uploads[name])
        report["upload_ratio_s3_to_local"] = round(statistics.median(uploads["s3"])
                                                   / statistics.median(uploads["local"]), 2)
        report.update(compared(downloads, in_ckan))
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
