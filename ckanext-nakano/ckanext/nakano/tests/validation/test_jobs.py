"""Uploads are validated in the background by a real `ckan jobs worker` on Redis."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.nakano.model import Validation
from ckanext.nakano.validation import jobs

ROOT = Path(__file__).resolve().parents[5]
SHARED = ROOT.parent / "shared" / "data" / "municipal-csv"


def run_worker() -> None:
    """Drain the queue with the production worker command, then exit (--burst)."""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ROOT / "test.ini"), "jobs", "worker", "--burst"],
        capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture()
def dataset(clean_db, clean_queues):
    user = factories.Sysadmin()
    org = factories.Organization()
    ctx = {"user": user["name"]}
    pkg = helpers.call_action("package_create", context=ctx, owner_org=org["id"], title="消防水利施設一覧",
                              notes="消防水利", category="司法・安全・環境", license_id="cc-by",
                              standard_dataset="fire_hydrant")
    return pkg, ctx


def test_upload_is_validated_by_the_worker(dataset, create_with_upload):
    pkg, ctx = dataset
    data = (SHARED / "yaizu-222127" / "222127_fire_hydrant.csv").read_bytes()
    resource = create_with_upload(data, "131148_fire_hydrant.csv", context=ctx, package_id=pkg["id"],
                                  format="CSV", url="131148_fire_hydrant.csv")
    assert helpers.call_action("nakano_validation_show", id=resource["id"])["status"] == "pending"
    run_worker()
    shown = helpers.call_action("nakano_validation_show", id=resource["id"])
    assert shown["status"] == "valid"
    assert shown["report"]["rows"] == 193 and shown["report"]["standard"] == "fire_hydrant"
    # The undeclared encoding is filled in from detection, without queueing another run.
    assert helpers.call_action("resource_show", id=resource["id"])["encoding"] == "utf-8"
    assert helpers.call_action("nakano_validation_show", id=resource["id"])["status"] == "valid"


def test_invalid_file_is_kept_and_published_with_its_report(dataset, create_with_upload, app):
    pkg, ctx = dataset
    data = (SHARED / "yaizu-222127" / "222127_tourism.csv").read_bytes()  # CP932, other standard
    resource = create_with_upload(data, "tourism.csv", context=ctx, package_id=pkg["id"], format="CSV",
                                  url="tourism.csv", encoding="UTF-8")
    run_worker()
    report = helpers.call_action("nakano_validation_show", id=resource["id"])["report"]
    assert report["encoding"] == "cp932"
    assert {"encoding-mismatch", "not-utf8"} <= {i["code"] for i in report["issues"]}
    # Nothing lost: the original is still there, byte for byte.
    stored = app.get(f"/dataset/{pkg['id']}/resource/{resource['id']}/download/tourism.csv")
    assert stored.status_code == 200 and stored.data == data
    # The report is on the resource page, in the reader's language: Japanese, English on /en.
    page = app.get(f"/dataset/{pkg['id']}/resource/{resource['id']}").body
    assert "データの検証結果" in page and "申告された文字コード" in page
    assert "differs from the detected" not in page
    english = app.get(f"/en/dataset/{pkg['id']}/resource/{resource['id']}").body
    assert "Validation report" in english and "differs from the detected cp932" in english
    # ... and a UTF-8 copy sits beside the original.
    copy = app.get(f"/dataset/{pkg['id']}/resource/{resource['id']}/utf8.csv")
    assert copy.status_code == 200 and copy.data.decode("utf-8").startswith("都道府県コード")


def test_garbage_gets_an_error_report_not_a_crash(dataset, create_with_upload):
    pkg, ctx = dataset
    resource = create_with_upload(bytes(range(256)) * 100, "data.csv", context=ctx, package_id=pkg["id"],
                                  format="CSV", url="data.csv")
    run_worker()
    shown = helpers.call_action("nakano_validation_show", id=resource["id"])
    assert shown["status"] == "error"
    assert shown["report"]["issues"][0]["code"] == "binary-file"


def test_a_resource_purged_before_its_run_is_forgotten_quietly(dataset, create_with_upload, caplog):
    pkg, ctx = dataset
    resource = create_with_upload(b"a,b\n1,2\n", "data.csv", context=ctx, package_id=pkg["id"], format="CSV",
                                  url="data.csv")
    assert helpers.call_action("nakano_validation_show", id=resource["id"])["status"] == "pending"
    helpers.call_action("dataset_purge", context=ctx, id=pkg["id"])
    assert jobs.run(resource["id"]) == "gone"
    assert Validation.get(resource["id"]) is None
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_non_tabular_resources_are_not_queued(dataset):
    pkg, ctx = dataset
    resource = helpers.call_action("resource_create", context=ctx, package_id=pkg["id"],
                                   url="https://www.city.tokyo-nakano.lg.jp/map.pdf", format="PDF")
    assert helpers.call_action("nakano_validation_show", id=resource["id"])["status"] == "none"


def test_report_of_a_private_dataset_is_not_public(clean_db):
    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"], private=True, category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/a.pdf", format="PDF")
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("nakano_validation_show", context={"user": "", "ignore_auth": False},
                            id=resource["id"])


@pytest.fixture()
def local_server(tmp_path, local_http):
    """The fire-hydrant file served over HTTP from loopback (``local_http.requests``: what
    its server was asked)."""
    (tmp_path / "131148_fire_hydrant.csv").write_bytes(
        (SHARED / "yaizu-222127" / "222127_fire_hydrant.csv").read_bytes())
    return local_http


def test_linked_file_on_a_private_address_is_refused(dataset, local_server):
    from ckanext.nakano.validation import jobs

    pkg, ctx = dataset
    resource = helpers.call_action("resource_create", context=ctx, package_id=pkg["id"],
                                   url=f"{local_server}/131148_fire_hydrant.csv", format="CSV")
    assert jobs.run(resource["id"]) == "error"
    assert local_server.requests == []   # refused before a request is sent, not reported after
    issue = helpers.call_action("nakano_validation_show", id=resource["id"])["report"]["issues"][0]
    assert issue["code"] == "private-address" and "127.0.0.1" in issue["message_en"]
    assert "内部ネットワーク" in issue["message_ja"]


def test_linked_file_on_an_allowed_host_is_fetched_and_validated(dataset, local_server, ckan_config,
                                                                 monkeypatch):
    from ckanext.nakano.validation import jobs

    monkeypatch.setitem(ckan_config, "ckanext.nakano.fetch.allowed_hosts", ["127.0.0.1"])
    pkg, ctx = dataset
    resource = helpers.call_action("resource_create", context=ctx, package_id=pkg["id"],
                                   url=f"{local_server}/131148_fire_hydrant.csv", format="CSV")
    assert jobs.run(resource["id"]) == "valid"
    assert local_server.requests == ["/131148_fire_hydrant.csv"]
    assert helpers.call_action("nakano_validation_show", id=resource["id"])["report"]["rows"] == 193


def test_only_a_change_of_the_file_validates_again(dataset, create_with_upload):
    """xloader's own update (datastore_active) and metadata edits keep the report;
    a new file, link or declared schema validates again."""
    pkg, ctx = dataset
    data = (SHARED / "yaizu-222127" / "222127_fire_hydrant.csv").read_bytes()
    resource = create_with_upload(data, "fire_hydrant.csv", context=ctx, package_id=pkg["id"], format="CSV",
                                  url="fire_hydrant.csv")
    run_worker()
    assert helpers.call_action("nakano_validation_show", id=resource["id"])["status"] == "valid"
    helpers.call_action("resource_patch", context=dict(ctx), id=resource["id"], datastore_active=True)
    helpers.call_action("resource_patch", context=dict(ctx), id=resource["id"], description="説明を追加")
    assert helpers.call_action("nakano_validation_show", id=resource["id"])["status"] == "valid"
    helpers.call_action("resource_patch", context=dict(ctx), id=resource["id"], conforms_to_schema="aed")
    assert helpers.call_action("nakano_validation_show", id=resource["id"])["status"] == "pending"
