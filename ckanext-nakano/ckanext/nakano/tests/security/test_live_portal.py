"""The security fixes on the running portal (``portal`` fixture: scripts/up.sh
on free ports, its own worker, nginx), as an editor or a visitor meets them:
no credential in xloader's status, no fetch of an internal address by the
DataStore loader, bad files explained on the page and never a table that
does not exist, uploads never active in the portal's origin."""
from __future__ import annotations

import http.server
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.services

PASSWORD = "Nakano-Test-2026!"


def _call(portal, action: str, token: str | None = None, files=None, **data):
    headers = {"Authorization": token} if token else {}
    if action.endswith(("create", "update", "patch", "purge", "delete")):
        answer = requests.post(f"{portal['url']}/api/3/action/{action}", data=data, files=files, headers=headers,
                               timeout=120)
    else:
        answer = requests.get(f"{portal['url']}/api/3/action/{action}", params=data, headers=headers, timeout=60)
    return answer


def _ok(portal, action: str, token: str | None = None, files=None, **data):
    answer = _call(portal, action, token, files, **data)
    body = answer.json()
    assert body["success"], (action, body.get("error"))
    return body["result"]


@pytest.fixture(scope="module")
def site(portal):
    admin = (portal["local"] / "admin-api-token").read_text().strip()
    name = f"ed-{uuid.uuid4().hex[:6]}"
    _ok(portal, "user_create", admin, name=name, email=f"{name}@example.org", password=PASSWORD)
    _ok(portal, "organization_member_create", admin, id="kikaku", username=name, role="editor")
    editor = _ok(portal, "api_token_create", admin, user=name, name="live-security")["token"]
    pkg = _ok(portal, "package_create", admin, name=f"sec-{uuid.uuid4().hex[:8]}", title="安全性の試験",
              notes="試験用（終了時に削除）", owner_org="kikaku", category="その他", license_id="cc-by")
    yield {"admin": admin, "editor": editor, "pkg": pkg, "url": portal["url"],
           "front": f"http://127.0.0.1:{portal['ports']['nginx']}"}
    _ok(portal, "dataset_purge", admin, id=pkg["id"])


def _upload(portal, site, name: str, body: bytes, resource_id: str | None = None) -> dict:
    files = {"upload": (name, body)}
    if resource_id:
        return _ok(portal, "resource_patch", site["admin"], files=files, id=resource_id, name=name)
    return _ok(portal, "resource_create", site["admin"], files=files, package_id=site["pkg"]["id"], name=name,
               format="CSV")


def _load_ends(portal, site, resource_id: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    status: dict = {}
    while time.monotonic() < deadline:
        status = _ok(portal, "xloader_status", site["admin"], resource_id=resource_id)
        if status["status"] in ("complete", "error"):
            return status
        time.sleep(2)
    pytest.fail(f"the DataStore load of {resource_id} did not end in {timeout}s: {status}")


def test_bad_files_are_explained_and_leave_no_table(portal, site):
    wide = ",".join(f"c{i}" for i in range(2000)) + "\n" + ",".join("1" for _ in range(2000)) + "\n"
    workbook = (Path(__file__).resolve().parents[2] / "demo" / "samples" / "takamatsu-372013" / "0099.xlsx").read_bytes()
    # Bytes that are no table at all (a workbook named .csv is now recognised
    # as XLSX at upload and loads: see the test after this one).
    binary = bytes(range(256)) * 8
    cases = {
        "empty.csv": (b"", "ファイルが空", "empty-file"),
        "binary.csv": (binary, ("表として読み込めなかった", "文字コードを判別できなかった"), "binary-file"),
        "wide.csv": (wide.encode(), "列が多すぎる", "too-many-columns"),
    }
    resources = {name: _upload(portal, site, name, body) for name, (body, _, _) in cases.items()}
    for name, resource in resources.items():
        assert _load_ends(portal, site, resource["id"])["status"] == "error", name
        shown = _ok(portal, "resource_show", site["admin"], id=resource["id"])
        assert not shown.get("datastore_active"), name
        assert _call(portal, "datastore_search", site["admin"], resource_id=resource["id"]).status_code == 404, name
        page = requests.get(f"{site['url']}/dataset/{site['pkg']['name']}/resource/{resource['id']}",
                            headers={"Authorization": site["admin"]}, timeout=60).text
        said = cases[name][1] if isinstance(cases[name][1], tuple) else (cases[name][1],)
        assert any(text in page for text in said) and 'lang="en"' in page, name
        assert "Traceback" not in page and "psycopg2" not in page and "CREATE TABLE" not in page, name
        assert f"/datastore/dump/{resource['id']}" not in page, name   # no download of rows that do not exist
    for name, resource in resources.items():
        deadline = time.monotonic() + 300
        while _ok(portal, "nakano_validation_show", site["admin"], id=resource["id"])["status"] == "pending":
            assert time.monotonic() < deadline, name
            time.sleep(2)
        report = _ok(portal, "nakano_validation_show", site["admin"], id=resource["id"])["report"]
        assert cases[name][2] in [i["code"] for i in report["issues"]], (name, report)


def test_a_workbook_named_csv_is_published_as_the_workbook_it_is(portal, site):
    workbook = (Path(__file__).resolve().parents[2] / "demo" / "samples" / "takamatsu-372013" / "0099.xlsx").read_bytes()
    resource = _upload(portal, site, "workbook.csv", workbook)     # the clerk chose CSV
    assert resource["format"] == "XLSX"
    assert _load_ends(portal, site, resource["id"])["status"] == "complete"
    assert _ok(portal, "datastore_search", site["admin"], resource_id=resource["id"], limit=0)["total"] > 0


def test_a_failed_reload_removes_the_previous_files_table(portal, site):
    resource = _upload(portal, site, "good.csv", "町丁目,人口\n新井一丁目,1200\n".encode())
    assert _load_ends(portal, site, resource["id"])["status"] == "complete"
    assert _ok(portal, "datastore_search", site["admin"], resource_id=resource["id"])["total"] == 1
    _upload(portal, site, "good.csv", b"", resource_id=resource["id"])
    time.sleep(3)
    assert _load_ends(portal, site, resource["id"])["status"] == "error"
    assert not _ok(portal, "resource_show", site["admin"], id=resource["id"]).get("datastore_active")


def test_an_editor_reads_no_credential_in_the_loaders_status(portal, site):
    resource = _upload(portal, site, "plain.csv", "a,b\n1,2\n".encode())
    _load_ends(portal, site, resource["id"])
    worker_token = (portal["local"] / "worker-api-token").read_text().strip()
    for action, params in (("xloader_status", {"resource_id": resource["id"]}),
                           ("task_status_show", {"entity_id": resource["id"], "task_type": "xloader",
                                                 "key": "xloader"})):
        answer = _call(portal, action, site["editor"], **params)
        assert answer.status_code == 200, (action, answer.text[:300])
        assert worker_token not in answer.text and "api_key" not in answer.text, action
    page = requests.get(f"{site['url']}/dataset/{site['pkg']['name']}/resource_data/{resource['id']}",
                        headers={"Authorization": site["editor"]}, timeout=60)
    assert worker_token not in page.text


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits.append(self.path)
        self.send_response(302)
        self.send_header("Location", "http://127.0.0.1:8983/solr/ckan/select?q=private:true&wt=csv&fl=name,title")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_datastore_loader_fetches_no_internal_address(portal, site):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        # Refused when saved: a URL parsers read differently.
        refused = _call(portal, "resource_create", site["editor"], package_id=site["pkg"]["id"], format="CSV",
                        url=f"http://127.0.0.1:{port}\\@1.1.1.1/x.csv")
        assert refused.status_code == 409 and "URL" in refused.json()["error"]["url"][0]
        # Saved (a plain URL), but never fetched: its host is on the machine.
        resource = _ok(portal, "resource_create", site["editor"], package_id=site["pkg"]["id"], format="CSV",
                       name="inside", url=f"http://127.0.0.1:{port}/x.csv")
        time.sleep(10)
        assert _Counting.hits == []
        assert not _ok(portal, "resource_show", site["admin"], id=resource["id"]).get("datastore_active")
    finally:
        server.shutdown()
        server.server_close()


def test_uploaded_html_and_svg_never_run_in_the_portals_origin(portal, site):
    bodies = {"page.html": b"<script>alert(document.domain)</script>",
              "image.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'}
    for name, body in bodies.items():
        resource = _upload(portal, site, name, body)
        path = f"/dataset/{site['pkg']['name']}/resource/{resource['id']}/download"
        for base in (site["url"], site["front"]):
            for variant in (f"{path}/{name}", f"/en{path}/{name}", f"/ja{path}", path):
                answer = requests.get(base + variant, timeout=60)
                assert answer.status_code == 200 and answer.content == body, (base, variant)
                assert answer.headers["Content-Disposition"].startswith("attachment"), (base, variant)
                assert "sandbox" in answer.headers["Content-Security-Policy"], (base, variant)

