"""Uploads on S3-compatible object storage (CKAN 2.12's file storages).

A real S3 server — S3Proxy from Maven Central, started through
``scripts/services.sh start s3`` — holds the resource files, as a bucket does
for several web nodes and workers in production (docs/scaling.md). The
validation job, the link check and downloads read the file from the bucket.
"""
from __future__ import annotations

import csv
import io
import os
import time
import subprocess
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from PIL import Image

from ckan.tests import factories, helpers

from ckanext.nakano import uploads
from ckanext.nakano.metrics import linkcheck
from ckanext.nakano.reuses import images
from ckanext.nakano.validation import copies, jobs

ROOT = Path(__file__).resolve().parents[4]
SHARED = ROOT.parent / "shared" / "data" / "municipal-csv"

pytestmark = [pytest.mark.services]


def _lib(name: str) -> str:
    """A setting of scripts/lib.sh, as the scripts see it."""
    return subprocess.run(["bash", "-c", f'source "{ROOT}/scripts/lib.sh" >/dev/null; echo "${name}"'],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def s3_server() -> dict[str, str]:
    started = subprocess.run([str(ROOT / "scripts" / "services.sh"), "start", "s3"], capture_output=True,
                             text=True, timeout=180, env=dict(os.environ))
    assert started.returncode == 0, started.stdout + started.stderr
    return {"endpoint": f"http://127.0.0.1:{_lib('S3_PORT')}", "key": _lib("S3_KEY"), "secret": _lib("S3_SECRET")}


@pytest.fixture()
def bucket_settings() -> dict[str, str]:
    """Settings of the bucket storage beyond the connection (a test parametrizes it)."""
    return {"type": "file_keeper:s3"}


@pytest.fixture()
def bucket(s3_server, bucket_settings, ckan_config, monkeypatch, reset_storages, clean_db):
    """Resource uploads go to a new bucket, configured as an operator would in ckan.ini."""
    name = f"nakano-test-{uuid.uuid4().hex[:8]}"
    settings = {"bucket": name, "endpoint": s3_server["endpoint"], "key": s3_server["key"],
                "secret": s3_server["secret"], "region": "us-east-1", "initialize": "true", **bucket_settings}
    for key, value in settings.items():
        monkeypatch.setitem(ckan_config, f"ckan.files.storage.resources.{key}", value)
    reset_storages()
    client = boto3.client("s3", endpoint_url=s3_server["endpoint"], aws_access_key_id=s3_server["key"],
                          aws_secret_access_key=s3_server["secret"], region_name="us-east-1")
    yield client, name
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)
    monkeypatch.undo()
    for key in [k for k in ckan_config if k.startswith("ckan.files.storage.resources.")]:
        del ckan_config[key]   # defaults a CKAN storage's declaration added
    reset_storages()


def test_an_upload_lives_in_the_bucket_and_is_validated_and_served_from_it(bucket, create_with_upload, app,
                                                                          ckan_config):
    client, name = bucket
    ctx = {"user": factories.Sysadmin()["name"]}
    pkg = factories.Dataset(owner_org=factories.Organization()["id"], category="司法・安全・環境",
                            license_id="cc-by", standard_dataset="fire_hydrant")
    data = (SHARED / "yaizu-222127" / "222127_fire_hydrant.csv").read_bytes()
    resource = create_with_upload(data, "fire_hydrant.csv", context=ctx, package_id=pkg["id"], format="CSV",
                                  url="fire_hydrant.csv")

    # In the bucket, byte for byte; nothing on the local storage path.
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", [])]
    assert keys == [f"{resource['id'][:3]}/{resource['id'][3:6]}/{resource['id'][6:]}"]
    assert client.get_object(Bucket=name, Key=keys[0])["Body"].read() == data
    assert not (Path(ckan_config["ckan.storage_path"]) / "resources" / resource["id"][:3]
                / resource["id"][3:6] / resource["id"][6:]).exists()
    assert uploads.read_bytes(resource) == data

    # Downloads come from the bucket through CKAN.
    got = app.get(f"/dataset/{pkg['id']}/resource/{resource['id']}/download/fire_hydrant.csv")
    assert got.status_code == 200 and got.data == data

    # The validation job reads it from the bucket (a temporary copy, removed after).
    assert jobs.run(resource["id"]) == "valid"
    shown = helpers.call_action("nakano_validation_show", id=resource["id"])
    assert shown["report"]["rows"] == 193 and shown["report"]["standard"] == "fire_hydrant"
    assert not list(copies.local_dir(resource["id"]).glob("*"))

    # A CP932 file: its UTF-8 copy goes into the bucket beside it, served from there.
    cp932 = (SHARED / "yaizu-222127" / "222127_tourism.csv").read_bytes()
    other = create_with_upload(cp932, "tourism.csv", context=ctx, package_id=pkg["id"], format="CSV",
                               url="tourism.csv")
    jobs.run(other["id"])
    made = helpers.call_action("nakano_validation_show", id=other["id"])["report"]["copies"]
    assert made["utf8"] == "tourism.utf8.csv"
    assert client.get_object(Bucket=name, Key=f"nakano-validation/{other['id']}/tourism.utf8.csv")
    assert not copies.local_dir(other["id"]).exists()
    got = app.get(f"/dataset/{pkg['name']}/resource/{other['id']}/utf8.csv")
    assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"]
    assert list(csv.reader(io.StringIO(got.data.decode("utf-8")))) == \
        list(csv.reader(io.StringIO(cp932.decode("cp932"))))

    # The link check sees the file, and its loss.
    assert linkcheck._check_upload(resource) == ("ok", None, None)
    client.delete_object(Bucket=name, Key=keys[0])
    assert linkcheck._check_upload(resource) == ("broken", None, "file missing")


@pytest.mark.parametrize("bucket_settings", [{"type": "nakano:s3", "redirect_seconds": "5"}])
def test_downloads_are_handed_to_the_bucket_by_a_short_lived_link(bucket, create_with_upload, app):
    """nakano:s3 with redirect_seconds: CKAN checks access and counts, the bucket sends the bytes."""
    import requests

    user = factories.Sysadmin()
    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by")
    data = (SHARED / "yaizu-222127" / "222127_fire_hydrant.csv").read_bytes()
    resource = create_with_upload(data, "fire_hydrant.csv", context={"user": user["name"]}, package_id=pkg["id"],
                                  format="CSV", url="fire_hydrant.csv")
    got = app.get(f"/dataset/{pkg['id']}/resource/{resource['id']}/download/fire_hydrant.csv",
                  follow_redirects=False)
    assert got.status_code == 302
    assert {"private", "no-store"} <= {part.strip() for part in got.headers["Cache-Control"].split(",")}
    assert "public" not in got.headers["Cache-Control"]
    link = got.headers["Location"]
    assert link.startswith(bucket[0].meta.endpoint_url)
    fetched = requests.get(link, timeout=30)
    assert fetched.status_code == 200 and fetched.content == data
    assert fetched.headers["Content-Disposition"].startswith("attachment")
    # The UTF-8 copy of a CP932 file is handed to the bucket the same way.
    cp932 = (SHARED / "yaizu-222127" / "222127_tourism.csv").read_bytes()
    other = create_with_upload(cp932, "tourism.csv", context={"user": user["name"]}, package_id=pkg["id"],
                               format="CSV", url="tourism.csv")
    jobs.run(other["id"])
    copy = app.get(f"/dataset/{pkg['name']}/resource/{other['id']}/utf8.csv", follow_redirects=False)
    assert copy.status_code == 302
    fetched = requests.get(copy.headers["Location"], timeout=30)
    assert fetched.status_code == 200 and fetched.headers["Content-Disposition"].startswith("attachment")
    assert list(csv.reader(io.StringIO(fetched.content.decode("utf-8")))) == \
        list(csv.reader(io.StringIO(cp932.decode("cp932"))))
    # An uploaded web page comes from the bucket as a download, never as a page.
    page = b"<html><body><script>alert(1)</script></body></html>"
    html = create_with_upload(page, "page.html", context={"user": user["name"]}, package_id=pkg["id"],
                              format="HTML", url="page.html")
    link = app.get(f"/dataset/{pkg['id']}/resource/{html['id']}/download/page.html",
                   follow_redirects=False).headers["Location"]
    assert requests.get(link, timeout=30).headers["Content-Disposition"].startswith("attachment")
    # A private dataset's file: no link for a visitor.
    hidden = factories.Dataset(owner_org=org["id"], private=True, category="その他", license_id="cc-by")
    secret = create_with_upload(b"a,b\n1,2\n", "secret.csv", context={"user": user["name"]},
                                package_id=hidden["id"], format="CSV", url="secret.csv")
    refused = app.get(f"/dataset/{hidden['id']}/resource/{secret['id']}/download/secret.csv",
                      follow_redirects=False)
    assert refused.status_code in (403, 404) and "Location" not in refused.headers
    # A link's time runs out: the bucket refuses it.
    link = app.get(f"/dataset/{pkg['id']}/resource/{resource['id']}/download/fire_hydrant.csv",
                   follow_redirects=False).headers["Location"]
    expires = int(parse_qs(urlsplit(link).query)["Expires"][0])
    assert 0 < expires - time.time() <= 5
    time.sleep(max(0.0, expires - time.time()) + 1.5)
    assert requests.get(link, timeout=30).status_code == 403


def test_the_bucket_is_backed_up_and_restored(bucket, create_with_upload, app, tmp_path):
    """make backup archives the bucket's objects; make restore puts them back (scripts/backup.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("nakano_backup", ROOT / "scripts" / "backup.py")
    backup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backup)  # type: ignore[union-attr]

    client, name = bucket
    user = factories.Sysadmin()
    pkg = factories.Dataset(owner_org=factories.Organization()["id"], category="その他", license_id="cc-by")
    files = {"parks.csv": "名称,所在地\n平和の森公園,草刈1-1\n".encode(), "toilets.csv": b"a,b\n1,2\n"}
    resources = {filename: create_with_upload(data, filename, context={"user": user["name"]},
                                              package_id=pkg["id"], format="CSV", url=filename)
                 for filename, data in files.items()}
    ini = tmp_path / "ckan.ini"
    conf = "\n".join(f"ckan.files.storage.resources.{k} = {v}" for k, v in (
        ("type", "file_keeper:s3"), ("bucket", name), ("endpoint", client.meta.endpoint_url),
        ("key", _lib("S3_KEY")), ("secret", _lib("S3_SECRET")), ("region", "us-east-1")))
    ini.write_text(f"[app:main]\n{conf}\n", encoding="utf-8")
    settings = backup.settings(ini)

    sums = backup.archive_bucket(settings, tmp_path / "bucket.tar.gz")
    assert len(sums) == 2 and sums == backup.bucket_sums(settings)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):   # the bucket is lost
        for item in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)
    assert backup.differences({"bucket": sums}, {"bucket": {}})   # the compare step would see it

    assert backup.restore_bucket(settings, tmp_path / "bucket.tar.gz") == 2
    assert backup.differences({"bucket": sums}, {"bucket": backup.bucket_sums(settings)}) == []
    for filename, resource in resources.items():
        got = app.get(f"/dataset/{pkg['id']}/resource/{resource['id']}/download/{filename}")
        assert got.status_code == 200 and got.data == files[filename]


def test_a_reuse_picture_lives_in_the_bucket_through_nakano_s3(s3_server, ckan_config, monkeypatch, reset_storages,
                                                               clean_db):
    """The picture of a 活用事例 goes through CKAN's file storage: named in
    ckanext.nakano.reuse.image_storage, a nakano:s3 bucket keeps it (reuses/images.py)."""
    name = f"nakano-reuse-{uuid.uuid4().hex[:8]}"
    settings = {"type": "nakano:s3", "bucket": name, "endpoint": s3_server["endpoint"], "key": s3_server["key"],
                "secret": s3_server["secret"], "region": "us-east-1", "initialize": "true"}
    for key, value in settings.items():
        monkeypatch.setitem(ckan_config, f"ckan.files.storage.reuse_images.{key}", value)
    monkeypatch.setitem(ckan_config, images.CONFIG_STORAGE, "reuse_images")
    reset_storages()
    client = boto3.client("s3", endpoint_url=s3_server["endpoint"], aws_access_key_id=s3_server["key"],
                          aws_secret_access_key=s3_server["secret"], region_name="us-east-1")
    try:
        picture = io.BytesIO()
        Image.new("RGB", (64, 48), "green").save(picture, "PNG")
        data, _ = images.accept(picture.getvalue())
        location = images.store("reuse-1", data)
        assert client.get_object(Bucket=name, Key=location)["Body"].read() == data
        assert images.read(location) == data
        images.remove(location)
        assert client.list_objects_v2(Bucket=name).get("KeyCount", 0) == 0
    finally:
        client.delete_bucket(Bucket=name)
        monkeypatch.undo()
        for key in [k for k in ckan_config if k.startswith("ckan.files.storage.reuse_images.")]:
            del ckan_config[key]
        reset_storages()
