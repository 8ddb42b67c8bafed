"""Backups of the portal (scripts/backup.sh, scripts/restore.sh).

    python scripts/backup.py CKAN_INI --into DIR          # dumps, files, manifest.json
    python scripts/backup.py CKAN_INI --compare MANIFEST  # a restore against its backup
    python scripts/backup.py CKAN_INI --restore-bucket TAR  # uploads back into the bucket

Each database is dumped from one snapshot (pg_export_snapshot) in which its
counts are also taken, and each file's SHA-256 is taken as it goes into the
archive, so manifest.json describes exactly what the backup holds even while
the portal keeps running. When uploads live in an S3-compatible bucket
(``ckan.files.storage.resources.type = file_keeper:s3``), its objects are
archived too (bucket.tar.gz, section "bucket" of the manifest).
"""
from __future__ import annotations

import argparse
import configparser
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2

# Generated, not data: CKAN rebuilds webassets from the code.
SKIP_DIRS = ("webassets",)
# Tables of CKAN's database counted besides the catalog: harvest, metrics,
# validation and quality (ours), activity, views.
MAIN_TABLES = "nakano_% harvest_% activity package_extra resource_view"
CATALOG = {
    "public_datasets": "select count(*) from package where state = 'active' and type = 'dataset' and not private",
    "private_datasets": "select count(*) from package where state = 'active' and type = 'dataset' and private",
    "deleted_datasets": "select count(*) from package where state = 'deleted'",
    "resources": "select count(*) from resource r join package p on p.id = r.package_id"
                 " where r.state = 'active' and p.state = 'active'",
    "organizations": "select count(*) from \"group\" where state = 'active' and is_organization",
    "users": "select count(*) from \"user\" where state = 'active'",
    "api_tokens": "select count(*) from api_token",
}


def settings(ini: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(ini, encoding="utf-8")
    return dict(parser["app:main"])


def table_counts(cur: Any, patterns: str) -> dict[str, int]:
    """Row counts of the public tables whose names match one of the LIKE patterns."""
    cur.execute("select tablename from pg_tables where schemaname = 'public' and tablename like any(%s) order by 1",
                (patterns.split(),))
    counts = {}
    for (name,) in cur.fetchall():
        cur.execute(f'select count(*) from "{name}"')  # a name read from pg_tables
        counts[name] = cur.fetchone()[0]
    return counts


def catalog_counts(cur: Any) -> dict[str, int]:
    out = {}
    for key, sql in CATALOG.items():
        cur.execute(sql)
        out[key] = cur.fetchone()[0]
    return out


def _pg_env(url: str) -> tuple[list[str], dict[str, str]]:
    parts = urlsplit(url)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "",
            parts.path.lstrip("/")]
    return args, dict(os.environ, PGPASSWORD=parts.password or "")


def dump(url: str, target: Path, pg_bin: Path, patterns: str, catalog: bool) -> dict[str, Any]:
    """pg_dump of one database from the snapshot its counts are taken in."""
    conn = psycopg2.connect(url)
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cur:
            cur.execute("select pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            counts = {"tables": table_counts(cur, patterns)}
            if catalog:
                counts["catalog"] = catalog_counts(cur)
            args, env = _pg_env(url)
            subprocess.run([str(pg_bin / "pg_dump"), "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                            "-f", str(target), *args], env=env, check=True)
    finally:
        conn.close()
    return counts


def stored_files(storage: Path) -> list[tuple[Path, str]]:
    """The data files below the storage folder, with their names relative to it."""
    return [(path, str(path.relative_to(storage))) for path in sorted(storage.rglob("*"))
            if path.is_file() and path.relative_to(storage).parts[0] not in SKIP_DIRS]


def archive(storage: Path, target: Path) -> dict[str, str]:
    """The stored files as a tar.gz; the SHA-256 of each as it was archived."""
    sums = {}
    with tarfile.open(target, "w:gz") as tar:
        for path, rel in stored_files(storage):
            data = path.read_bytes()
            info = tar.gettarinfo(str(path), arcname=rel)
            info.size = len(data)
            tar.addfile(info, fileobj=io.BytesIO(data))
            sums[rel] = hashlib.sha256(data).hexdigest()
    return sums


S3_STORAGE = "ckan.files.storage.resources."


def bucket_of(conf: dict[str, str]) -> tuple[Any, str, str] | None:
    """(client, bucket, key prefix) of the uploads' S3 storage, or None when they are local."""
    if conf.get(S3_STORAGE + "type") != "file_keeper:s3":
        return None
    import boto3

    client = boto3.client("s3", endpoint_url=conf.get(S3_STORAGE + "endpoint") or None,
                          aws_access_key_id=conf.get(S3_STORAGE + "key") or None,
                          aws_secret_access_key=conf.get(S3_STORAGE + "secret") or None,
                          region_name=conf.get(S3_STORAGE + "region") or None)
    return client, conf[S3_STORAGE + "bucket"], conf.get(S3_STORAGE + "path", "").strip("/")


def bucket_objects(client: Any, bucket: str, prefix: str) -> list[str]:
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return sorted(keys)


def archive_bucket(conf: dict[str, str], target: Path) -> dict[str, str]:
    """The bucket's objects as a tar.gz (names relative to the storage's prefix), with their SHA-256."""
    client, bucket, prefix = bucket_of(conf)  # type: ignore[misc]
    sums = {}
    with tarfile.open(target, "w:gz") as tar:
        for key in bucket_objects(client, bucket, prefix):
            data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            rel = key[len(prefix):].lstrip("/")
            info = tarfile.TarInfo(rel)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, fileobj=io.BytesIO(data))
            sums[rel] = hashlib.sha256(data).hexdigest()
    return sums


def bucket_sums(conf: dict[str, str]) -> dict[str, str]:
    client, bucket, prefix = bucket_of(conf)  # type: ignore[misc]
    return {key[len(prefix):].lstrip("/"): hashlib.sha256(client.get_object(Bucket=bucket, Key=key)["Body"].read())
            .hexdigest() for key in bucket_objects(client, bucket, prefix)}


def restore_bucket(conf: dict[str, str], source: Path) -> int:
    """Puts the archived objects into the configured bucket (created if missing)."""
    client, bucket, prefix = bucket_of(conf)  # type: ignore[misc]
    if bucket not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
        client.create_bucket(Bucket=bucket)
    count = 0
    with tarfile.open(source, "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile():
                key = f"{prefix}/{member.name}" if prefix else member.name
                client.put_object(Bucket=bucket, Key=key, Body=tar.extractfile(member).read())  # type: ignore[union-attr]
                count += 1
    return count


def backup(ini: Path, into: Path, pg_bin: Path) -> dict[str, Any]:
    conf = settings(ini)
    main = dump(conf["sqlalchemy.url"], into / "ckan.dump", pg_bin, MAIN_TABLES, catalog=True)
    store = dump(conf["ckan.datastore.write_url"], into / "datastore.dump", pg_bin, "%", catalog=False)
    manifest = {"catalog": main["catalog"], "tables": main["tables"], "datastore": store["tables"],
                "files": archive(Path(conf["ckan.storage_path"]), into / "files.tar.gz")}
    if bucket_of(conf):
        manifest["bucket"] = archive_bucket(conf, into / "bucket.tar.gz")
    (into / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True),
                                        encoding="utf-8")
    return manifest


def current(ini: Path) -> dict[str, Any]:
    """The same counts and checksums, of the running databases and storage folder."""
    conf = settings(ini)
    with psycopg2.connect(conf["sqlalchemy.url"]) as conn, conn.cursor() as cur:
        catalog, tables = catalog_counts(cur), table_counts(cur, MAIN_TABLES)
    with psycopg2.connect(conf["ckan.datastore.write_url"]) as conn, conn.cursor() as cur:
        datastore = table_counts(cur, "%")
    files = {rel: hashlib.sha256(path.read_bytes()).hexdigest()
             for path, rel in stored_files(Path(conf["ckan.storage_path"]))}
    found = {"catalog": catalog, "tables": tables, "datastore": datastore, "files": files}
    if bucket_of(conf):
        found["bucket"] = bucket_sums(conf)
    return found


def differences(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    out = []
    for section in ("catalog", "tables", "datastore", "files", "bucket"):
        if section not in expected and section not in got:
            continue
        for key in sorted(set(expected.get(section, {})) | set(got.get(section, {}))):
            before, now = expected.get(section, {}).get(key), got.get(section, {}).get(key)
            if before != now:
                out.append(f"{section}/{key}: backup {before!r}, now {now!r}")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("ini", type=Path)
    parser.add_argument("--into", type=Path, help="folder of a new backup")
    parser.add_argument("--compare", type=Path, help="manifest.json of the backup just restored")
    parser.add_argument("--restore-bucket", type=Path, help="bucket.tar.gz of a backup, put into the bucket")
    parser.add_argument("--pg-bin", type=Path, default=Path(os.environ.get("PG_BIN", "/usr/bin")))
    args = parser.parse_args()
    if args.into:
        made = backup(args.ini, args.into, args.pg_bin)
        print(f"{sum(made['catalog'].values())} catalog rows, {len(made['files'])} files, "
              f"{len(made.get('bucket', {}))} objects in the bucket")
    elif args.restore_bucket:
        print(f"{restore_bucket(settings(args.ini), args.restore_bucket)} objects put into the bucket")
    elif args.compare:
        diff = differences(json.loads(args.compare.read_text(encoding="utf-8")), current(args.ini))
        for line in diff[:50]:
            print(line, file=sys.stderr)
        sys.exit(1 if diff else 0)
    else:
        json.dump(current(args.ini), sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
