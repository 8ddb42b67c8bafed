"""Folder sources over HTTP (directory listing, JSON manifest) on a real loopback
server: failures mid-run, time limits, address rules, size limit."""
from __future__ import annotations

import hashlib
import json
import shutil
import time

import pytest

from ckan.tests import helpers
from ckanext.nakano.messages import readable   # errors are stored coded; said in the site's language

from .conftest import harvested, run, stored_bytes

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.fixture()
def files(share, shared_dir):
    yaizu = shared_dir / "data" / "municipal-csv" / "yaizu-222127"
    for name in ("222127_aed.csv", "222127_library.csv", "222127_tourism.csv", "222127_public_toilet.csv"):
        shutil.copy(yaizu / name, share / name)
    (share / "222127_library.json").write_text(json.dumps({"title": "図書館一覧"}, ensure_ascii=False),
                                               encoding="utf-8")
    return share


def test_directory_listing_is_harvested_with_sidecars(declare, files, http_share):
    base, _ = http_share
    source = declare(type="folder", url=base, allow_private=True)
    result = run(source)
    assert result.counts == {"added": 4}, result.errors
    titles = {d["title"] for d in harvested(source)}
    assert "図書館一覧" in titles and "222127_tourism" in titles
    tourism = next(d for d in harvested(source) if d["title"] == "222127_tourism")
    assert stored_bytes(tourism["resources"][0]).decode("utf-8").startswith(
        (files / "222127_tourism.csv").read_bytes().decode("cp932")[:20])
    assert run(source).counts == {"not modified": 4}


def test_manifest_lists_files_and_refuses_paths_out_of_the_folder(declare, files, http_share):
    base, _ = http_share
    digest = hashlib.sha256((files / "222127_aed.csv").read_bytes()).hexdigest()
    manifest = {"files": [{"path": "222127_aed.csv", "sha256": digest, "metadata": {"title": "AED"}},
                          "222127_library.csv"]}
    (files / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    source = declare(type="folder", url=base + "manifest.json", allow_private=True)
    assert run(source).counts == {"added": 2}
    assert run(source).counts == {"not modified": 2}

    manifest["files"].append("../../etc/passwd.csv")
    (files / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = run(source)
    assert result.counts == {} and any("収集元の外" in e for e in map(readable, result.errors))


def test_http_500_mid_run_is_recorded_and_the_rest_published(declare, files, http_share):
    base, switches = http_share
    source = declare(type="folder", url=base, allow_private=True)
    run(source)
    aed = next(d for d in harvested(source) if d["title"] == "222127_aed")["resources"][0]
    before = stored_bytes(aed)

    with (files / "222127_aed.csv").open("ab") as out:
        out.write(b"2221270000,1000,x,y\n")
    (files / "222127_library.csv").write_bytes((files / "222127_library.csv").read_bytes() + b"\n")
    switches.failing.add("/222127_aed.csv")
    result = run(source)
    assert result.status == "Finished"
    assert result.counts == {"errored": 1, "updated": 1, "not modified": 2}
    assert any("HTTP 500" in e for e in map(readable, result.errors))
    assert stored_bytes(helpers.call_action("resource_show", id=aed["id"])) == before


@pytest.mark.ckan_config("ckanext.nakano.harvest.object_timeout", 2)
def test_slow_source_hits_the_time_limit_and_the_job_finishes(declare, files, http_share):
    base, switches = http_share
    switches.slow.add("/222127_aed.csv")
    source = declare(type="folder", url=base, allow_private=True)
    started = time.monotonic()
    result = run(source)
    assert time.monotonic() - started < 30
    assert result.status == "Finished"
    assert result.counts == {"errored": 1, "added": 3}
    assert any("time limit" in e or "制限時間" in e for e in map(readable, result.errors))


def test_loopback_source_not_allow_listed_is_refused(declare, files, http_share):
    base, _ = http_share
    source = declare(type="folder", url=base)   # no allow_private
    result = run(source)
    assert result.counts == {} and harvested(source) == []
    assert any("内部ネットワーク" in e and "127.0.0.1" in e for e in map(readable, result.errors))


def test_redirect_to_the_metadata_service_is_refused(declare, files, http_share):
    base, switches = http_share
    switches.redirects["/222127_aed.csv"] = "http://169.254.169.254/latest/meta-data/"
    source = declare(type="folder", url=base, allow_private=True)
    result = run(source)
    assert result.counts == {"errored": 1, "added": 3}
    assert any("169.254.169.254" in e for e in map(readable, result.errors))


@pytest.mark.ckan_config("ckanext.nakano.validation.max_bytes", 30000)
def test_oversize_file_is_refused(declare, files, http_share):
    base, _ = http_share
    source = declare(type="folder", url=base, allow_private=True)
    result = run(source)
    big = [p.name for p in files.glob("*.csv") if p.stat().st_size > 30000]
    assert big and result.counts == {"errored": len(big), "added": 4 - len(big)}
    assert any("大きすぎます" in e for e in map(readable, result.errors))


def test_tls_error_is_recorded(declare, files, tmp_path):
    """An HTTPS listing whose certificate nobody trusts (self-signed) is refused."""
    import http.server
    import ssl
    import subprocess
    import threading

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = declare(type="folder", url=f"https://127.0.0.1:{server.server_address[1]}/", allow_private=True)
        result = run(source)
    finally:
        server.shutdown()
        server.server_close()
    assert result.status == "Finished" and result.counts == {}
    assert any("TLS" in e for e in map(readable, result.errors))
